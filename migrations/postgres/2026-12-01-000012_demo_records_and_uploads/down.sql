DROP TABLE import_uploads;
DROP TABLE demo_records;
