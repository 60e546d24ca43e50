//! Streams of events over many pages, each event once.

use crate::{Client, Error, Event, FeedTime, Page};
use futures_util::stream::{self, Stream};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;

/// Events of one second already delivered, to skip where pages meet.
#[derive(Debug, Default)]
struct Boundary {
    second: Option<FeedTime>,
    seen: HashSet<String>,
}

impl Boundary {
    /// Whether `e` (at time `t`) is new; remembers it.
    fn admit(&mut self, t: Option<FeedTime>, e: &Event) -> bool {
        if self.second != t {
            self.second = t;
            self.seen.clear();
        }
        self.seen.insert(e.key())
    }
}

struct WindowState {
    client: Client,
    from: FeedTime,
    to: FeedTime,
    at: FeedTime,
    limit: u32,
    boundary: Boundary,
    buffer: VecDeque<Event>,
    done: bool,
}

impl WindowState {
    /// Queues the new events of `page` that fall in the window; decides where to go next.
    fn take(&mut self, page: Page) {
        let mut last_time = None;
        for e in page.events {
            // An event without its own time is placed at the page's start (a server that does
            // not say when each event happened cannot be windowed more finely).
            let t = e.time.unwrap_or(page.from);
            last_time = Some(t);
            if t >= self.to {
                self.done = true;
                break;
            }
            if t < self.from || !self.boundary.admit(Some(t), &e) {
                continue;
            }
            self.buffer.push_back(e);
        }
        if self.done {
            return;
        }
        // Continue where the page says. A server that split a second answers `to` inside it:
        // the boundary set skips what was seen. A `to` that does not move means the feed has
        // nothing more yet (or a server that does not advance): move past the last event, or
        // stop.
        let next = if page.to > self.at {
            page.to
        } else {
            match last_time {
                Some(t) if t.add_secs(1) > self.at => t.add_secs(1),
                _ => {
                    self.done = true;
                    return;
                }
            }
        };
        if next >= self.to {
            self.done = true;
        }
        self.at = next;
    }
}

impl Client {
    /// Exactly the events with a time in `[from, to)`, in feed order, each once.
    ///
    /// Pages are requested from `from`, each continuing at the previous one's `time_range.to`;
    /// the stream ends at the first event at or after `to`, or when the feed has nothing more
    /// (a `to` in the future yields what exists now). Needs event times, which scioc gives
    /// (`scioc.timestamp`).
    pub fn window(&self, from: FeedTime, to: FeedTime) -> impl Stream<Item = Result<Event, Error>> + use<> {
        self.window_paged(from, to, 1000)
    }

    /// [`Client::window`] with a page size.
    pub fn window_paged(
        &self,
        from: FeedTime,
        to: FeedTime,
        limit: u32,
    ) -> impl Stream<Item = Result<Event, Error>> + use<> {
        let state = WindowState {
            client: self.clone(),
            from,
            to,
            at: from,
            limit,
            boundary: Boundary::default(),
            buffer: VecDeque::new(),
            done: from >= to,
        };
        stream::try_unfold(state, |mut s| async move {
            loop {
                if let Some(e) = s.buffer.pop_front() {
                    return Ok(Some((e, s)));
                }
                if s.done {
                    return Ok(None);
                }
                let page = s.client.query(s.at, s.limit).await?;
                s.take(page);
            }
        })
    }

    /// The events of the last `ago`: the window from `ago` before now until now, fixed when
    /// called.
    pub fn since(&self, ago: Duration) -> impl Stream<Item = Result<Event, Error>> + use<> {
        let now = FeedTime::now();
        self.window(now.add_secs(-(ago.as_secs() as i64)), now)
    }

    /// Pulls from the user's cursor until a page comes back empty.
    pub fn pull_all(&self, limit: u32) -> impl Stream<Item = Result<Event, Error>> + use<> {
        self.pulling(limit, None)
    }

    /// Pulls from the user's cursor forever; when the feed is drained, waits `interval` and
    /// asks again.
    pub fn follow(&self, limit: u32, interval: Duration) -> impl Stream<Item = Result<Event, Error>> + use<> {
        self.pulling(limit, Some(interval))
    }

    fn pulling(&self, limit: u32, interval: Option<Duration>) -> impl Stream<Item = Result<Event, Error>> + use<> {
        let state = (self.clone(), VecDeque::<Event>::new(), Boundary::default(), false);
        stream::try_unfold(state, move |(client, mut buffer, mut boundary, mut drained)| async move {
            loop {
                if let Some(e) = buffer.pop_front() {
                    return Ok(Some((e, (client, buffer, boundary, drained))));
                }
                match (drained, interval) {
                    (true, None) => return Ok(None),
                    (true, Some(wait)) => tokio::time::sleep(wait).await,
                    _ => {}
                }
                let page = client.pull(limit).await?;
                drained = page.events.is_empty();
                for e in page.events {
                    if boundary.admit(e.time, &e) {
                        buffer.push_back(e);
                    }
                }
            }
        })
    }
}
