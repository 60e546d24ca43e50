//! Events per day as a stacked bar chart, drawn on the server as SVG so that it needs no
//! script and no file from anywhere else.

use maud::{Markup, html};
use scioc_store::DailyCount;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 180.0;
/// Room for the axis labels.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
/// Series beyond this many are drawn together as `other`.
const MAX_SERIES: usize = 5;

/// What the bars are split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// Event type: NEW_MALICIOUS, FP, NEW_THREAT_NAME.
    Type,
    /// The entries' community (ecosystem).
    Ecosystem,
}

/// The counts of `days` days ending with day `last` (days since the epoch), split into at most
/// [`MAX_SERIES`] series: each series' name and its count per day, largest series first.
pub(crate) fn series(counts: &[DailyCount], split: Split, last: i64, days: i64) -> Vec<(String, Vec<u64>)> {
    let first = last - days + 1;
    let key = |c: &DailyCount| match split {
        Split::Type => c.event_type.as_str().to_owned(),
        Split::Ecosystem if c.ecosystem.is_empty() => "unknown".to_owned(),
        Split::Ecosystem => c.ecosystem.clone(),
    };
    let mut all: Vec<(String, Vec<u64>)> = Vec::new();
    for c in counts.iter().filter(|c| (first..=last).contains(&c.day)) {
        let k = key(c);
        let i = match all.iter().position(|(n, _)| *n == k) {
            Some(i) => i,
            None => {
                all.push((k, vec![0; days as usize]));
                all.len() - 1
            }
        };
        all[i].1[(c.day - first) as usize] += c.count;
    }
    all.sort_by(|a, b| b.1.iter().sum::<u64>().cmp(&a.1.iter().sum::<u64>()).then(a.0.cmp(&b.0)));
    if all.len() > MAX_SERIES {
        let rest = all.split_off(MAX_SERIES - 1);
        let mut other = vec![0; days as usize];
        for (_, v) in rest {
            for (o, n) in other.iter_mut().zip(v) {
                *o += n;
            }
        }
        all.push(("other".to_owned(), other));
    }
    all
}

/// The date of a day since the epoch, `YYYY-MM-DD`.
pub(crate) fn date(day: i64) -> String {
    let t = scioc_model::FeedTime::from_unix(day * 86_400).to_utc_string();
    t[..10].to_owned()
}

/// The chart: one bar per day, stacked by series, each part titled with its count (a
/// browser shows the title on hover) and carrying it in `data-` attributes.
pub(crate) fn draw(title: &str, series: &[(String, Vec<u64>)], last: i64, days: i64) -> Markup {
    let first = last - days + 1;
    let totals: Vec<u64> = (0..days as usize).map(|d| series.iter().map(|(_, v)| v[d]).sum()).collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let slot = plot_w / days as f64;
    let bar = (slot * 0.8).max(1.0);
    // Each day's parts, bottom up; a part of no events is not drawn.
    let bars: Vec<Vec<Part>> = (0..days as usize)
        .map(|d| {
            let x = LEFT + d as f64 * slot + (slot - bar) / 2.0;
            let mut y = plot_h;
            let mut parts = Vec::new();
            for (i, (_, values)) in series.iter().enumerate().filter(|(_, (_, v))| v[d] > 0) {
                let h = (values[d] as f64 / top as f64 * (plot_h - 8.0)).max(0.5);
                y -= h;
                parts.push(Part { series: i, count: values[d], x, y, h });
            }
            parts
        })
        .collect();
    let label = format!("{title}, {} to {}: {} events", date(first), date(last), totals.iter().sum::<u64>());
    html! {
        figure.chart {
            figcaption { (title) }
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg" {
                line.axis x1=(LEFT) y1=(plot_h) x2=(WIDTH) y2=(plot_h) {}
                text.tick x=(LEFT - 4.0) y="10" text-anchor="end" { (top) }
                text.tick x=(LEFT - 4.0) y=(plot_h) text-anchor="end" { "0" }
                text.tick x=(LEFT) y=(HEIGHT - 6.0) { (date(first)) }
                text.tick x=(WIDTH) y=(HEIGHT - 6.0) text-anchor="end" { (date(last)) }
                @for (d, parts) in bars.iter().enumerate() {
                    g.day data-day=(date(first + d as i64)) data-total=(totals[d]) {
                        @for part in parts {
                            rect class={ "s" (part.series) } x=(fmt(part.x)) y=(fmt(part.y)) width=(fmt(bar)) height=(fmt(part.h))
                                data-series=(series[part.series].0) data-count=(part.count) {
                                title { (date(first + d as i64)) ": " (part.count) " " (series[part.series].0) }
                            }
                        }
                    }
                }
            }
            ul.legend {
                @for (i, (name, values)) in series.iter().enumerate() {
                    li { span class={ "swatch s" (i) } {} (name) " (" (values.iter().sum::<u64>()) ")" }
                }
            }
        }
    }
}

/// One series' part of one day's bar.
struct Part {
    series: usize,
    count: u64,
    x: f64,
    y: f64,
    h: f64,
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scioc_model::EventType;

    fn count(day: i64, event_type: EventType, ecosystem: &str, count: u64) -> DailyCount {
        DailyCount { day, event_type, ecosystem: ecosystem.into(), count }
    }

    #[test]
    fn days_are_split_into_series_with_the_smallest_as_other() {
        let counts = vec![
            count(9, EventType::NewMalicious, "npm", 50),
            count(10, EventType::NewMalicious, "npm", 3),
            count(10, EventType::NewMalicious, "pypi", 2),
            count(10, EventType::FalsePositive, "npm", 1),
            count(11, EventType::NewThreatName, "", 4),
        ];
        let by_type = series(&counts, Split::Type, 11, 2);
        assert_eq!(
            by_type,
            vec![
                ("NEW_MALICIOUS".into(), vec![5, 0]),
                ("NEW_THREAT_NAME".into(), vec![0, 4]),
                ("FP".into(), vec![1, 0])
            ],
            "day 9 is outside the window; largest series first"
        );
        let by_eco = series(&counts, Split::Ecosystem, 11, 2);
        assert_eq!(by_eco[0], ("npm".into(), vec![4, 0]));
        assert!(by_eco.contains(&("unknown".into(), vec![0, 4])));

        let many: Vec<DailyCount> =
            (0..8).map(|i| count(1, EventType::NewMalicious, &format!("e{i}"), 10 - i as u64)).collect();
        let s = series(&many, Split::Ecosystem, 1, 1);
        assert_eq!(s.len(), MAX_SERIES);
        assert_eq!(s.last().unwrap(), &("other".to_owned(), vec![6 + 5 + 4 + 3]));
    }

    #[test]
    fn each_bar_carries_its_counts() {
        let s = vec![("npm".to_owned(), vec![0, 3]), ("pypi".to_owned(), vec![1, 2])];
        let svg = draw("Events per day", &s, 20_000, 2).into_string();
        assert!(svg.contains(r#"data-day="2024-10-04" data-total="5""#), "{svg}");
        assert!(svg.contains(r#"data-series="pypi" data-count="2""#));
        assert!(!svg.contains(r#"data-series="npm" data-count="0""#), "empty parts are not drawn");
        assert!(svg.contains("2024-10-03 to 2024-10-04: 6 events"));
    }
}
