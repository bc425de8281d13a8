-- Every query on performance_rows names the platform, so the (platform, ad_id, date) unique index
-- serves them all; this second index only slowed imports (about 45 % of a 1M-row SQLite insert).
DROP INDEX performance_rows_ad;
