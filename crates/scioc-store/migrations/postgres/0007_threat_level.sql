-- The threat level of each event's entry (its first sample's, 1 to 5), so the verdict engine's
-- severity follows it without reading the rendered entry. Filled in from the rendering.
ALTER TABLE events ADD COLUMN threat_level BIGINT;
UPDATE events SET threat_level = CASE WHEN l ~ '^[0-9]{1,2}$' THEN l::BIGINT END
FROM (SELECT seq AS s, convert_from(entry_json, 'UTF8')::jsonb #>> '{sample_list,0,threat_level}' AS l FROM events) AS levels
WHERE events.seq = levels.s;
