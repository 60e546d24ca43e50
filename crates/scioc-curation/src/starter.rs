//! The starter set: reviewed candidates for well-known public incidents, shipped in
//! `data/candidates/` and built into the binary so that a new feed has real data from its
//! first run. A test checks that this list names every file in that directory.

use scioc_model::FeedTime;

/// `(file name, contents)` of every starter candidate file.
pub const STARTER_SET: &[(&str, &str)] = &[
    ("2017-08-crossenv.json", include_str!("../../../data/candidates/2017-08-crossenv.json")),
    ("2018-05-getcookies.json", include_str!("../../../data/candidates/2018-05-getcookies.json")),
    ("2018-07-eslint-scope.json", include_str!("../../../data/candidates/2018-07-eslint-scope.json")),
    ("2018-11-event-stream.json", include_str!("../../../data/candidates/2018-11-event-stream.json")),
    ("2019-03-bootstrap-sass.json", include_str!("../../../data/candidates/2019-03-bootstrap-sass.json")),
    ("2019-07-strong_password.json", include_str!("../../../data/candidates/2019-07-strong_password.json")),
    ("2019-08-rest-client.json", include_str!("../../../data/candidates/2019-08-rest-client.json")),
    ("2021-10-ua-parser-js.json", include_str!("../../../data/candidates/2021-10-ua-parser-js.json")),
    ("2021-11-coa.json", include_str!("../../../data/candidates/2021-11-coa.json")),
    ("2021-11-rc.json", include_str!("../../../data/candidates/2021-11-rc.json")),
    ("2022-01-colors-faker.json", include_str!("../../../data/candidates/2022-01-colors-faker.json")),
    ("2022-03-node-ipc.json", include_str!("../../../data/candidates/2022-03-node-ipc.json")),
    ("2022-05-ctx.json", include_str!("../../../data/candidates/2022-05-ctx.json")),
    ("2022-05-rustdecimal.json", include_str!("../../../data/candidates/2022-05-rustdecimal.json")),
    ("2022-12-torchtriton.json", include_str!("../../../data/candidates/2022-12-torchtriton.json")),
    ("2024-10-lottie-player.json", include_str!("../../../data/candidates/2024-10-lottie-player.json")),
    ("2024-12-rspack.json", include_str!("../../../data/candidates/2024-12-rspack.json")),
    ("2024-12-solana-web3js.json", include_str!("../../../data/candidates/2024-12-solana-web3js.json")),
    ("2024-12-ultralytics.json", include_str!("../../../data/candidates/2024-12-ultralytics.json")),
    (
        "2025-07-eslint-config-prettier.json",
        include_str!("../../../data/candidates/2025-07-eslint-config-prettier.json"),
    ),
    ("2025-07-is.json", include_str!("../../../data/candidates/2025-07-is.json")),
    ("2025-08-nx-s1ngularity.json", include_str!("../../../data/candidates/2025-08-nx-s1ngularity.json")),
    ("2025-09-chalk-debug.json", include_str!("../../../data/candidates/2025-09-chalk-debug.json")),
    ("2025-09-shai-hulud.json", include_str!("../../../data/candidates/2025-09-shai-hulud.json")),
    ("2026-03-axios.json", include_str!("../../../data/candidates/2026-03-axios.json")),
];

/// Every starter candidate, parsed.
pub fn candidates() -> Result<Vec<crate::Candidate>, crate::CurationError> {
    let mut all = Vec::new();
    for (name, text) in STARTER_SET {
        let items: Vec<crate::Candidate> = serde_json::from_str(text).map_err(|e| crate::CurationError::File {
            path: format!("starter set {name}").into(),
            message: e.to_string(),
        })?;
        all.extend(items);
    }
    Ok(all)
}

/// Dates the starter set's events by their incidents: each event gets the `first_seen` day
/// (midnight UTC) of the candidate that names its package, and the events are put in time order,
/// so a new feed's history reads like the incidents' (a 2018 incident is not news today). Times
/// are kept between the feed epoch and `now`; an event no candidate names keeps `now`.
pub fn date_by_first_seen(events: &mut [scioc_store::NewEvent], candidates: &[crate::Candidate], now: FeedTime) {
    let day_of = |package: &str| {
        candidates
            .iter()
            .filter(|c| c.value.eq_ignore_ascii_case(package))
            .filter_map(|c| FeedTime::parse_utc(&format!("{}T00:00:00", c.first_seen)).ok())
            .min()
    };
    for e in events.iter_mut() {
        let day = e.entry.identity.as_ref().and_then(|i| i.package.as_deref()).and_then(day_of);
        e.time = Some(day.unwrap_or(now).clamp(scioc_model::FEED_EPOCH, now));
    }
    // A stable sort keeps the plan's order within a day.
    events.sort_by_key(|e| e.time);
}
