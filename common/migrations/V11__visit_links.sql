-- Intake schema, version 11: Web Sign links staff make for one visit (`/sign/v/TOKEN`).
-- The token (256 random bits) is kept only as its SHA-256; `id` is the link's public name
-- (a UUIDv7, as text so an admin can give a prefix of it). A link is for an existing
-- customer (`customer_id`), or for someone new, by the name staff typed (`name`); it is
-- used once (`used_at`, with the release it signed), and ends when it expires or is revoked.
CREATE TABLE visit_links (
    token_hash  TEXT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT,
    name        TEXT,
    made_by     TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    release_id  TEXT,
    revoked_at  TEXT,
    revoked_by  TEXT,
    CHECK (customer_id IS NOT NULL OR name IS NOT NULL)
) WITHOUT ROWID;
CREATE INDEX visit_links_made ON visit_links(made_at);
