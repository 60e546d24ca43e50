-- The firewall's log tells a version withheld from metadata from a refused download, keeps the
-- rule's reference apart from the reason, and counts repeats it folded into one row.
ALTER TABLE firewall_blocks ADD COLUMN kind TEXT NOT NULL DEFAULT 'refused';
ALTER TABLE firewall_blocks ADD COLUMN reason TEXT;
ALTER TABLE firewall_blocks ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
-- The hashes of every archive the firewall delivered, by file, as first seen: an archive whose
-- bytes change upstream later is noticed and refused.
CREATE TABLE archive_hashes (
    ecosystem   TEXT NOT NULL,
    package     TEXT NOT NULL,
    file        TEXT NOT NULL,
    version     TEXT,
    sha256      TEXT NOT NULL,
    sha512      TEXT,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (ecosystem, package, file)
);
