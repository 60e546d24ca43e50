-- The PostgreSQL schema, equal in meaning to SQLite's migrations 1 to 4.
-- Kept to SQL that PostgreSQL-wire distributed databases (CockroachDB, YugabyteDB) accept:
-- no advisory locks, no LOCK TABLE, no triggers, no sequences; serialization is by row locks.

-- The feed: an append-only list of events in (ts, seq) order.
-- seq is assigned by the store under the feed_head lock, one more than the newest.
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    ts          BIGINT NOT NULL,
    event_type  TEXT NOT NULL CHECK (event_type IN ('NEW_MALICIOUS', 'FP', 'NEW_THREAT_NAME')),
    purl        TEXT,
    community   TEXT,
    package     TEXT,
    version     TEXT,
    md5         TEXT,
    sha1        TEXT,
    sha256      TEXT,
    sha512      TEXT,
    -- The entry rendered once for the wire; pages splice these without re-serializing.
    entry_json  BYTEA NOT NULL,
    entry_xml   BYTEA NOT NULL,
    -- Where the event came from, for reclassification and curation.
    source      TEXT,
    source_id   TEXT
);
CREATE INDEX events_by_time ON events (ts, seq);
CREATE INDEX events_by_purl ON events (purl) WHERE purl IS NOT NULL;
CREATE INDEX events_by_sha256 ON events (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX events_by_sha1 ON events (sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX events_by_md5 ON events (md5) WHERE md5 IS NOT NULL;
CREATE INDEX events_by_source_id ON events (source, source_id) WHERE source_id IS NOT NULL;

-- The newest event. Every append locks this one row (SELECT ... FOR UPDATE) first, so appends
-- from any number of server nodes are serialized and seq and ts never go back.
CREATE TABLE feed_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    ts   BIGINT NOT NULL
);
INSERT INTO feed_head (id, seq, ts) VALUES (1, 0, 0);

-- Feed users. password_hash is an argon2 PHC string; the store never sees a password.
CREATE TABLE users (
    name           TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('reader', 'admin', 'disabled')),
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Per-user pull cursors; a pull locks its user's row, so pulls through two nodes serialize.
CREATE TABLE cursors (
    user_name   TEXT PRIMARY KEY REFERENCES users (name) ON DELETE CASCADE,
    after_seq   BIGINT NOT NULL,
    not_before  BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- What each outside source last said of each of its records, so that imports are incremental.
CREATE TABLE source_records (
    source        TEXT NOT NULL,
    id            TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    state         TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (source, id)
);

-- Bumped by every import of a source, so that two imports of it cannot interleave.
CREATE TABLE source_versions (
    source   TEXT PRIMARY KEY,
    version  BIGINT NOT NULL
);

-- Indicators linked to a package, for the scanner.
CREATE TABLE indicators (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    ecosystem   TEXT NOT NULL,
    package     TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    added_at    BIGINT NOT NULL,
    match_kind  TEXT NOT NULL DEFAULT 'exact',
    confidence  TEXT NOT NULL DEFAULT 'high',
    action      TEXT NOT NULL DEFAULT 'flag',
    PRIMARY KEY (kind, value, ecosystem, package, source, source_id)
);
CREATE INDEX indicators_by_value ON indicators (value);
