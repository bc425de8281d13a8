DROP TABLE experiment_grids;
DROP INDEX grid_cells_variant;
DROP INDEX grid_cells_levels;
DROP TABLE grid_cells;
DROP INDEX grids_master;
DROP TABLE grids;
