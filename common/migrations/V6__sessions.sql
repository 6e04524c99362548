-- Intake schema, version 6: staff sessions on the store (POST /v1/sessions), kept in the
-- database so they survive a restart and can be listed and revoked. The bearer token is
-- kept only as its SHA-256; `id` is the session's public name (a UUIDv7, as text so an
-- admin can give a prefix of it).
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_name    TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    client       TEXT NOT NULL,
    revoked_at   TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_name COLLATE NOCASE);
CREATE INDEX sessions_expires ON sessions(expires_at);
