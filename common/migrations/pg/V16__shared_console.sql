-- The twin of common/migrations/V16__shared_console.sql (see there for each table).
CREATE TABLE console_uploads (
    id        TEXT COLLATE "C" PRIMARY KEY,
    user_name TEXT COLLATE "C" NOT NULL,
    file_name TEXT COLLATE "C" NOT NULL,
    bytes     BIGINT NOT NULL,
    made      BIGINT NOT NULL,
    state     TEXT COLLATE "C" NOT NULL,
    progress  BIGINT NOT NULL DEFAULT 0,
    report    BYTEA,
    audit_from BIGINT
);
CREATE TABLE console_upload_parts (
    upload TEXT COLLATE "C" NOT NULL,
    n      BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (upload, n)
);
CREATE TABLE settings_saved (
    name       TEXT COLLATE "C" PRIMARY KEY,
    content    BYTEA NOT NULL,
    generation BIGINT NOT NULL,
    saved_at   TEXT COLLATE "C" NOT NULL,
    saved_by   TEXT COLLATE "C" NOT NULL
);
CREATE TABLE address_counts (
    key     TEXT COLLATE "C" PRIMARY KEY,
    started BIGINT NOT NULL,
    n       BIGINT NOT NULL
);
CREATE INDEX address_counts_started ON address_counts (started);
