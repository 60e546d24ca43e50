//! Building an engine from what a caller has: a store, ToolTrust files, or both; and keeping a
//! long-running one current by sequence number.

use crate::{Engine, Knowledge, KnowledgeError};
use scioc_curation::files::{BlacklistEntry, NpmIoc, read_required};
use scioc_curation::promote;
use scioc_model::{IndicatorKind, MatchKind};
use scioc_store::{Indicator, PackageEvent, Store};
use std::path::Path;

/// The store source under which a mirror keeps the knowledge documents of the feeds it mirrors,
/// one record per server.
pub const MIRROR_SOURCE: &str = "mirror";

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] scioc_store::Error),
    /// A ToolTrust file could not be read.
    #[error(transparent)]
    File(#[from] scioc_curation::CurationError),
    /// An entry of a ToolTrust file is not usable.
    #[error("{file}: entry {index}: {message}")]
    Entry {
        /// The file.
        file: String,
        /// Zero-based index of the entry.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A mirrored knowledge document is damaged.
    #[error("the knowledge mirrored from {server}: {source}")]
    Mirror {
        /// The server it was mirrored from.
        server: String,
        /// What is wrong.
        source: KnowledgeError,
    },
}

/// Where an engine's knowledge comes from. Any may be absent; a caller that gives none gets an
/// empty engine.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    /// A store: its feed events, curated rules, indicators and mirrored knowledge.
    pub store: Option<&'a dyn Store>,
    /// A ToolTrust `blacklist.json`.
    pub blacklist: Option<&'a Path>,
    /// A ToolTrust `npm_iocs.json`.
    pub iocs: Option<&'a Path>,
}

/// A store's own curated rules and indicators, with every knowledge document it mirrors: what
/// `GET /api/scioc/v1/knowledge` serves.
pub async fn knowledge_of(store: &dyn Store) -> Result<Knowledge, LoadError> {
    let curated = promote::records(&store.source_state(promote::SOURCE).await?);
    let mut indicators = store.indicators().await?;
    // Curated indicators are stored under their dedupe key; show their public source.
    for i in indicators.iter_mut().filter(|i| i.source == promote::SOURCE) {
        if let Some(r) = curated.get(&i.source_id) {
            i.source_id = r.candidate.source.clone();
        }
    }
    let rules = curated.into_values().filter_map(|r| r.entry).collect();
    let mut knowledge = Knowledge::new(rules, indicators);
    for r in store.source_state(MIRROR_SOURCE).await?.records {
        let mirrored =
            Knowledge::from_slice(r.state.as_bytes()).map_err(|source| LoadError::Mirror { server: r.id, source })?;
        knowledge.merge(mirrored);
    }
    Ok(knowledge)
}

/// A ToolTrust `npm_iocs.json` entry as an indicator, its type's default `match` applied.
fn indicator(file: &Path, index: usize, i: NpmIoc) -> Result<Indicator, LoadError> {
    let err = |message: String| LoadError::Entry { file: file.display().to_string(), index, message };
    let kind = IndicatorKind::parse(&i.ioc_type).ok_or_else(|| {
        err(format!(
            "ioc_type: expected one of {}, got {:?}",
            IndicatorKind::ALL.map(IndicatorKind::as_str).join(", "),
            i.ioc_type
        ))
    })?;
    let match_kind = match &i.match_kind {
        None => kind.default_match(),
        Some(m) => {
            MatchKind::parse(m).ok_or_else(|| err(format!("match: expected exact, contains or regex, got {m:?}")))?
        }
    };
    Ok(Indicator {
        kind,
        value: i.effective_value().to_owned(),
        ecosystem: i.ecosystem,
        package: String::new(),
        source: i.source.clone(),
        source_id: i.source,
        match_kind,
        confidence: i.confidence,
        action: i.suggested_action,
    })
}

/// The rules and indicators of ToolTrust files.
pub fn tooltrust(blacklist: Option<&Path>, iocs: Option<&Path>) -> Result<Knowledge, LoadError> {
    let rules = match blacklist {
        Some(path) => read_required::<BlacklistEntry>(path)?,
        None => Vec::new(),
    };
    let mut indicators = Vec::new();
    if let Some(path) = iocs {
        for (index, i) in read_required::<NpmIoc>(path)?.into_iter().enumerate() {
            indicators.push(indicator(path, index, i)?);
        }
    }
    Ok(Knowledge::new(rules, indicators))
}

