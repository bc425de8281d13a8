UPDATE experiments SET variance_model = 'ad_day_clustered' WHERE variance_model = 'ad_clustered';
ALTER TABLE experiments DROP COLUMN planned_ads_per_arm;
DROP TABLE ad_running_sums;
