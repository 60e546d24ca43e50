-- Which source records announce which package version (or versionless range set), so that one
-- version reported by several records is announced once and taken back only when the last
-- record withdraws it (see merge.rs). `n` orders the claims: the oldest is the announcer.
CREATE TABLE claims (
    n      INTEGER PRIMARY KEY AUTOINCREMENT,
    purl   TEXT NOT NULL,
    ranges TEXT NOT NULL,
    source TEXT NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (purl, ranges, source, record)
);
CREATE INDEX claims_by_record ON claims (source, record);
