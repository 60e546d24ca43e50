//! Mirroring a remote feed into the local store, resumably.
//!
//! The mirror walks the remote feed by time query from its cursor. Every page's new events and
//! the cursor after them are committed in one transaction (an [`Import`] of the source
//! `sync:<server>`), so a kill at any point loses at most the page in flight, and a re-run
//! continues from the last committed page: the store ends identical to an uninterrupted sync,
//! same events, same order, no duplicates.
//!
//! The cursor is the time to query next and the sequence numbers already taken from the second
//! just before it, so a server that splits a second across pages loses or repeats nothing.
//! Events keep the remote's time, ranges and provenance.
//!
//! Whenever the mirror is caught up, it also mirrors the server's knowledge document (curated
//! rules and indicators, `scioc-knowledge/1`): the whole document replaces the mirror's copy in
//! one transaction (a record of the source [`MIRROR_SOURCE`]), only when its ETag changed, so
//! the mirror's verdicts equal the source's.

use scioc_client::{Client, FeedTime, KnowledgeAnswer};
use scioc_store::{Import, NewEvent, SourceRecord, Store};
use scioc_verdict::{Knowledge, MIRROR_SOURCE};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The record id of the cursor within the sync source.
const CURSOR: &str = "cursor";

/// Where a sync continues.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The time to query next, Unix seconds.
    pub at: i64,
    /// The second of the last events taken, and their keys (sequence numbers or contents).
    pub last_second: Option<i64>,
    /// Keys of the events taken in `last_second`.
    pub taken: Vec<String>,
    /// Events mirrored so far.
    pub events: u64,
}

/// Progress after each committed page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Events stored by this run.
    pub stored: u64,
    /// Events mirrored in all, all runs.
    pub total: u64,
    /// The cursor's time.
    pub at: FeedTime,
    /// How far the cursor is behind the present, in seconds.
    pub lag_secs: i64,
}

