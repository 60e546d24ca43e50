-- The feed: an append-only list of events in (ts, seq) order.
-- seq is assigned by the store, one more than the newest; ts never goes backwards with seq.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    ts          INTEGER NOT NULL,
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
    entry_json  BLOB NOT NULL,
    entry_xml   BLOB NOT NULL
);
CREATE INDEX events_by_time ON events (ts, seq);
CREATE INDEX events_by_purl ON events (purl) WHERE purl IS NOT NULL;
CREATE INDEX events_by_sha256 ON events (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX events_by_sha1 ON events (sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX events_by_md5 ON events (md5) WHERE md5 IS NOT NULL;

-- Feed users. password_hash is an argon2 PHC string; the store never sees a password.
CREATE TABLE users (
    name           TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('reader', 'admin', 'disabled')),
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Per-user pull cursors. A pull returns events with seq > after_seq and ts >= not_before;
-- position is the feed time the cursor stands at, shown as time_range.from.
CREATE TABLE cursors (
    user_name   TEXT PRIMARY KEY REFERENCES users (name) ON DELETE CASCADE,
    after_seq   INTEGER NOT NULL,
    not_before  INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
