//! Turning a stored page into a response: the envelope's times and the splice.

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use scioc_api::{Format, PageHead, TimeFormat, write_page};
use scioc_model::FeedTime;
use scioc_store::Page;

/// The envelope of a page that starts at `from`.
///
/// - `last_timestamp`: the last event's time in `time_format`; with no events, `from` minus
///   one second.
/// - `time_range.from`: `from`.
/// - `time_range.to`: the second after the last event when more events remain, so that a
///   client querying again at `to` neither repeats nor skips one; otherwise `now`, the horizon
///   the page was read to ([`Page::horizon`]); never before `from` (a start ahead of the clock
///   waits there).
pub(crate) fn head(page: &Page, from: FeedTime, time_format: TimeFormat, now: FeedTime) -> PageHead {
    let last = page.rows.last().map(|r| r.time);
    PageHead {
        last_timestamp: time_format.format(last.unwrap_or(from.add_secs(-1))),
        from,
        to: match last {
            Some(t) if page.more => t.add_secs(1),
            _ => now.max(from),
        },
    }
}

/// The response body and headers for a page.
pub(crate) fn respond(format: Format, head: &PageHead, page: &Page) -> Response {
    let body = write_page(format, head, &page.entries);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use scioc_store::PageRow;

    fn page(times: &[i64], more: bool) -> Page {
        Page {
            rows: times
                .iter()
                .enumerate()
                .map(|(i, t)| PageRow { seq: i as i64 + 1, time: FeedTime::from_unix(*t) })
                .collect(),
            entries: Vec::new(),
            more,
            horizon: FeedTime::from_unix(1_800_000_000),
        }
    }

    /// Issue 28: a cursor started a second ahead of the clock answered `to` before `from`.
    #[test]
    fn to_is_never_before_from() {
        let mut p = page(&[], false);
        p.horizon = FeedTime::from_unix(1_000);
        let h = head(&p, FeedTime::from_unix(1_005), TimeFormat::Utc, p.horizon);
        assert_eq!((h.from, h.to), (FeedTime::from_unix(1_005), FeedTime::from_unix(1_005)));
    }

    #[test]
    fn envelope_times_follow_the_vendor_rules() {
        let from = FeedTime::from_unix(1_700_000_000);
        let now = FeedTime::from_unix(1_800_000_000);
        let h = head(&page(&[1_700_000_005, 1_700_000_009], true), from, TimeFormat::Timestamp, now);
        assert_eq!((h.last_timestamp.as_str(), h.from, h.to), ("1700000009", from, FeedTime::from_unix(1_700_000_010)));
        let h = head(&page(&[1_700_000_005], false), from, TimeFormat::Utc, now);
        assert_eq!((h.last_timestamp.as_str(), h.to), ("2023-11-14T22:13:25", now));
        let h = head(&page(&[], false), from, TimeFormat::Utc, now);
        assert_eq!((h.last_timestamp.as_str(), h.to), ("2023-11-14T22:13:19", now));
    }
}
