//! The feed's rules shared by every backend: which times an append may use, and how a store's
//! digest is computed.

use crate::{Error, Head};
use scioc_model::{FEED_EPOCH, FeedTime};
use sha2::{Digest, Sha256};

/// Largest rendering of one event the store accepts, in bytes (JSON and XML each): every client
/// that pulls a page receives its events whole, so one event never costs megabytes.
pub const MAX_ENTRY_BYTES: usize = 2 * 1024 * 1024;

/// Renders event `index` of a batch for the wire, refusing it when the rendering is larger than
/// [`MAX_ENTRY_BYTES`].
pub(crate) fn render(
    event: &crate::NewEvent,
    index: usize,
    seq: i64,
    time: FeedTime,
) -> Result<scioc_api::Fragments, Error> {
    let fragments =
        scioc_api::render_entry(&event.entry, event.affected.as_ref(), event.provenance.as_ref(), seq, time);
    let size = fragments.json.len().max(fragments.xml.len());
    if size > MAX_ENTRY_BYTES {
        return Err(Error::Rejected {
            index,
            message: format!("the event renders to {size} bytes, over the limit of {MAX_ENTRY_BYTES} for one event"),
        });
    }
    Ok(fragments)
}

/// The source version a store bumps when it lays its feed out again
/// ([`crate::Store::commit_history`]): whoever keeps state by sequence number (a verdict engine)
/// sees it move and reads the feed again from the start.
pub const RELAID_SOURCE: &str = "(feed laid out again)";

/// What [`crate::Store::commit_history`] refuses once a client has read the feed.
pub(crate) fn feed_was_read() -> Error {
    Error::Conflict(
        "a client has read the feed (a time query served it, or a cursor was started), so history can no longer \
         go below its events"
            .into(),
    )
}

/// A stored event as the event it was appended as, from its rendering and time: the entry, its
/// ranges and provenance (all in the rendering) and its time. Rendering it again at the same
/// sequence number and time gives the same bytes ([`render`]); [`crate::Store::commit_history`]
/// renders it at its new sequence number.
pub(crate) fn stored_as_new(entry_json: &[u8], ts: i64) -> Result<crate::NewEvent, Error> {
    let bad = |m: String| Error::Schema(format!("a stored event does not read back: {m}"));
    let mut value: serde_json::Value = serde_json::from_slice(entry_json).map_err(|e| bad(e.to_string()))?;
    let ext = value.as_object_mut().and_then(|o| o.remove("scioc")).unwrap_or_default();
    let affected =
        ext.get("affected").map(|a| serde_json::from_value(a.clone())).transpose().map_err(|e| bad(e.to_string()))?;
    let provenance =
        ext.get("provenance").map(|p| serde_json::from_value(p.clone())).transpose().map_err(|e| bad(e.to_string()))?;
    let raw: scioc_model::RawEntry = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    let entry = scioc_model::Entry::try_from(raw).map_err(|e| bad(e.to_string()))?;
    Ok(crate::NewEvent { entry, time: Some(FeedTime::from_unix(ts)), affected, provenance, claim: None })
}

/// Lays stored events and an import's events out in one time order: by time, stored events
/// first within a second, each side keeping its own order. Every event must carry its time.
pub(crate) fn lay_out(
    stored: Vec<crate::NewEvent>,
    added: Vec<crate::NewEvent>,
    now: FeedTime,
) -> Vec<crate::NewEvent> {
    let mut all: Vec<(FeedTime, u8, usize, crate::NewEvent)> = stored
        .into_iter()
        .enumerate()
        .map(|(i, e)| (e.time.unwrap_or(now), 0, i, e))
        .chain(added.into_iter().enumerate().map(|(i, mut e)| {
            let t = *e.time.get_or_insert(now);
            (t, 1, i, e)
        }))
        .collect();
    all.sort_by_key(|(t, side, i, _)| (*t, *side, *i));
    all.into_iter().map(|(_, _, _, e)| e).collect()
}

