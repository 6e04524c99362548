-- Sign-in throttling: failures per key ("name:<folded name>", "client:<address>",
-- "pinpad:<device>"), kept across restarts. Times are Unix seconds.
CREATE TABLE sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER,
    last_failure INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sign_in_throttle_by_last_failure ON sign_in_throttle(last_failure);

-- When each user last signed in, and when their PIN last changed (a session older than
-- the change is no longer good).
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
ALTER TABLE users ADD COLUMN pin_changed_at TEXT;
UPDATE users SET pin_changed_at = created_at;
