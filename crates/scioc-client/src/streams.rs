//! Streams of events over many pages, each event once.

use crate::{Client, Error, FeedTime, Page, ReceivedEvent};
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
    fn admit(&mut self, t: Option<FeedTime>, e: &ReceivedEvent) -> bool {
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
    buffer: VecDeque<ReceivedEvent>,
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
        // the boundary set skips what was seen. A `to` that does not move means either a server
        // that does not advance it (continue at the last event's second, whose seen events
        // the boundary set skips; or just past it if that is where we already are) or a feed
        // with nothing more yet (stop).
        let next = if page.to > self.at {
            page.to
        } else {
            match last_time {
                Some(t) if t > self.at => t,
                Some(t) if t == self.at => t.add_secs(1),
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
    ///
    /// ```no_run
    /// # async fn f(client: scioc_client::Client) -> Result<(), scioc_client::Error> {
    /// use futures_util::TryStreamExt;
    /// use scioc_client::FeedTime;
    /// let from = FeedTime::parse_utc("2025-06-01T00:00:00").unwrap();
    /// let to = from.add_secs(3600);
    /// let mut events = std::pin::pin!(client.window(from, to));
    /// while let Some(e) = events.try_next().await? {
    ///     println!("{:?} {}", e.sequence, e.event_type());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn window(&self, from: FeedTime, to: FeedTime) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
        self.window_paged(from, to, 1000)
    }

    /// [`Client::window`] with a page size.
    pub fn window_paged(
        &self,
        from: FeedTime,
        to: FeedTime,
        limit: u32,
    ) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
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
    pub fn since(&self, ago: Duration) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
        let now = FeedTime::now();
        self.window(now.add_secs(-(ago.as_secs() as i64)), now)
    }

    /// Pulls from the user's cursor until a page comes back empty.
    pub fn pull_all(&self, limit: u32) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
        self.pulling(limit, None)
    }

    /// Pulls from the user's cursor forever; when the feed is drained, waits `interval` and
    /// asks again.
    ///
    /// ```no_run
    /// # async fn f(client: scioc_client::Client) -> Result<(), scioc_client::Error> {
    /// use futures_util::TryStreamExt;
    /// use scioc_client::StartAt;
    /// client.start(StartAt::Now).await?;
    /// let mut events = std::pin::pin!(client.follow(1000, std::time::Duration::from_secs(30)));
    /// while let Some(e) = events.try_next().await? {
    ///     println!("new: {}", e.purl().unwrap_or("(file)"));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn follow(&self, limit: u32, interval: Duration) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
        self.pulling(limit, Some(interval))
    }

    fn pulling(
        &self,
        limit: u32,
        interval: Option<Duration>,
    ) -> impl Stream<Item = Result<ReceivedEvent, Error>> + use<> {
        let state = (self.clone(), VecDeque::<ReceivedEvent>::new(), Boundary::default(), false);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, t: i64) -> ReceivedEvent {
        let v = serde_json::json!({
            "event_type": "NEW_MALICIOUS",
            "sha256": format!("{seq:064x}"),
            "sample_list": [{"status": "MALICIOUS", "threat_name": "T", "threat_level": "5"}],
            "scioc": {"sequence": seq, "timestamp": FeedTime::from_unix(t).to_utc_string()},
        });
        ReceivedEvent::from_value(v).unwrap()
    }

    fn page(events: Vec<ReceivedEvent>, from: i64, to: i64) -> Page {
        Page { events, from: FeedTime::from_unix(from), to: FeedTime::from_unix(to), last_timestamp: String::new() }
    }

    fn state(from: i64, to: i64) -> WindowState {
        WindowState {
            client: Client::builder("https://example.invalid").unwrap().build().unwrap(),
            from: FeedTime::from_unix(from),
            to: FeedTime::from_unix(to),
            at: FeedTime::from_unix(from),
            limit: 2,
            boundary: Boundary::default(),
            buffer: VecDeque::new(),
            done: false,
        }
    }

    fn seqs(s: &WindowState) -> Vec<i64> {
        s.buffer.iter().map(|e| e.sequence.unwrap()).collect()
    }

    #[test]
    fn a_server_that_splits_a_second_gives_no_duplicates_and_the_window_ends() {
        let mut s = state(10, 20);
        // Page 1 stops inside second 12 and says to continue at 12 (the vendor SDK's loop).
        s.take(page(vec![event(1, 10), event(2, 12)], 10, 12));
        assert_eq!((s.at.unix(), s.done), (12, false));
        // Page 2 repeats event 2 and completes the second.
        s.take(page(vec![event(2, 12), event(3, 12), event(4, 13)], 12, 12));
        assert_eq!(s.at.unix(), 13, "a `to` that does not move: continue at the last event's second");
        // Page 3 starts inside second 13 again: event 4 is not repeated.
        s.take(page(vec![event(4, 13), event(7, 13)], 13, 13));
        assert_eq!(s.at.unix(), 14, "stuck on one second: move past it");
        // Page 4: one event in the window, then one at its end, which ends it.
        s.take(page(vec![event(5, 19), event(6, 20)], 14, 21));
        assert!(s.done);
        assert_eq!(seqs(&s), vec![1, 2, 3, 4, 7, 5]);
    }

    #[test]
    fn an_empty_feed_or_a_window_in_the_future_ends() {
        let mut s = state(10, 20);
        s.take(page(vec![], 10, 10));
        assert!(s.done, "nothing and no progress: the feed has nothing more");
        let mut s = state(10, 20);
        s.take(page(vec![], 10, 25));
        assert!(s.done, "the page covers past the window's end");
        let mut s = state(10, 20);
        s.take(page(vec![event(1, 5), event(2, 11)], 10, 15));
        assert_eq!((seqs(&s), s.at.unix(), s.done), (vec![2], 15, false), "events before the window are dropped");
    }
}
