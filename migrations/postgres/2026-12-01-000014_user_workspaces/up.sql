-- Users belong to one workspace, and every lookup by id is scoped to the caller's. Imports and jobs
-- carry the workspace they were made in, since neither reaches a master: an import's rows are
-- shared ads, and a job's payload is opaque JSON. Everything that exists today belongs to the
-- default workspace (made here if no master made it yet).
INSERT INTO workspaces (name, slug, created_at)
VALUES ('Default', 'default', CURRENT_TIMESTAMP)
ON CONFLICT (slug) DO NOTHING;

ALTER TABLE users ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id);
UPDATE users SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');
ALTER TABLE users ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX users_workspace_id ON users(workspace_id);

ALTER TABLE imports ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id);
UPDATE imports SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');
ALTER TABLE imports ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX imports_workspace_id ON imports(workspace_id);

ALTER TABLE jobs ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id);
UPDATE jobs SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');
ALTER TABLE jobs ALTER COLUMN workspace_id SET NOT NULL;

CREATE INDEX masters_workspace_id ON masters(workspace_id);