/// Reads the `affected` column. A value that no longer parses (written by a later version) is
/// read as absent, which the verdict engine takes as every version: it errs toward blocking.
pub(crate) fn affected(column: Option<&str>) -> Option<scioc_model::Affected> {
    column.and_then(|json| serde_json::from_str(json).ok())
}

/// Most events one second holds when a store is not told otherwise. A time query's page never
/// splits a second, so this is also the most a page holds beyond its `limit`.
pub const DEFAULT_EVENTS_PER_SECOND: u32 = 1000;

/// Assigns times to a batch appended after `head`.
///
/// | the event asks for | it gets |
/// |---|---|
/// | no time | `now`, or the newest time if that is later (the clock went back, or seconds were spread ahead) |
/// | time `t` | `t` if `t` is between the time asked for by the event before it and `now`, else it is refused |
/// | either, when that second already holds `per_second` events | the next second, which may lie ahead of `now` |
/// | either, when it would fall before `closed_before` | `closed_before`: a time query may have served the seconds before it as closed |
///
/// So no second ever holds more than `per_second` events, and a large batch is spread over
/// consecutive seconds; a second ahead of the clock is served once the clock passes it, as every
/// second is. Refusals name the event's index in the batch.
///
/// `now` must be read once the caller holds the feed's write lock, and `closed_before` under it
/// too (the store's seal, see [`seal`](crate::Store::query)): that is what keeps every append out
/// of the seconds a reader has already served.
pub(crate) struct Clock {
    now: FeedTime,
    /// Seconds before this one may have been served as closed: nothing is stamped in them.
    floor: FeedTime,
    /// The newest time asked for (or the head's): an explicit time may not precede it.
    asked: Option<FeedTime>,
    /// The newest time given, and how many events hold it.
    last: Option<FeedTime>,
    in_last: u64,
    per_second: u64,
}

impl Clock {
    /// `in_head_second` is how many stored events share the head's second; `closed_before` is
    /// the store's seal (0 when no second was ever sealed).
    pub(crate) fn new(
        head: Option<Head>,
        now: FeedTime,
        closed_before: FeedTime,
        in_head_second: u64,
        per_second: u32,
    ) -> Self {
        let last = head.map(|h| h.time);
        Clock {
            // A clock that went back behind a seal reads as the seal.
            now: now.max(closed_before),
            floor: closed_before,
            asked: last,
            last,
            in_last: in_head_second,
            per_second: u64::from(per_second.max(1)),
        }
    }

    /// The time of event `index`, given its requested time.
    pub(crate) fn assign(&mut self, index: usize, requested: Option<FeedTime>) -> Result<FeedTime, Error> {
        let wanted = match requested {
            None => self.now,
            Some(t) => {
                check_time(t, self.now, self.asked).map_err(|message| Error::Rejected { index, message })?;
                t
            }
        };
        self.asked = Some(self.asked.map_or(wanted, |a| a.max(wanted)));
        let mut time = self.last.map_or(wanted, |l| l.max(wanted)).max(self.floor);
        if Some(time) == self.last {
            if self.in_last >= self.per_second {
                time = time.add_secs(1);
                self.in_last = 0;
            }
        } else {
            self.in_last = 0;
        }
        self.in_last += 1;
        self.last = Some(time);
        Ok(time)
    }
}

fn check_time(t: FeedTime, now: FeedTime, prev: Option<FeedTime>) -> Result<(), String> {
    if t < FEED_EPOCH {
        return Err(format!("timestamp {t} is before the feed epoch {FEED_EPOCH}"));
    }
    if t > now {
        return Err(format!("timestamp {t} is in the future (now is {now})"));
    }
    match prev {
        Some(p) if t < p => Err(format!(
            "timestamp {t} is older than the newest event before it ({p}); the feed never goes back in time"
        )),
        _ => Ok(()),
    }
}

/// The running SHA-256 of [`crate::Store::digest`]: `(seq, ts, event_type, entry_json)` of every
/// event in sequence order, each field length-prefixed so that no two feeds hash alike.
#[derive(Default)]
pub(crate) struct FeedDigest(Sha256);

