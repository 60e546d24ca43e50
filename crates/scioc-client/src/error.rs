//! The client's errors.

/// What went wrong talking to a feed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client was configured wrongly (a bad URL, an unreadable CA bundle, a bad pin).
    #[error("client configuration: {0}")]
    Config(String),
    /// The server could not be reached, or the exchange failed, after every retry.
    #[error("cannot reach {url}")]
    Transport {
        /// The request.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status (after retries, for retryable ones).
    #[error("{url}: HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The request.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body, for the reason.
        body: String,
    },
    /// The server answered with something that is not a feed page.
    #[error("{url}: {message}")]
    Response {
        /// The request.
        url: String,
        /// What was wrong.
        message: String,
    },
}
