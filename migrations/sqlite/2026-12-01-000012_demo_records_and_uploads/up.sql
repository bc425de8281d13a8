-- What `liftmask demo` created, so that `demo --reset` removes exactly that, never a user's master
-- or import that happens to share the demo's name or file name.
CREATE TABLE demo_records (
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (kind, record_id)
);

-- Who uploaded which import file: a preview, reparse or confirm form names its file by blob id,
-- and only the user who uploaded it may use that id.
CREATE TABLE import_uploads (
    sha256 TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