impl FeedDigest {
    pub(crate) fn add(&mut self, seq: i64, ts: i64, event_type: &str, entry_json: &[u8]) {
        let h = &mut self.0;
        h.update(seq.to_le_bytes());
        h.update(ts.to_le_bytes());
        h.update((event_type.len() as u64).to_le_bytes());
        h.update(event_type.as_bytes());
        h.update((entry_json.len() as u64).to_le_bytes());
        h.update(entry_json);
    }

    pub(crate) fn hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// A page being read: positions, and the stored fragments joined as they arrive.
pub(crate) struct PageBuilder {
    format: scioc_api::Format,
    rows: Vec<crate::PageRow>,
    entries: Vec<u8>,
}

impl PageBuilder {
    pub(crate) fn new(format: scioc_api::Format, limit: u32) -> Self {
        PageBuilder {
            format,
            rows: Vec::with_capacity(limit as usize),
            entries: Vec::with_capacity(limit as usize * 1024),
        }
    }

    /// Adds one event, copying its fragment once.
    pub(crate) fn push(&mut self, seq: i64, ts: i64, fragment: &[u8]) {
        self.rows.push(crate::PageRow { seq, time: FeedTime::from_unix(ts) });
        if !self.entries.is_empty() {
            self.entries.extend_from_slice(self.format.separator());
        }
        self.entries.extend_from_slice(fragment);
    }

    /// The format being read.
    pub(crate) fn format(&self) -> scioc_api::Format {
        self.format
    }

    /// The last event so far.
    pub(crate) fn last(&self) -> Option<crate::PageRow> {
        self.rows.last().copied()
    }

    /// Whether the page reached `limit` events, so that the rest of its last second must be
    /// added and whether more follow must be asked.
    pub(crate) fn is_full(&self, limit: u32) -> bool {
        self.rows.len() as u32 >= limit
    }

    pub(crate) fn into_page(self, more: bool, horizon: FeedTime) -> crate::Page {
        crate::Page { rows: self.rows, entries: self.entries, more, horizon }
    }
}

/// Name of the column holding the rendering in `format`. SQL built from it is fixed text: the
/// name comes from this closed match, never from input.
pub(crate) fn fragment_column(format: scioc_api::Format) -> &'static str {
    match format {
        scioc_api::Format::Json => "entry_json",
        scioc_api::Format::Xml => "entry_xml",
    }
}

/// Where a cursor stands: `(after_seq, not_before, position)`.
pub(crate) type Position = (i64, i64, i64);

/// A pull's page in flight, as the `pull_leases` table holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeaseRow {
    pub(crate) id: i64,
    pub(crate) from: Position,
    pub(crate) to: Position,
    pub(crate) done: bool,
}

/// The delivered position after confirmations: it moves over each delivered lease that
/// continues it, in the order the pulls were made, and stops at the first page still in
/// flight. Returns the new position and the leases it passed (to delete).
///
/// | leases, oldest first                         | delivered position moves to |
/// |---------------------------------------------|-----------------------------|
/// | page 1 done, page 2 done                     | the end of page 2           |
/// | page 1 in flight, page 2 done                | nowhere yet (page 1 first)  |
/// | page 1 done, page 2 in flight                | the end of page 1           |
///
/// A lease that does not start where the position stands belongs to no chain (the cursor was
/// rewound or started anew since) and stops the walk.
pub(crate) fn settle(done: Position, leases: &[LeaseRow]) -> (Position, Vec<i64>) {
    let mut at = done;
    let mut passed = Vec::new();
    for lease in leases {
        if !lease.done || lease.from != at {
            break;
        }
        at = lease.to;
        passed.push(lease.id);
    }
    (at, passed)
}

