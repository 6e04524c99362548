-- The twin of common/migrations/V17__retention.sql (see there for each table).
ALTER TABLE tombstones ADD COLUMN reason TEXT COLLATE "C";

CREATE TABLE erasures (
    customer_id uuid PRIMARY KEY,
    erased_at   TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL CHECK (reason IN ('erased', 'retention'))
);

CREATE TABLE restricted_releases (
    id               uuid PRIMARY KEY,
    customer_id      uuid NOT NULL,
    template_id      TEXT COLLATE "C" NOT NULL,
    template_version BIGINT NOT NULL,
    signed_at        TEXT COLLATE "C" NOT NULL,
    device           TEXT COLLATE "C" NOT NULL,
    sealed           bytea NOT NULL,
    content_sha256   TEXT COLLATE "C" NOT NULL,
    location         TEXT COLLATE "C",
    restricted_at    TEXT COLLATE "C" NOT NULL
);
ALTER TABLE restricted_releases ALTER COLUMN sealed SET STORAGE EXTERNAL;
CREATE INDEX restricted_releases_customer ON restricted_releases (customer_id);

-- Deletes pass only for entries older than meta's `audit_kept_from` and older than a year
-- whatever it says; updates and TRUNCATE are refused as before.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
       AND OLD.at < coalesce((SELECT value FROM meta WHERE key = 'audit_kept_from'), '')
       AND OLD.at < to_char((now() - interval '1 year') AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
