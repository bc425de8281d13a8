DROP TABLE mask_ceilings;
DROP TABLE variant_pictures;
ALTER TABLE jobs DROP COLUMN outcome;
ALTER TABLE jobs DROP COLUMN units_total;
ALTER TABLE jobs DROP COLUMN units_done;
ALTER TABLE jobs DROP COLUMN crashes;
