-- Users belong to one workspace, and every lookup by id is scoped to the caller's. Imports and jobs
-- carry the workspace they were made in, since neither reaches a master: an import's rows are
-- shared ads, and a job's payload is opaque JSON. Everything that exists today belongs to the
-- default workspace (made here if no master made it yet).
INSERT INTO workspaces (name, slug, created_at)
SELECT 'Default', 'default', CURRENT_TIMESTAMP
WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE slug = 'default');

-- SQLite cannot add a REFERENCES column with a non-NULL default while foreign keys are on, nor
-- rebuild `users` without cascading deletes into its sessions and tokens; so these columns are
-- NOT NULL without a foreign key here (PostgreSQL has it), and the application always sets them.
ALTER TABLE users ADD COLUMN workspace_id INTEGER NOT NULL DEFAULT 0;
UPDATE users SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');
CREATE INDEX users_workspace_id ON users(workspace_id);

ALTER TABLE imports ADD COLUMN workspace_id INTEGER NOT NULL DEFAULT 0;
UPDATE imports SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');
CREATE INDEX imports_workspace_id ON imports(workspace_id);

ALTER TABLE jobs ADD COLUMN workspace_id INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET workspace_id = (SELECT id FROM workspaces WHERE slug = 'default');

CREATE INDEX masters_workspace_id ON masters(workspace_id);
