-- Intake schema, version 1. Released migrations are never edited: add a new file instead.

-- Settings and counters: schema facts, the change sequence, the key fingerprint.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE customers (
    id                BLOB NOT NULL UNIQUE,      -- UUIDv7, 16 bytes
    first_name        TEXT,
    middle_name       TEXT,
    last_name         TEXT,
    nickname          TEXT,
    email             TEXT,
    phone             TEXT,
    birthdate         TEXT,                      -- YYYY-MM-DD
    gender            TEXT,
    street            TEXT,
    street2           TEXT,
    city              TEXT,
    state             TEXT,
    postal_code       TEXT,
    country           TEXT,
    occupation        TEXT,
    notes             TEXT,
    company           TEXT,
    reference_id      TEXT,
    status            TEXT,                      -- NULL or 'active' / 'inactive'
    opt_in            TEXT,                      -- NULL or 'yes' / 'no'
    membership_number TEXT,
    email_key         TEXT,                      -- lower-cased e-mail, for matching
    phone_key         TEXT,                      -- E.164, for matching
    last_name_key     TEXT,                      -- folded last name, for duplicates
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    -- JSON object: field -> id of the mutation that last set it (for last-writer-wins).
    versions          TEXT,
    change_seq        INTEGER NOT NULL
);
CREATE INDEX customers_email ON customers(email_key) WHERE email_key IS NOT NULL;
CREATE INDEX customers_phone ON customers(phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX customers_duplicates ON customers(last_name_key, birthdate)
    WHERE last_name_key IS NOT NULL AND birthdate IS NOT NULL;
CREATE INDEX customers_change_seq ON customers(change_seq);

-- A merged-away customer id resolves to its survivor forever.
CREATE TABLE merged_customers (
    merged_id   BLOB PRIMARY KEY,
    survivor_id BLOB NOT NULL,
    merged_at   TEXT NOT NULL
) WITHOUT ROWID;

-- Pairs staff said are not duplicates (a < b).
CREATE TABLE not_duplicates (
    a         BLOB NOT NULL,
    b         BLOB NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;

-- Medical details are sealed (XChaCha20-Poly1305): kind, name and details inside `sealed`.
CREATE TABLE medical_conditions (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX medical_conditions_customer ON medical_conditions(customer_id);

CREATE TABLE flags (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    note        TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX flags_customer ON flags(customer_id);

CREATE TABLE notes (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX notes_customer ON notes(customer_id);

CREATE TABLE contacts (
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('emergency', 'physician')),
    name        TEXT NOT NULL,
    phone       TEXT,
    relation    TEXT,                            -- relationship, or the physician's practice
    updated_at  TEXT NOT NULL,
    version     BLOB NOT NULL,                   -- id of the mutation that set it (last writer wins)
    PRIMARY KEY (customer_id, kind)
) WITHOUT ROWID;

-- Services (sessions) performed for a customer.
CREATE TABLE services (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    artist      TEXT,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX services_customer ON services(customer_id);

-- Signed releases. Health answers and the signature are sealed; the content hash is not.
CREATE TABLE releases (
    id               BLOB PRIMARY KEY,
    customer_id      BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    signed_at        TEXT NOT NULL,
    device           TEXT NOT NULL,
    sealed           BLOB NOT NULL,
    content_sha256   TEXT NOT NULL
);
CREATE INDEX releases_customer ON releases(customer_id);

CREATE TABLE files (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX files_customer ON files(customer_id);

CREATE TABLE users (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role       TEXT NOT NULL,
    pin_hash   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0
);

-- Who did what to whom. Append-only: the triggers refuse every update and delete.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    customer_id BLOB,
    detail      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Every mutation applied here, by id: applying one again changes nothing.
CREATE TABLE applied_mutations (
    id         BLOB PRIMARY KEY,
    kind       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) WITHOUT ROWID;

-- Mutations made on this device and not yet acknowledged by the store, in order.
-- The payload is sealed: it may carry medical details.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id BLOB NOT NULL UNIQUE,
    sealed      BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

INSERT INTO meta(key, value) VALUES ('change_seq', '0');
