-- How many events of each type the feed holds, kept by a trigger on every insert, so that
-- /metrics and the web console read three rows instead of counting the whole feed. Events are
-- never changed or deleted, so inserts are all there is to count.
CREATE TABLE event_type_counts (
    event_type  TEXT PRIMARY KEY,
    n           INTEGER NOT NULL
);
INSERT INTO event_type_counts (event_type, n) SELECT event_type, COUNT(*) FROM events GROUP BY event_type;
CREATE TRIGGER events_counted AFTER INSERT ON events
BEGIN
    INSERT INTO event_type_counts (event_type, n) VALUES (NEW.event_type, 1)
    ON CONFLICT (event_type) DO UPDATE SET n = n + 1;
END;
