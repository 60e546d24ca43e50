//! `scioc serve`.

use super::{Place, open_store};
use crate::{output, settings::Serve};
use anyhow::{Context, Result};
use scioc_server::{App, Server};
use std::io::Write;

/// Promotes the built-in starter set when curation never promoted anything into this store,
/// dated by when each incident was first seen: into an empty feed, or laid out in time order
/// with what a feed no client has read holds already (a snapshot imported first). A feed that
/// clients have read does not get it: its incidents would go back in time. Returns what to
/// say about it.
async fn promote_starter_set(store: &dyn scioc_store::Store) -> Result<Option<String>> {
    let state = store.source_state(scioc_curation::promote::SOURCE).await?;
    if state.version > 0 {
        return Ok(None);
    }
    let held = store.head().await?.map_or(0, |h| h.seq);
    if held > 0 && !store.unread().await? {
        return Ok(Some(format!(
            "the built-in starter set was not promoted: clients have read this feed ({held} events), and its incidents, dated by when each was first seen, would go back in time for them"
        )));
    }
    let candidates = scioc_curation::starter::candidates()?;
    let mut plan = scioc_curation::promote::plan_promotion(Default::default(), &candidates, &state);
    let now = scioc_model::FeedTime::now();
    scioc_curation::starter::date_by_first_seen(&mut plan.import.events, &candidates, now);
    let (events, indicators) = (plan.import.events.len(), plan.import.indicators.len());
    let stored = match held {
        0 => store.commit_import(plan.import).await,
        _ => store.commit_history(plan.import).await,
    };
    let incidents = scioc_curation::starter::STARTER_SET.len();
    Ok(Some(match stored {
        Ok(a) if a.relaid > 0 => format!(
            "promoted the built-in starter set ({incidents} incidents: {events} events dated by when each incident was first seen, laid out in time order with the {} events already in the feed, which no client had read; {indicators} indicators; --no-starter-set to skip)",
            a.relaid
        ),
        Ok(_) => format!(
            "empty feed: promoted the built-in starter set ({incidents} incidents: {events} events dated by when each incident was first seen, {indicators} indicators; --no-starter-set to skip)"
        ),
        // Nodes starting together on one database: another node promoted it first, or a client
        // read the feed meanwhile.
        Err(scioc_store::Error::Conflict(_))
            if store.source_state(scioc_curation::promote::SOURCE).await?.version > 0 =>
        {
            "another node promoted the built-in starter set first".to_owned()
        }
        Err(scioc_store::Error::Conflict(why)) => format!("the built-in starter set was not promoted: {why}"),
        Err(e) => return Err(e.into()),
    }))
}

pub(super) async fn run(place: &Place, settings: Serve) -> Result<()> {
    let store = open_store(place).await?;
    let starter = if settings.starter_set { promote_starter_set(store.as_ref()).await? } else { None };
    // The config file's sources replace those it named before; `scioc sources add`'s stay.
    let named: Vec<String> = settings.sources.iter().map(|d| d.name.clone()).collect();
    let dropped: Vec<String> = store
        .feed_sources()
        .await?
        .into_iter()
        .filter(|s| s.def.origin == "config" && !named.contains(&s.def.name))
        .map(|s| s.def.name)
        .collect();
    store.remove_feed_sources(&dropped).await?;
    for def in settings.sources {
        store.put_feed_source(def).await?;
    }
    let config = settings.server;
    let app = App::start(store.clone(), &config).await?;
    let server = Server::bind(config.clone(), app)?;
    let stats = store.stats().await?;
    let url = format!("{}://{}", server.scheme(), server.local_addr());
    output::line(&format!("scioc feed listening on {url}"));
    if let Some(line) = starter {
        output::hint(&line);
    }
    output::hint(&format!(
        "store: {} ({}, newest {}; {})",
        store.location(),
        output::count(stats.events, "event", "events"),
        stats.head.map_or_else(|| "none".to_owned(), |h| h.time.to_utc_string()),
        output::count(stats.users, "user", "users")
    ));
    if let Some(set) = server.self_signed() {
        output::hint(&format!(
            "TLS: self-signed; clients trust {} (e.g. REQUESTS_CA_BUNDLE={})",
            set.ca.display(),
            set.ca.display()
        ));
    }
    if stats.users == 0 {
        output::hint("no users yet; every feed request will be refused (401). Add one:");
        // Every command finds the user's data directory itself; any other store is named.
        let store_flag = match &place.database {
            Some(_) => format!("--database {} ", store.location()),
            None if place.data_dir_from == crate::settings::USER_DATA_DIR => String::new(),
            None => format!("--data-dir {} ", place.data_dir.display()),
        };
        output::hint(&format!("  echo 'A-LONG-PASSWORD' | scioc {store_flag}user add NAME --password-stdin"));
    }
    // Hints that work when pasted: a time query from the feed's epoch has entries whenever
    // the feed has any (a new user's cursor starts now, so a first pull would be empty), and
    // under a self-signed certificate curl is told which CA to trust.
    output::hint(&format!("web console: {url}/ in a browser, signed in as a feed user"));
    let cacert = server.self_signed().map(|s| format!("--cacert '{}' ", s.ca.display())).unwrap_or_default();
    let feed = format!("{url}{}", scioc_api::FEED_PATH);
    let epoch = scioc_model::FEED_EPOCH.to_utc_string();
    output::hint(&format!("try: curl {cacert}-u NAME:PASSWORD '{feed}/utc/{epoch}?format=json&limit=10'"));
    output::hint(&format!(
        "or a cursor of your own, from the start: curl {cacert}-u NAME:PASSWORD -X PUT '{feed}/start/utc/{epoch}' \\
  && curl {cacert}-u NAME:PASSWORD '{feed}/pull?format=json&limit=10'"
    ));
    let fw = &config.firewall;
    if let Some(up) = &fw.npm_upstream {
        output::hint(&format!(
            "npm firewall: {url}{}/ → {} (npm install --registry {url}{}/ …)",
            scioc_server::NPM_PATH,
            scioc_server::without_credentials(up),
            scioc_server::NPM_PATH
        ));
    }
    if let Some(up) = &fw.pypi_upstream {
        output::hint(&format!(
            "Python firewall: {url}{}/simple/ → {} (pip install --index-url {url}{}/simple/ …)",
            scioc_server::PYPI_PATH,
            scioc_server::without_credentials(up),
            scioc_server::PYPI_PATH
        ));
    }
    if fw.enabled() && !fw.cooldown.min_age.is_zero() {
        output::hint(&format!("cooldown: versions younger than {:?} are withheld", fw.cooldown.min_age));
    }
    if let Some(r) = config.rate_limit {
        output::hint(&format!("rate limit: {} requests/s per user, burst {}", r.per_second, r.burst));
    }
    let sources = store.feed_sources().await?;
    if !sources.is_empty() {
        let names: Vec<&str> = sources.iter().map(|s| s.def.name.as_str()).collect();
        output::hint(&format!("polling {} source(s): {} (scioc sources list)", sources.len(), names.join(", ")));
    }
    // Leases name the node and this start, so a restarted node never mistakes an old lease for its own.
    let holder = format!("{}#{}:{}", config.node_name(), std::process::id(), scioc_model::FeedTime::now().unix());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let poller = scioc_ingest::poll::Poller::new(store.clone(), holder)?;
    let polling = tokio::spawn(poller.run(stopped));
    std::io::stdout().flush().ok();
    let served = server.run(shutdown_signal()).await;
    let _ = stop.send(true);
    let _ = polling.await;
    served.context("serving")?;
    output::ok("stopped");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
