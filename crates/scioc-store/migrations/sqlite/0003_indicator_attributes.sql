-- How an indicator matches and how much it is trusted, so the scanner can grade findings.
ALTER TABLE indicators ADD COLUMN match_kind TEXT NOT NULL DEFAULT 'exact';
ALTER TABLE indicators ADD COLUMN confidence TEXT NOT NULL DEFAULT 'high';
ALTER TABLE indicators ADD COLUMN action TEXT NOT NULL DEFAULT 'flag';
