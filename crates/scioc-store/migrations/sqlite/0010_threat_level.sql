-- The threat level of each event's entry (its first sample's, 1 to 5), so the verdict engine's
-- severity follows it without reading the rendered entry. Filled in from the rendering.
ALTER TABLE events ADD COLUMN threat_level INTEGER;
UPDATE events SET threat_level = CAST(json_extract(CAST(entry_json AS TEXT), '$.sample_list[0].threat_level') AS INTEGER)
WHERE json_valid(CAST(entry_json AS TEXT));
-- The scanner's covering index carries it too.
DROP INDEX events_scan;
CREATE INDEX events_scan ON events (seq, event_type, community, package, version, purl, md5, sha1, sha256, sha512, source, source_id, affected, threat_level);
