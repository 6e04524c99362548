-- Intake schema, version 3: sync between devices and the shop's store, and what the
-- counter display records.

-- A deleted or merged-away customer, so a device pulling changes learns it is gone.
-- The trigger numbers it in the same change sequence as the customers themselves.
CREATE TABLE tombstones (
    customer_id BLOB PRIMARY KEY,
    change_seq  INTEGER NOT NULL,
    deleted_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tombstones_change_seq ON tombstones(change_seq);
CREATE TRIGGER customers_tombstone AFTER DELETE ON customers
BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq';
    INSERT INTO tombstones(customer_id, change_seq, deleted_at)
    VALUES (old.id, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT(customer_id) DO UPDATE SET change_seq = excluded.change_seq;
END;

-- Staff acknowledged a customer's Safety Panel (flags, medical conditions) before a session.
CREATE TABLE safety_acks (
    id              BLOB PRIMARY KEY,
    customer_id     BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    flags           INTEGER NOT NULL,            -- what the panel showed when acknowledged
    medical         INTEGER NOT NULL
);
CREATE INDEX safety_acks_customer ON safety_acks(customer_id);

-- Store role: paired devices. The token is kept only as its SHA-256.
CREATE TABLE devices (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role        TEXT NOT NULL CHECK (role IN ('kiosk', 'counter')),
    medical     INTEGER NOT NULL DEFAULT 0,      -- a counter allowed medical details
    token_hash  TEXT UNIQUE,                     -- NULL until paired
    code_hash   TEXT UNIQUE,                     -- the one-time pairing code, until used
    code_expires_at TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    paired_at   TEXT,
    last_seen_at TEXT,
    revoked_at  TEXT
);

-- Device role: a store mutation that the store refused for good (no permission, invalid).
-- Kept, never dropped, so an admin can see what happened to it.
CREATE TABLE outbox_rejected (
    seq         INTEGER PRIMARY KEY,
    mutation_id BLOB NOT NULL UNIQUE,
    sealed      BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    reason      TEXT NOT NULL
);

-- Kiosk role: enough to recognise a returning customer and nothing more. Each entry is
-- found by a keyed hash of phone and birthdate, and its profile is sealed under a key
-- derived from the same two values: a stolen kiosk does not hand over the customer list.
CREATE TABLE recognition (
    lookup      TEXT NOT NULL,
    customer_id BLOB NOT NULL,
    sealed      BLOB NOT NULL,
    PRIMARY KEY (lookup, customer_id)
) WITHOUT ROWID;
CREATE INDEX recognition_customer ON recognition(customer_id);
