-- The login throttle, shared by every node on this database and kept across restarts.
-- login_failures: one leaky bucket of recent failed logins per key (a user name, a client
-- address, or the pair), as the time its level drains to zero ("theoretical arrival time",
-- milliseconds since the Unix epoch); a row past that time is empty and may be dropped.
CREATE TABLE login_failures (
    key     TEXT PRIMARY KEY,
    tat_ms  BIGINT NOT NULL
);
CREATE INDEX login_failures_by_tat ON login_failures (tat_ms);
-- known_logins: where each user has logged in from (an IPv4 address, or an IPv6 /64), and when
-- last; failures of others never refuse a user from such an address.
CREATE TABLE known_logins (
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    last_ms    BIGINT NOT NULL,
    PRIMARY KEY (user_name, address)
);
