-- The feed's seal: every second before closed_before may have been served by a time query as
-- closed, so no event is ever stamped in one of them. A time query raises it (never lowers it)
-- while holding the write lock, which proves that no append was in flight; appends read it under
-- that lock. 0 means no second was ever sealed.
CREATE TABLE feed_seal (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    closed_before INTEGER NOT NULL
);
INSERT INTO feed_seal (id, closed_before) VALUES (1, 0);
