-- What the staff console and Web Sign kept in one store process's memory or directory,
-- kept here instead, so any process of a chain answers any request.

-- An upload waiting for its import (console Import page): whose it is, its state, and the
-- file itself, sealed with the store's key in parts of up to 1 MiB. Removed when its import
-- ends, when it is discarded, or an hour after it arrived.
CREATE TABLE console_uploads (
    id        TEXT PRIMARY KEY,     -- a UUID
    user_name TEXT NOT NULL,        -- the staff member who sent it (others get a 404)
    file_name TEXT NOT NULL,        -- as the browser named it, for the pages only
    bytes     INTEGER NOT NULL,
    made      INTEGER NOT NULL,     -- unix seconds the file arrived whole (or began to)
    state     TEXT NOT NULL,        -- receiving | ready | running | done
    progress  INTEGER NOT NULL DEFAULT 0, -- bytes read by the import under way
    report    BLOB,                 -- sealed JSON: the finished import's report, or its error
    audit_from INTEGER               -- the audit log's last entry when its import was claimed
);
CREATE TABLE console_upload_parts (
    upload TEXT NOT NULL,
    n      INTEGER NOT NULL,        -- from 0, in the file's order
    sealed BLOB NOT NULL,
    PRIMARY KEY (upload, n)
);

-- The settings files saved from the console, each as last saved: a store process applies
-- every save newer than the one it has to its own settings directory.
CREATE TABLE settings_saved (
    name       TEXT PRIMARY KEY,    -- shop.toml, release-template.toml, logo.png, ...
    content    BLOB NOT NULL,
    generation INTEGER NOT NULL,    -- the save's number, one higher each save
    saved_at   TEXT NOT NULL,
    saved_by   TEXT NOT NULL
);

-- Web Sign's per-address limits: requests counted in fixed windows, by a keyed hash of the
-- address (never the address), each row gone once its window has ended.
CREATE TABLE address_counts (
    key     TEXT PRIMARY KEY,       -- what is counted (open | submit) and the address's hash
    started INTEGER NOT NULL,       -- unix seconds the window began
    n       INTEGER NOT NULL
);
CREATE INDEX address_counts_started ON address_counts (started);
