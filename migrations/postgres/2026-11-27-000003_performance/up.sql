CREATE TABLE imports (
    id SERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL,
    platform TEXT NOT NULL,
    filename TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    ad_count INTEGER NOT NULL,
    inserted_count INTEGER NOT NULL,
    updated_count INTEGER NOT NULL,
    currency TEXT,
    date_min DATE,
    date_max DATE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE performance_rows (
    id SERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    date DATE NOT NULL,
    account_id TEXT,
    currency TEXT,
    campaign_id TEXT,
    campaign_name TEXT,
    adset_id TEXT,
    adset_name TEXT,
    ad_name TEXT,
    impressions BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    clicks_all BIGINT,
    spend_micros BIGINT NOT NULL,
    conversions DOUBLE PRECISION NOT NULL,
    conversion_value DOUBLE PRECISION NOT NULL,
    source_import_id INTEGER NOT NULL REFERENCES imports(id),
    UNIQUE (platform, ad_id, date)
);
CREATE INDEX performance_rows_ad ON performance_rows(ad_id, date);
CREATE TABLE ad_mappings (
    id SERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    variant_id INTEGER REFERENCES variants(id) ON DELETE CASCADE,
    mapped_by TEXT NOT NULL CHECK (mapped_by IN ('code', 'manual')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (platform, ad_id)
);
CREATE INDEX ad_mappings_variant ON ad_mappings(variant_id);
