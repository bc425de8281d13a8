-- A modular grid: 2–4 variables of 2–4 levels on one master. `design` holds the variables and each
-- level's variant id (null = as in the master) as JSON; every run combination is a `grid_cells` row
-- whose variant is the composed cell. The all-master cell is a variant too, pixel-identical to the
-- master, so that every cell carries a code an ad name can map back to.
CREATE TABLE grids (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    design TEXT NOT NULL,
    fraction TEXT,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX grids_master ON grids(master_id);
CREATE TABLE grid_cells (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    levels TEXT NOT NULL
);
CREATE UNIQUE INDEX grid_cells_levels ON grid_cells(grid_id, levels);
CREATE INDEX grid_cells_variant ON grid_cells(variant_id);
-- An experiment run over a grid's cells, analysed factorially.
CREATE TABLE experiment_grids (
    experiment_id INTEGER PRIMARY KEY NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    grid_id INTEGER NOT NULL REFERENCES grids(id) ON DELETE CASCADE
);