/// What happened to the mirror's copy of the server's knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnowledgeSync {
    /// Replaced by the server's current document.
    Updated {
        /// Curated rules in it.
        rules: usize,
        /// Indicators in it.
        indicators: usize,
    },
    /// The server's document has not changed.
    Unchanged,
    /// The server offers none (not a scioc server).
    NotOffered,
}

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Events stored by this run.
    pub stored: u64,
    /// The knowledge document, as of the last time the mirror caught up.
    pub knowledge: KnowledgeSync,
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The remote failed.
    #[error(transparent)]
    Remote(#[from] scioc_client::Error),
    /// The local store failed (another sync of the same source ran at once, for one).
    #[error("local store: {0}")]
    Store(#[from] scioc_store::Error),
    /// The server's knowledge document is unusable; the mirror's copy was left as it was.
    #[error("the knowledge document of {server}: {message}")]
    Knowledge {
        /// The server.
        server: String,
        /// What was wrong.
        message: String,
    },
    /// The stored cursor is unreadable.
    #[error("sync cursor of {name}: {message}")]
    Cursor {
        /// The source.
        name: String,
        /// What was wrong.
        message: String,
    },
}

/// The source name a server is mirrored under.
pub fn source_name(server: &str) -> String {
    format!("sync:{}", server.trim_end_matches('/'))
}

/// Mirrors `client`'s feed into `store` until it is caught up (or, with `follow`, forever,
/// polling every `follow` interval), reporting after each committed page.
pub async fn sync(
    store: &dyn Store,
    client: &Client,
    source: &str,
    page_size: u32,
    follow: Option<Duration>,
    mut progress: impl FnMut(Progress),
) -> Result<Synced, SyncError> {
    let mut stored = 0u64;
    loop {
        let state = store.source_state(source).await?;
        let mut cursor = match state.records.iter().find(|r| r.id == CURSOR) {
            Some(r) => serde_json::from_str::<Cursor>(&r.state)
                .map_err(|e| SyncError::Cursor { name: source.to_owned(), message: e.to_string() })?,
            None => Cursor { at: scioc_model::FEED_EPOCH.unix(), ..Cursor::default() },
        };
        let at = FeedTime::from_unix(cursor.at);
        let page = client.query(at, page_size).await?;
        let mut events = Vec::new();
        let mut last_time = None;
        for e in page.events {
            let t = e.time.unwrap_or(page.from);
            last_time = Some(t);
            let k = e.key();
            if Some(t.unix()) == cursor.last_second {
                if cursor.taken.contains(&k) {
                    continue;
                }
            } else {
                cursor.last_second = Some(t.unix());
                cursor.taken.clear();
            }
            cursor.taken.push(k);
            events.push(NewEvent {
                entry: e.entry,
                time: Some(t),
                affected: e.affected,
                provenance: e.provenance,
                claim: None,
            });
        }
        // Where to continue: where the page says; for a server whose `to` does not move, at the
        // last event's second (the taken keys skip what was stored) or just past it.
        let next = match last_time {
            _ if page.to > at => page.to,
            Some(t) if t > at => t,
            Some(t) if t == at => t.add_secs(1),
            _ => at,
        };
        let caught_up = events.is_empty() && next <= at.add_secs(1);
        if events.is_empty() && next == at {
            // Nothing new and nowhere to move: caught up.
        } else {
            // The taken keys only matter while the next query starts inside their second.
            if cursor.last_second.is_some_and(|s| s < next.unix() - 1) {
                cursor.taken.clear();
                cursor.last_second = None;
            }
            cursor.at = next.unix();
            cursor.events += events.len() as u64;
            let count = events.len() as u64;
            let record = SourceRecord {
                id: CURSOR.into(),
                content_hash: String::new(),
                state: serde_json::to_string(&cursor).expect("a cursor serializes"),
            };
            let import = Import {
                source: source.to_owned(),
                expected_version: state.version,
                events,
                records: vec![record],
                ..Import::default()
            };
            store.commit_import(import).await?;
            stored += count;
            let lag_secs = (FeedTime::now().unix() - next.unix()).max(0);
            progress(Progress { stored, total: cursor.events, at: next, lag_secs });
        }
        if caught_up {
            let knowledge = mirror_knowledge(store, client, source).await?;
            match follow {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Ok(Synced { stored, knowledge }),
            }
        }
    }
}

/// Replaces the mirror's copy of the server's knowledge document when it changed. The record
/// id is the sync source's name; its content hash is the server's ETag.
pub async fn mirror_knowledge(store: &dyn Store, client: &Client, source: &str) -> Result<KnowledgeSync, SyncError> {
    let state = store.source_state(MIRROR_SOURCE).await?;
    let held = state.records.iter().find(|r| r.id == source);
    let (etag, body) = match client.knowledge(held.map(|r| r.content_hash.as_str())).await? {
        KnowledgeAnswer::Document { etag, body } => (etag, body),
        KnowledgeAnswer::Unchanged => return Ok(KnowledgeSync::Unchanged),
        KnowledgeAnswer::NotOffered => return Ok(KnowledgeSync::NotOffered),
    };
    let bad = |message: String| SyncError::Knowledge { server: source.trim_start_matches("sync:").to_owned(), message };
    let knowledge = Knowledge::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    let canonical = String::from_utf8(knowledge.to_bytes()).map_err(|e| bad(e.to_string()))?;
    if held.is_some_and(|r| r.state == canonical) {
        return Ok(KnowledgeSync::Unchanged);
    }
    let record = SourceRecord { id: source.to_owned(), content_hash: etag, state: canonical };
    let import = Import {
        source: MIRROR_SOURCE.into(),
        expected_version: state.version,
        records: vec![record],
        ..Import::default()
    };
    store.commit_import(import).await?;
    Ok(KnowledgeSync::Updated { rules: knowledge.rules.len(), indicators: knowledge.indicators.len() })
}
