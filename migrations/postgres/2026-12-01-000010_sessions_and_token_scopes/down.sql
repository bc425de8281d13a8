DROP INDEX api_tokens_user_id;
ALTER TABLE api_tokens DROP COLUMN read_only;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE sessions;
