-- The registry firewall's decisions: every download or version it refused.
CREATE TABLE firewall_blocks (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    client     TEXT NOT NULL,
    ecosystem  TEXT NOT NULL,
    package    TEXT NOT NULL,
    version    TEXT,
    rule       TEXT NOT NULL,
    reference  TEXT,
    what       TEXT NOT NULL
);
CREATE INDEX firewall_blocks_by_time ON firewall_blocks (at, id);
