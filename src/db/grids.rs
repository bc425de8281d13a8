//! The `grids`, `grid_cells` and `experiment_grids` tables: a master's modular grids, their cells
//! and the experiments run over them.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{experiment_grids, grid_cells, grids, masters};
use super::workspaces::WorkspaceId;
use crate::db_run;

/// A row of `grids`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = grids)]
pub struct Grid {
    pub id: i32,
    pub master_id: i32,
    pub name: String,
    /// The variables and each level's variant id (null = as in the master), as JSON.
    pub design: String,
    /// The fraction run, as JSON, when not every combination is a cell.
    pub fraction: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
}

/// A grid to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = grids)]
pub struct NewGrid<'a> {
    pub master_id: i32,
    pub name: &'a str,
    pub design: &'a str,
    pub fraction: Option<&'a str>,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
}

/// A row of `grid_cells`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = grid_cells)]
pub struct GridCell {
    pub id: i32,
    pub grid_id: i32,
    /// The composed cell (the all-master cell too, identical to the master).
    pub variant_id: i32,
    /// The level per variable, comma-separated (`0,2`).
    pub levels: String,
}

/// Inserts a grid and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewGrid<'_>) -> QueryResult<Grid> {
    db_run!(conn, |c| diesel::insert_into(grids::table)
        .values(new)
        .returning(Grid::as_returning())
        .get_result(c))
}

/// Adds a cell to a grid.
pub fn insert_cell(
    conn: &mut DbConn<'_>,
    grid_id: i32,
    variant_id: i32,
    levels: &str,
) -> QueryResult<GridCell> {
    db_run!(conn, |c| diesel::insert_into(grid_cells::table)
        .values((
            grid_cells::grid_id.eq(grid_id),
            grid_cells::variant_id.eq(variant_id),
            grid_cells::levels.eq(levels),
        ))
        .returning(GridCell::as_returning())
        .get_result(c))
}

/// A grid whose master is in workspace `ws`; any other is `NotFound`.
pub fn find_in(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> QueryResult<Grid> {
    db_run!(conn, |c| grids::table
        .inner_join(masters::table)
        .filter(grids::id.eq(id))
        .filter(masters::workspace_id.eq(ws.0))
        .select(Grid::as_select())
        .first(c))
}

/// A grid by id, whatever its workspace (callers have already scoped the experiment).
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Grid> {
    db_run!(conn, |c| grids::table.find(id).select(Grid::as_select()).first(c))
}

/// The grids of a master, oldest first.
pub fn for_master(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<Grid>> {
    db_run!(conn, |c| grids::table
        .filter(grids::master_id.eq(master_id))
        .order(grids::id)
        .select(Grid::as_select())
        .load(c))
}

/// The cells of a grid, in creation order.
pub fn cells(conn: &mut DbConn<'_>, grid_id: i32) -> QueryResult<Vec<GridCell>> {
    db_run!(conn, |c| grid_cells::table
        .filter(grid_cells::grid_id.eq(grid_id))
        .order(grid_cells::id)
        .select(GridCell::as_select())
        .load(c))
}

/// The grid cell a variant is, if it is one.
pub fn cell_of_variant(conn: &mut DbConn<'_>, variant_id: i32) -> QueryResult<Option<GridCell>> {
    db_run!(conn, |c| grid_cells::table
        .filter(grid_cells::variant_id.eq(variant_id))
        .select(GridCell::as_select())
        .first(c)
        .optional())
}

/// Records that an experiment runs over a grid.
pub fn link_experiment(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
    grid_id: i32,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::insert_into(experiment_grids::table)
        .values((
            experiment_grids::experiment_id.eq(experiment_id),
            experiment_grids::grid_id.eq(grid_id),
        ))
        .execute(c))
}

/// The grid an experiment runs over, if any.
pub fn grid_of_experiment(conn: &mut DbConn<'_>, experiment_id: i32) -> QueryResult<Option<i32>> {
    db_run!(conn, |c| experiment_grids::table
        .filter(experiment_grids::experiment_id.eq(experiment_id))
        .select(experiment_grids::grid_id)
        .first(c)
        .optional())
}

/// The experiments run over a grid, as (id, name), oldest first.
pub fn experiments_of(conn: &mut DbConn<'_>, grid_id: i32) -> QueryResult<Vec<(i32, String)>> {
    use super::schema::experiments;
    db_run!(conn, |c| experiment_grids::table
        .inner_join(experiments::table)
        .filter(experiment_grids::grid_id.eq(grid_id))
        .order(experiments::id)
        .select((experiments::id, experiments::name))
        .load(c))
}
