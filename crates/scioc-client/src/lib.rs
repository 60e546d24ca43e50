//! A client for the TCF-0701 supply-chain IoC feed API, as scioc and the vendor serve it.
//!
//! The API has three calls: start a per-user cursor, pull from it, and query from a time.
//! [`Client`] makes them over HTTPS with Basic authentication, in JSON or XML, retrying `429`,
//! `5xx` and timeouts with jittered exponential backoff that honours `Retry-After`. On top of
//! them it offers streams that deliver each event exactly once:
//!
//! - [`Client::window`]: exactly the events in a half-open time interval `[from, to)`;
//! - [`Client::since`]: the window from a duration ago until now;
//! - [`Client::pull_all`]: the user's cursor until the feed is drained;
//! - [`Client::follow`]: the user's cursor forever, polling when it is drained.
//!
//! Where pages meet inside one second, events already delivered are recognised (by their
//! `scioc.sequence`, else by their content) and skipped; a window never skips an event and
//! always ends, also when a second holds more events than a page.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use scioc_client::{Client, FeedTime};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), scioc_client::Error> {
//! let client = Client::builder("https://feed.example:8443")?
//!     .credentials("analyst", "s3cret-passw0rd")
//!     .ca_pem(&std::fs::read("ca.pem").unwrap())?
//!     .build()?;
//! // Everything announced in the last day, once each.
//! let events: Vec<_> = client.since(Duration::from_secs(86_400)).try_collect().await?;
//! for e in &events {
//!     println!("{} {}", e.event_type(), e.purl().unwrap_or("-"));
//! }
//! // An exact window.
//! let from = FeedTime::parse_utc("2025-06-01T00:00:00").unwrap();
//! let to = FeedTime::parse_utc("2025-06-02T00:00:00").unwrap();
//! let day: Vec<_> = client.window(from, to).try_collect().await?;
//! # let _ = day;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod builder;
mod client;
mod error;
mod event;
mod retry;
mod streams;
mod tls;

pub use builder::ClientBuilder;
pub use client::{Client, KnowledgeAnswer, StartAt};
pub use error::Error;
pub use event::{Page, PageError, ReceivedEvent};
pub use retry::Retry;
pub use scioc_api::Format;
pub use scioc_model::FeedTime;
