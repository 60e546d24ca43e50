-- What a versionless event covers, when that is less than every version: the entry's
-- `scioc.affected` as JSON. NULL on a versionless event means every version.
ALTER TABLE events ADD COLUMN affected TEXT;