impl Engine {
    /// Builds an engine from `sources`: the store's feed events and knowledge, and the ToolTrust
    /// files, which stay in force through [`Engine::refresh`].
    pub async fn load(sources: Sources<'_>) -> Result<Engine, LoadError> {
        let files = tooltrust(sources.blacklist, sources.iocs)?;
        let mut engine = Engine::default();
        engine.files = files;
        match sources.store {
            Some(store) => {
                engine.marks = store.source_versions().await?;
                let (events, knowledge) = read_all(store).await?;
                let t = std::time::Instant::now();
                engine.apply_events(events);
                tracing::debug!("feed state built in {:?}", t.elapsed());
                engine.set_knowledge(knowledge);
                engine.set_claims(store.claims().await?);
                tracing::debug!("feed state and knowledge built in {:?}", t.elapsed());
            }
            None => engine.set_knowledge(Knowledge::default()),
        }
        Ok(engine)
    }

    /// Brings the engine up to date with `store`: feed events after [`Engine::seq`] are
    /// applied, and curated rules and indicators are read again only when some source's import
    /// version moved. Returns whether anything was read.
    pub async fn refresh(&mut self, store: &dyn Store) -> Result<bool, LoadError> {
        let update = Update::read(&self.position(), store).await?;
        Ok(self.apply(update))
    }

    /// How far this engine has read its store, for [`Update::read`].
    pub fn position(&self) -> Position {
        Position { seq: self.seq(), marks: self.marks.clone() }
    }

    /// Applies what [`Update::read`] found; returns whether anything changed.
    pub fn apply(&mut self, update: Update) -> bool {
        let mut changed = !update.events.is_empty() || update.from_start;
        if update.from_start {
            self.forget_feed();
        }
        self.apply_events(update.events);
        if let Some((knowledge, claims, marks)) = update.knowledge {
            self.set_knowledge(knowledge);
            self.set_claims(claims);
            self.marks = marks;
            changed = true;
        }
        changed
    }
}

/// How far an engine has read its store: the last feed event and each source's import version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    seq: i64,
    marks: Vec<(String, i64)>,
}

/// The store's knowledge and claims, read again, with the source versions they were read at.
type Reread = (Knowledge, Vec<scioc_store::StoredClaim>, Vec<(String, i64)>);

/// What a store holds beyond a [`Position`]. Reading it needs no engine, so a server reads
/// it without holding its engine's lock and applies it ([`Engine::apply`]) in a moment.
#[derive(Debug, Default)]
pub struct Update {
    events: Vec<PackageEvent>,
    knowledge: Option<Reread>,
    /// The store laid its feed out again ([`scioc_store::Store::commit_history`]): `events` are
    /// all of them, and the engine's feed state starts over.
    from_start: bool,
}

impl Update {
    /// Reads the feed events after `from` and, when some source's import version moved, the
    /// store's knowledge and claims again.
    pub async fn read(from: &Position, store: &dyn Store) -> Result<Update, LoadError> {
        let marks = store.source_versions().await?;
        let relaid =
            |marks: &[(String, i64)]| marks.iter().find(|(s, _)| s == scioc_store::RELAID_SOURCE).map(|(_, v)| *v);
        // Sequence numbers changed under a feed laid out again: read it from the start.
        let from_start = relaid(&marks) != relaid(&from.marks);
        let events = store.package_events(if from_start { 0 } else { from.seq }).await?;
        let knowledge =
            if marks != from.marks { Some((knowledge_of(store).await?, store.claims().await?, marks)) } else { None };
        Ok(Update { events, knowledge, from_start })
    }

    /// Whether it holds nothing new.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.knowledge.is_none() && !self.from_start
    }
}

/// The feed's events and the store's knowledge.
async fn read_all(store: &dyn Store) -> Result<(Vec<PackageEvent>, Knowledge), LoadError> {
    let t = std::time::Instant::now();
    // Two reads on two store connections at once.
    let (events, knowledge) = futures_util::future::join(store.package_events(0), knowledge_of(store)).await;
    let (events, knowledge) = (events?, knowledge?);
    tracing::debug!(
        "{} events, {} rules and {} indicators read in {:?}",
        events.len(),
        knowledge.rules.len(),
        knowledge.indicators.len(),
        t.elapsed()
    );
    Ok((events, knowledge))
}
