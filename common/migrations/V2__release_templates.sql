-- Intake schema, version 2: release templates, kept by version.
-- A signed release names (template_id, template_version); the body it was signed under
-- stays here for good, so editing the shop's template never rewrites an old release.

CREATE TABLE release_templates (
    template_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,                   -- of `body`
    body        TEXT NOT NULL,                   -- the template as JSON
    created_at  TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
) WITHOUT ROWID;
CREATE TRIGGER release_templates_no_update BEFORE UPDATE ON release_templates
BEGIN SELECT RAISE(ABORT, 'release templates are never edited: add a version'); END;
CREATE TRIGGER release_templates_no_delete BEFORE DELETE ON release_templates
BEGIN SELECT RAISE(ABORT, 'release templates are never deleted'); END;

CREATE INDEX releases_signed_at ON releases(signed_at);
