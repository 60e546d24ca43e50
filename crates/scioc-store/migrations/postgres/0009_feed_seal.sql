-- The feed's seal: every second before closed_before may have been served by a time query as
-- closed, so no event is ever stamped in one of them. A time query raises it (never lowers it)
-- while holding the feed_head row lock without waiting for it, which proves that no append was
-- in flight; appends read it under that lock. 0 means no second was ever sealed.
ALTER TABLE feed_head ADD COLUMN closed_before BIGINT NOT NULL DEFAULT 0;