/// The condition and the one parameter of [`crate::EventFilter`]'s events, for a dialect that
/// writes the parameter as `p` and finds a substring's position with `position(haystack,
/// needle)` (PostgreSQL's `strpos`, SQLite's `instr`). A purl without a version also matches
/// each of its versions.
pub(crate) fn filter_condition(filter: &crate::EventFilter, p: &str, position: &str) -> (String, String) {
    match filter {
        crate::EventFilter::Sha256(h) => (format!("sha256 = {p}"), h.to_ascii_lowercase()),
        crate::EventFilter::Sha1(h) => (format!("sha1 = {p}"), h.to_ascii_lowercase()),
        crate::EventFilter::Md5(h) => (format!("md5 = {p}"), h.to_ascii_lowercase()),
        crate::EventFilter::Purl(purl) => (
            format!("purl = {p} OR ({position}({p}, '@') = 0 AND substr(purl, 1, length({p}) + 1) = {p} || '@')"),
            purl.clone(),
        ),
    }
}

/// The refusal of an import whose source moved on since its state was read.
pub(crate) fn import_conflict(source: &str, current: i64, expected: i64) -> Error {
    Error::Conflict(format!(
        "another import of {source} ran while this one was prepared (version {current}, expected {expected}); run it again"
    ))
}

/// Where a cursor stands after delivering `last`: past its sequence number, from its second
/// (later events are never older), with the next page's `time_range.from` one second on.
pub(crate) fn cursor_after(last: crate::PageRow) -> Position {
    (last.seq, last.time.unix(), last.time.unix() + 1)
}

#[cfg(test)]
mod lease_tests {
    use super::*;

    #[test]
    fn the_delivered_position_moves_over_delivered_pages_in_order() {
        let lease = |id, from: i64, to: i64, done| LeaseRow { id, from: (from, 0, 0), to: (to, 0, 0), done };
        assert_eq!(settle((0, 0, 0), &[lease(1, 0, 5, true), lease(2, 5, 9, true)]), ((9, 0, 0), vec![1, 2]));
        assert_eq!(settle((0, 0, 0), &[lease(1, 0, 5, false), lease(2, 5, 9, true)]), ((0, 0, 0), vec![]));
        assert_eq!(settle((0, 0, 0), &[lease(1, 0, 5, true), lease(2, 5, 9, false)]), ((5, 0, 0), vec![1]));
        assert_eq!(settle((3, 0, 0), &[lease(1, 0, 5, true)]), ((3, 0, 0), vec![]));
        assert_eq!(settle((0, 0, 0), &[]), ((0, 0, 0), vec![]));
    }
}

#[cfg(test)]
mod relay_tests {
    use super::*;

    /// A stored event reads back as the event it was, so laying the feed out again changes only
    /// sequence numbers and (where the rules move them) times.
    #[test]
    fn a_stored_event_renders_again_to_the_same_bytes() {
        let raw: scioc_model::RawEntry = serde_json::from_str(
            r#"{"event_type":"NEW_MALICIOUS","sha256":"e37d30c42c9739dfe153a324885937cbb98ed31760d1ba34d5542b309b2a67b0","identity":{"purl":"pkg:npm/evil","community":"npm","package":"evil"},"sample_list":[{"status":"MALICIOUS","threat_name":"Script-JS.Downloader.SupplyChain","threat_level":"3"}]}"#,
        )
        .unwrap();
        let affected: scioc_model::Affected = serde_json::from_str(
            r#"{"all_versions":false,"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"2.0.0"}]}]}"#,
        )
        .unwrap();
        let provenance =
            scioc_model::Provenance { source: "osv".into(), id: Some("MAL-1".into()), ..Default::default() };
        let event = crate::NewEvent {
            entry: scioc_model::Entry::try_from(raw).unwrap(),
            time: None,
            affected: Some(affected),
            provenance: Some(provenance),
            claim: None,
        };
        let at = FeedTime::from_unix(1_700_000_000);
        let first = render(&event, 0, 41, at).unwrap();
        let back = stored_as_new(&first.json, at.unix()).unwrap();
        assert_eq!(back.time, Some(at));
        assert_eq!(render(&back, 0, 41, at).unwrap(), first);
    }

