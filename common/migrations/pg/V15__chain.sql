-- The twin of common/migrations/V15__chain.sql: a chain's locations, each device's
-- location, the location each release was signed at, and the Web Sign forms submitted.
CREATE TABLE locations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL
);
ALTER TABLE devices ADD COLUMN location TEXT COLLATE "C" REFERENCES locations (id);
ALTER TABLE releases ADD COLUMN location TEXT COLLATE "C";
CREATE INDEX releases_location ON releases (location, signed_at) WHERE location IS NOT NULL;

-- Web Sign forms submitted, by their draft's nonce (see the SQLite twin).
CREATE TABLE web_sign_submitted (
    nonce TEXT COLLATE "C" PRIMARY KEY,
    until BIGINT NOT NULL
);
