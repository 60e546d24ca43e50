-- A covering index for the scanner's load of every package event: reading it touches only the
-- index pages, not the rendered JSON and XML each event row carries.
CREATE INDEX events_scan ON events (seq, event_type, community, package, version, purl, md5, sha1, sha256, sha512);
