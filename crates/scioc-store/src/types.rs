//! Values passed to and returned by a [`crate::Store`].

use scioc_api::Format;
use scioc_model::{Entry, FeedTime, Role};

/// The newest event of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: i64,
    /// Its time.
    pub time: FeedTime,
}

/// Counts of what a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Number of events.
    pub events: u64,
    /// Number of users.
    pub users: u64,
    /// The newest event.
    pub head: Option<Head>,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The entry.
    pub entry: Entry,
    /// When it enters the feed; `None` for now.
    pub time: Option<FeedTime>,
}

/// What an append stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// How many events.
    pub count: usize,
    /// Sequence number of the first, if any.
    pub first_seq: Option<i64>,
    /// Sequence number of the last, if any.
    pub last_seq: Option<i64>,
    /// Time of the first, if any.
    pub first_time: Option<FeedTime>,
    /// Time of the last, if any.
    pub last_time: Option<FeedTime>,
}

/// A stateless time query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeQuery {
    /// First second to return.
    pub from: FeedTime,
    /// Events wanted, 1 to 1000; the page may hold more to finish the last second.
    pub limit: u32,
    /// Which stored rendering to return.
    pub format: Format,
    /// Only seconds before this one are served: a second is closed, and so never split
    /// across pages, once the clock has left it.
    pub horizon: FeedTime,
}

/// A cursor pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullQuery {
    /// Events wanted, 1 to 1000; the page may hold more to finish the last second.
    pub limit: u32,
    /// Which stored rendering to return.
    pub format: Format,
    /// As in [`TimeQuery::horizon`].
    pub horizon: FeedTime,
}

/// One event of a page: its position in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRow {
    /// Sequence number.
    pub seq: i64,
    /// Feed time.
    pub time: FeedTime,
}

/// A page of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The events, in feed order.
    pub rows: Vec<PageRow>,
    /// Their stored renderings in the requested format, joined by the format's separator,
    /// ready to splice into an envelope.
    pub entries: Vec<u8>,
    /// Whether events remain before the horizon after this page.
    pub more: bool,
}

/// A page returned by a pull, with where the cursor stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    /// The page.
    pub page: Page,
    /// The feed time the cursor stood at before this pull.
    pub from: FeedTime,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The name.
    pub name: scioc_model::UserName,
    /// The role.
    pub role: Role,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// Creation time.
    pub now: FeedTime,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The name.
    pub name: scioc_model::UserName,
    /// The role.
    pub role: Role,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// When the user was created.
    pub created_at: FeedTime,
    /// When the user was last changed.
    pub updated_at: FeedTime,
}
