-- An ad's identity and labels move to `ads`, written once per ad and import; performance_rows keeps
-- only the ad-day numbers, keyed by the small integer (ad_key, date). Keyed by the exported text
-- (platform, ad_id, date), every row carried and indexed ~40 bytes of repeated text and a second
-- B-tree: a 1M-row import spent three quarters of its SQLite time there. WITHOUT ROWID stores the
-- rows in their key's B-tree, so an insert touches one tree instead of a table and an index.
CREATE TABLE ads (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    platform TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    ad_name TEXT,
    account_id TEXT,
    currency TEXT,
    campaign_id TEXT,
    campaign_name TEXT,
    adset_id TEXT,
    adset_name TEXT,
    -- The day the labels were exported for: an older file does not rename an ad back.
    labels_from DATE NOT NULL,
    UNIQUE (platform, ad_id)
);
-- Each ad's labels from its latest day (SQLite takes the bare columns from the MAX(date) row).
INSERT INTO ads (platform, ad_id, ad_name, account_id, currency, campaign_id, campaign_name, adset_id, adset_name,
    labels_from)
SELECT platform, ad_id, ad_name, account_id, currency, campaign_id, campaign_name, adset_id, adset_name, latest
FROM (SELECT platform, ad_id, ad_name, account_id, currency, campaign_id, campaign_name, adset_id,
             adset_name, MAX(date) AS latest
      FROM performance_rows GROUP BY platform, ad_id)
ORDER BY platform, ad_id;
CREATE TABLE performance_rows_by_ad (
    ad_key INTEGER NOT NULL REFERENCES ads(id),
    date DATE NOT NULL,
    impressions BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    clicks_all BIGINT,
    spend_micros BIGINT NOT NULL,
    conversions DOUBLE NOT NULL,
    conversion_value DOUBLE NOT NULL,
    source_import_id INTEGER NOT NULL REFERENCES imports(id),
    PRIMARY KEY (ad_key, date)
) WITHOUT ROWID;
INSERT INTO performance_rows_by_ad (ad_key, date, impressions, clicks, clicks_all, spend_micros, conversions,
    conversion_value, source_import_id)
SELECT a.id, p.date, p.impressions, p.clicks, p.clicks_all, p.spend_micros, p.conversions, p.conversion_value,
       p.source_import_id
FROM performance_rows p JOIN ads a ON a.platform = p.platform AND a.ad_id = p.ad_id
ORDER BY a.id, p.date;
DROP TABLE performance_rows;
ALTER TABLE performance_rows_by_ad RENAME TO performance_rows;
