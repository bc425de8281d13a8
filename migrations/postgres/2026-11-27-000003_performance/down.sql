DROP TABLE ad_mappings;
DROP TABLE performance_rows;
DROP TABLE imports;
