-- How many events of each type the feed holds, kept by a trigger on every insert, so that
-- /metrics and the web console read three rows instead of counting the whole feed. Events are
-- never changed or deleted, so inserts are all there is to count. One statement-level trigger
-- per insert statement (an append, an import or a restore batch), not one per row.
CREATE TABLE event_type_counts (
    event_type  TEXT PRIMARY KEY,
    n           BIGINT NOT NULL
);
INSERT INTO event_type_counts (event_type, n) SELECT event_type, COUNT(*) FROM events GROUP BY event_type;
CREATE FUNCTION count_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_type_counts (event_type, n)
    SELECT event_type, COUNT(*) FROM inserted GROUP BY event_type
    ON CONFLICT (event_type) DO UPDATE SET n = event_type_counts.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_counted AFTER INSERT ON events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_events();
