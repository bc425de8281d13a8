DROP INDEX masters_workspace_id;
ALTER TABLE jobs DROP COLUMN workspace_id;
DROP INDEX imports_workspace_id;
ALTER TABLE imports DROP COLUMN workspace_id;
DROP INDEX users_workspace_id;
ALTER TABLE users DROP COLUMN workspace_id;
