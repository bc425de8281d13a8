DROP TABLE experiment_arms;
DROP TABLE experiments;
