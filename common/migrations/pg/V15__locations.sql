-- The twin of common/migrations/V15__locations.sql: a chain's locations, each device's
-- location, and the location each release was signed at.
CREATE TABLE locations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL
);
ALTER TABLE devices ADD COLUMN location TEXT COLLATE "C" REFERENCES locations (id);
ALTER TABLE releases ADD COLUMN location TEXT COLLATE "C";
CREATE INDEX releases_location ON releases (location, signed_at) WHERE location IS NOT NULL;
