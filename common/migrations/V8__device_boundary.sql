-- Intake schema, version 8: what the store keeps to decide what each paired device may do.

-- A kiosk's own key for its recognition entries (base64), made at pairing and deleted when
-- the device is revoked; and the argon2id hash of its staff exit code, which its pulls carry.
ALTER TABLE devices ADD COLUMN recognition_key TEXT;
ALTER TABLE devices ADD COLUMN exit_code_hash TEXT;

-- The customers a kiosk may go on changing: one it created, or one whose release it brought
-- with their exact phone and birthdate. Anything else from a kiosk is refused.
CREATE TABLE device_customers (
    device_id   BLOB NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    customer_id BLOB NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, customer_id)
) WITHOUT ROWID;

-- The one key every kiosk shared is gone: each kiosk gets its own at its next pull.
DELETE FROM meta WHERE key = 'recognition_key';

-- A lobby kiosk holds no staff: PIN hashes an earlier version pulled onto one are dropped.
DELETE FROM users
 WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'sync_device_role' AND value = 'kiosk');
