-- A chain's locations. Each device belongs to at most one (none in a single shop); a release
-- keeps the location it was signed at, stamped by the store from the device that sent it,
-- so the counter's check-ins and the console's lists can be one location's. Customers,
-- flags and releases stay the chain's.
CREATE TABLE locations (
    id         TEXT PRIMARY KEY,      -- short and lower-case: downtown, mall-2
    name       TEXT NOT NULL,         -- as staff read it: "Downtown, 5th Ave"
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
ALTER TABLE devices ADD COLUMN location TEXT REFERENCES locations (id);
ALTER TABLE releases ADD COLUMN location TEXT;
CREATE INDEX releases_location ON releases (location, signed_at) WHERE location IS NOT NULL;

-- Web Sign forms submitted, by their draft's nonce, until the draft would have expired: a
-- form is stored once, whichever store process of a chain receives it (and again).
CREATE TABLE web_sign_submitted (
    nonce TEXT PRIMARY KEY,
    until INTEGER NOT NULL      -- unix seconds
);
