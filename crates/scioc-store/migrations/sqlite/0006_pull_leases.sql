-- At-least-once pulls. A pull moves its cursor's frontier (after_seq, not_before, position) at
-- once, so concurrent pulls never return the same event, and records a lease for its page. The
-- delivered position (done_*) moves only when the page has been handed to the client; a page
-- that was not (a cut connection, a killed server, a lease past expires_at) rewinds the
-- frontier to the delivered position, so the next pull serves it again.
ALTER TABLE cursors ADD COLUMN done_after_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cursors ADD COLUMN done_not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cursors ADD COLUMN done_position INTEGER NOT NULL DEFAULT 0;
UPDATE cursors SET done_after_seq = after_seq, done_not_before = not_before, done_position = position;
CREATE TABLE pull_leases (
    id               INTEGER PRIMARY KEY,
    user_name        TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    from_after_seq   INTEGER NOT NULL,
    from_not_before  INTEGER NOT NULL,
    from_position    INTEGER NOT NULL,
    to_after_seq     INTEGER NOT NULL,
    to_not_before    INTEGER NOT NULL,
    to_position      INTEGER NOT NULL,
    -- The server that is delivering the page; it releases its leases when it starts again.
    holder           TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,
    done             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pull_leases_by_user ON pull_leases (user_name, id);
CREATE INDEX pull_leases_by_holder ON pull_leases (holder);
