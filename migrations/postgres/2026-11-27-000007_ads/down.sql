CREATE TABLE performance_rows_by_text (
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
INSERT INTO performance_rows_by_text (platform, ad_id, date, account_id, currency, campaign_id, campaign_name,
    adset_id, adset_name, ad_name, impressions, clicks, clicks_all, spend_micros, conversions, conversion_value,
    source_import_id)
SELECT a.platform, a.ad_id, p.date, a.account_id, a.currency, a.campaign_id, a.campaign_name, a.adset_id,
       a.adset_name, a.ad_name, p.impressions, p.clicks, p.clicks_all, p.spend_micros, p.conversions,
       p.conversion_value, p.source_import_id
FROM performance_rows p JOIN ads a ON a.id = p.ad_key;
DROP TABLE performance_rows;
ALTER TABLE performance_rows_by_text RENAME TO performance_rows;
DROP TABLE ads;
