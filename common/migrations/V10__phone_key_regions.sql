-- Phone keys are E.164 numbers read in the shop's region (`region` in shop.toml). The
-- region cannot be known here: the program recomputes every stored key once it has opened
-- the database with its settings, in one transaction, and records each such run here.
-- The last row is the region the stored keys were made in.
CREATE TABLE phone_key_regions (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    kept INTEGER NOT NULL
);
