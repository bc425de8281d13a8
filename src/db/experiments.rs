//! The `experiments` table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{experiments, masters};
use super::workspaces::WorkspaceId;
use crate::db_run;

/// A row of `experiments`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = experiments)]
pub struct Experiment {
    pub id: i32,
    /// The master every arm descends from.
    pub master_id: i32,
    pub name: String,
    /// First day of data counted.
    pub start_date: NaiveDate,
    /// Last day of data counted; open-ended when absent.
    pub end_date: Option<NaiveDate>,
    /// Primary metric name (`ctr`, `cvr`, `cpa`, `roas`, `cpc`, `cpm`).
    pub primary_metric: String,
    /// Comma-separated guardrail metric names.
    pub guardrail_metrics: String,
    /// `frequentist`, `sequential` or `bayesian`.
    pub method: String,
    /// `ad_clustered` (the default), `ad_day_clustered` or `binomial`.
    pub variance_model: String,
    /// `holm`, `bh` or `none`.
    pub correction: String,
    pub alpha: f64,
    pub created_by: Option<i32>,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// Planned ads per arm: the sample-ratio check's plan and sequential testing's N* (2 × this).
    pub planned_ads_per_arm: Option<i32>,
}

/// An experiment to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = experiments)]
pub struct NewExperiment<'a> {
    pub master_id: i32,
    pub name: &'a str,
    pub start_date: NaiveDate,
    /// Last day, if any.
    pub end_date: Option<NaiveDate>,
    pub primary_metric: &'a str,
    /// Comma-separated guardrails.
    pub guardrail_metrics: &'a str,
    pub method: &'a str,
    pub variance_model: &'a str,
    pub correction: &'a str,
    pub alpha: f64,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    /// Planned ads per arm.
    pub planned_ads_per_arm: Option<i32>,
}

/// Inserts an experiment and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewExperiment<'_>) -> QueryResult<Experiment> {
    db_run!(conn, |c| diesel::insert_into(experiments::table)
        .values(new)
        .returning(Experiment::as_returning())
        .get_result(c))
}

/// Finds an experiment whose master is in workspace `ws`; any other is `NotFound`.
pub fn find_in(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> QueryResult<Experiment> {
    db_run!(conn, |c| experiments::table
        .inner_join(masters::table)
        .filter(experiments::id.eq(id))
        .filter(masters::workspace_id.eq(ws.0))
        .select(Experiment::as_select())
        .first(c))
}

/// The experiments of workspace `ws`, newest first.
pub fn list_in(conn: &mut DbConn<'_>, ws: WorkspaceId) -> QueryResult<Vec<Experiment>> {
    db_run!(conn, |c| experiments::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .order(experiments::id.desc())
        .select(Experiment::as_select())
        .load(c))
}
