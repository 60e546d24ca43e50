-- What a versionless event covers, when that is less than every version: the entry's
-- `scioc.affected` as JSON. NULL on a versionless event means every version.
ALTER TABLE events ADD COLUMN affected TEXT;
-- The scanner's covering index also carries the record an event came from and its ranges.
DROP INDEX events_scan;
CREATE INDEX events_scan ON events (seq, event_type, community, package, version, purl, md5, sha1, sha256, sha512, source, source_id, affected);
