-- Where each event came from, for reclassification and curation.
ALTER TABLE events ADD COLUMN source TEXT;
ALTER TABLE events ADD COLUMN source_id TEXT;
CREATE INDEX events_by_source_id ON events (source, source_id) WHERE source_id IS NOT NULL;

-- What each outside source last said of each of its records, so that imports are incremental.
-- state is JSON owned by the loader of that source.
CREATE TABLE source_records (
    source        TEXT NOT NULL,
    id            TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    state         TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (source, id)
);

-- Bumped by every import of a source, so that two imports of it cannot interleave.
CREATE TABLE source_versions (
    source   TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
);

-- Indicators (domains, URLs, IPs, names, patterns, hashes) linked to a package, for the scanner.
CREATE TABLE indicators (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    ecosystem  TEXT NOT NULL,
    package    TEXT NOT NULL,
    source     TEXT NOT NULL,
    source_id  TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (kind, value, ecosystem, package, source, source_id)
);
CREATE INDEX indicators_by_value ON indicators (value);
