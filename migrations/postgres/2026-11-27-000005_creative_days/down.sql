DROP TABLE creative_days;
