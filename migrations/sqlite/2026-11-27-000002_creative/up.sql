CREATE TABLE masters (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    source_model TEXT NOT NULL DEFAULT '',
    source_prompt TEXT NOT NULL DEFAULT '',
    image_sha TEXT NOT NULL,
    thumb_sha TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE master_variables (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    UNIQUE (master_id, name)
);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress DOUBLE NOT NULL DEFAULT 0,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    heartbeat_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_status ON jobs(status, id);
CREATE TABLE variants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    parent_variant_id INTEGER REFERENCES variants(id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    variable TEXT NOT NULL,
    value TEXT NOT NULL,
    operation TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    mask_sha TEXT NOT NULL,
    reference_sha TEXT,
    result_sha TEXT,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'approved', 'rejected')),
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    changed_outside_mask_px BIGINT,
    changed_fraction DOUBLE,
    mask_fraction DOUBLE,
    delta_e DOUBLE,
    controlled BOOLEAN,
    audit_note TEXT,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX variants_master ON variants(master_id);
CREATE INDEX variants_parent ON variants(parent_variant_id);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reviews_variant ON reviews(variant_id);