    #[test]
    fn stored_events_and_added_ones_are_laid_out_in_time_order() {
        let e = |t: i64, purl: &str| {
            let raw: scioc_model::RawEntry =
                serde_json::from_value(serde_json::json!({"event_type": "FP", "identity": {"purl": purl}})).unwrap();
            crate::NewEvent {
                entry: scioc_model::Entry::try_from(raw).unwrap(),
                time: Some(FeedTime::from_unix(t)),
                affected: None,
                provenance: None,
                claim: None,
            }
        };
        let stored = vec![e(10, "pkg:npm/s1"), e(30, "pkg:npm/s2")];
        let added = vec![e(5, "pkg:npm/a1"), e(30, "pkg:npm/a2"), e(40, "pkg:npm/a3")];
        let purls: Vec<String> = lay_out(stored, added, FeedTime::from_unix(100))
            .iter()
            .map(|e| e.entry.identity.as_ref().unwrap().purl.clone().unwrap())
            .collect();
        assert_eq!(purls, ["pkg:npm/a1", "pkg:npm/s1", "pkg:npm/s2", "pkg:npm/a2", "pkg:npm/a3"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> FeedTime {
        FeedTime::from_unix(1_700_000_000 + s)
    }

    #[test]
    fn a_second_holds_at_most_its_capacity_and_the_rest_spreads_ahead() {
        // Two events already share the head's second; the cap is three.
        let mut c = Clock::new(Some(Head { seq: 2, time: t(0) }), t(0), FeedTime::from_unix(0), 2, 3);
        let got: Vec<i64> = (0..8).map(|i| c.assign(i, None).unwrap().unix() - t(0).unix()).collect();
        assert_eq!(got, [0, 1, 1, 1, 2, 2, 2, 3]);
    }

    #[test]
    fn explicit_times_keep_their_order_rule_and_spread_when_a_second_is_full() {
        let mut c = Clock::new(None, t(100), FeedTime::from_unix(0), 0, 2);
        let asked = [t(10), t(10), t(10), t(10), t(11), t(50)];
        let got: Vec<i64> = asked.iter().enumerate().map(|(i, a)| c.assign(i, Some(*a)).unwrap().unix()).collect();
        // 10 10 | 11 11 (spread) | 12 (11 asked, but 11 is full) | 50
        assert_eq!(got, [t(10), t(10), t(11), t(11), t(12), t(50)].map(FeedTime::unix));
        // An explicit time before one already asked for is still refused, whatever was spread.
        assert!(matches!(c.assign(6, Some(t(49))), Err(Error::Rejected { index: 6, .. })));
        assert!(matches!(c.assign(7, Some(t(101))), Err(Error::Rejected { index: 7, .. })));
    }

    #[test]
    fn after_spreading_ahead_of_the_clock_new_events_follow_the_newest_second() {
        let mut c = Clock::new(Some(Head { seq: 9, time: t(5) }), t(3), FeedTime::from_unix(0), 1, 1000);
        assert_eq!(c.assign(0, None).unwrap(), t(5));
    }

    /// Issue 28: an event asked for at a time a reader has already served as closed is stamped
    /// at the seal instead, where a client continuing at `time_range.to` still finds it; a clock
    /// that went back behind the seal stamps at the seal too.
    #[test]
    fn nothing_is_stamped_before_the_seal() {
        let mut c = Clock::new(Some(Head { seq: 1, time: t(0) }), t(20), t(10), 1, 1000);
        assert_eq!(c.assign(0, Some(t(4))).unwrap(), t(10), "an explicit time in a sealed second moves to the seal");
        assert_eq!(c.assign(1, Some(t(12))).unwrap(), t(12));
        assert_eq!(c.assign(2, None).unwrap(), t(20));
        let mut back = Clock::new(Some(Head { seq: 1, time: t(0) }), t(3), t(10), 1, 1000);
        assert_eq!(back.assign(0, None).unwrap(), t(10), "a clock behind the seal stamps at the seal");
        assert!(back.assign(1, Some(t(-1))).is_err(), "going back before the head is still refused");
    }
}
