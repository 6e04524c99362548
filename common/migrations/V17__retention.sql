-- Intake schema, version 17: retention and erasure.

-- Why a customer is gone: NULL for a staff deletion or a merge, 'erased' when erased on
-- request, 'retention' when the retention pass found nothing of theirs left to keep.
ALTER TABLE tombstones ADD COLUMN reason TEXT;

-- The erasure log: ids and dates only, so a restore re-applies every erasure made after
-- its backup was taken.
CREATE TABLE erasures (
    customer_id BLOB PRIMARY KEY,
    erased_at   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('erased', 'retention'))
) WITHOUT ROWID;

-- The releases of erased customers still under retention: kept sealed as they were signed,
-- opened only with legal:customer (each view audited), until the retention pass purges
-- them. No customer row is left for them to belong to.
CREATE TABLE restricted_releases (
    id               BLOB PRIMARY KEY,
    customer_id      BLOB NOT NULL,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    signed_at        TEXT NOT NULL,
    device           TEXT NOT NULL,
    sealed           BLOB NOT NULL,
    content_sha256   TEXT NOT NULL,
    location         TEXT,
    restricted_at    TEXT NOT NULL
);
CREATE INDEX restricted_releases_customer ON restricted_releases(customer_id);

-- The audit log is kept as long as the shop's policy says: the retention pass moves
-- meta's `audit_kept_from` forward, and only entries older than it, and older than a year
-- whatever it says, can be deleted.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.at >= coalesce((SELECT value FROM meta WHERE key = 'audit_kept_from'), '')
  OR OLD.at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 year')
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
