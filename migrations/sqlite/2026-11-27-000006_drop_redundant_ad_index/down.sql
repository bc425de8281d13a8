CREATE INDEX performance_rows_ad ON performance_rows(ad_id, date);
