-- Sources that `scioc serve` polls, their definitions and what the last polls found. A node
-- polls a source only while it holds its lease (lease_holder until lease_until), and only once
-- next_poll has come, so nodes sharing one database poll each source once per interval.
CREATE TABLE feed_sources (
    name          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    location      TEXT NOT NULL,
    ecosystem     TEXT,
    interval_secs BIGINT NOT NULL,
    timeout_secs  BIGINT NOT NULL,
    origin        TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    cursor        TEXT,
    last_attempt  BIGINT,
    last_success  BIGINT,
    last_change   BIGINT,
    last_error    TEXT,
    last_error_at BIGINT,
    failures      BIGINT NOT NULL DEFAULT 0,
    records       BIGINT NOT NULL DEFAULT 0,
    polls         BIGINT NOT NULL DEFAULT 0,
    next_poll     BIGINT NOT NULL DEFAULT 0,
    lease_holder  TEXT,
    lease_until   BIGINT
);
