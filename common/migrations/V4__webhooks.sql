-- Intake schema, version 4: webhooks. Events are made from the change sequence, so every
-- path that changes a customer (kiosk, counter, imports, merges, pushes from devices) is
-- covered without each one knowing about webhooks.

-- When a customer was created, in the change sequence: tells customer.created from
-- customer.updated.
ALTER TABLE customers ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX customers_created_seq ON customers(created_seq) WHERE created_seq > 0;
-- When a release was filed, in the change sequence: release.signed.
ALTER TABLE releases ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX releases_change_seq ON releases(change_seq) WHERE change_seq > 0;

-- How far the event producer has read the change sequence. Changes made before webhooks
-- existed are not announced.
INSERT INTO meta(key, value)
SELECT 'webhook_seq', value FROM meta WHERE key = 'change_seq'
ON CONFLICT(key) DO NOTHING;

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,            -- ep_...
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,               -- comma-separated event types
    medical         INTEGER NOT NULL DEFAULT 0,  -- payloads carry medical details
    secret          BLOB NOT NULL,               -- sealed whsec_ secret
    old_secret      BLOB,                        -- sealed; still signs until old_secret_until
    old_secret_until TEXT,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_at     TEXT,
    disabled_reason TEXT,
    failing_since   TEXT,                        -- first failure since the last success
    since_seq       INTEGER NOT NULL,            -- changes after this one are sent
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);

-- One event. The body is the exact JSON sent (without medical details); `medical` is the
-- sealed medical part, added for endpoints allowed it.
CREATE TABLE webhook_messages (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,            -- msg_..., the webhook-id of every attempt
    event_type  TEXT NOT NULL,
    customer_id BLOB,
    body        TEXT NOT NULL,
    medical     BLOB,
    created_at  TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- One message to one endpoint.
CREATE TABLE webhook_deliveries (
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id),
    message_seq     INTEGER NOT NULL REFERENCES webhook_messages(seq),
    customer_id     BLOB,                        -- ordering: one at a time per customer
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,            -- Unix milliseconds
    last_attempt_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    PRIMARY KEY (endpoint_id, message_seq)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_ms, message_seq)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, customer_id, message_seq)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_message ON webhook_deliveries(message_seq);

-- The delivery log: every attempt, kept.
CREATE TABLE webhook_attempts (
    seq         INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    message_seq INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER,                         -- HTTP status, when there was a response
    error       TEXT,                            -- what went wrong otherwise
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, seq);
