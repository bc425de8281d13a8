DROP TABLE reviews;
DROP TABLE variants;
DROP TABLE jobs;
DROP TABLE master_variables;
DROP TABLE masters;
