//! The store's error type.
//!
//! Backend errors are carried as boxed sources, so no backend type leaks into the public API.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An event of an append batch broke a feed rule; nothing of the batch was stored.
    #[error("event {index} of the batch: {message}")]
    Rejected {
        /// Zero-based index of the event in the batch.
        index: usize,
        /// What rule it broke.
        message: String,
    },
    /// A user of that name exists already.
    #[error("user {0:?} already exists")]
    UserExists(String),
    /// No user of that name.
    #[error("no user {0:?}")]
    NoSuchUser(String),
    /// Another writer changed what this operation was based on; nothing was stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database stayed locked by another writer past the busy timeout.
    #[error("the store is busy (locked by another writer); try again")]
    Busy,
    /// The database cannot do this now: its disk is full, it is out of another resource, its
    /// storage fails, or it cannot be reached. Nothing was stored; what was stored is intact.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The database schema is not one this build can use.
    #[error("store schema: {0}")]
    Schema(String),
    /// The data directory or database file could not be opened.
    #[error("cannot open the store at {path}: {source}")]
    Open {
        /// The path that failed.
        path: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Any other failure of the database.
    #[error("store: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
