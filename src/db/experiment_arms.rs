//! The `experiment_arms` table.

use diesel::prelude::*;

use super::DbConn;
use super::schema::experiment_arms;
use crate::db_run;

/// A row of `experiment_arms`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = experiment_arms)]
pub struct ExperimentArm {
    pub id: i32,
    pub experiment_id: i32,
    /// The variant shown in this arm; `None` is the master itself.
    pub variant_id: Option<i32>,
    /// Whether this arm is the control.
    pub is_control: bool,
    pub label: String,
    /// Planned share of traffic, for the SRM check.
    pub planned_weight: Option<f64>,
}

/// An arm to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = experiment_arms)]
pub struct NewExperimentArm<'a> {
    pub experiment_id: i32,
    /// The variant, or `None` for the master.
    pub variant_id: Option<i32>,
    /// Whether this arm is the control.
    pub is_control: bool,
    pub label: &'a str,
    /// Planned share of traffic.
    pub planned_weight: Option<f64>,
}

/// Inserts an arm and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewExperimentArm<'_>) -> QueryResult<ExperimentArm> {
    db_run!(conn, |c| diesel::insert_into(experiment_arms::table)
        .values(new)
        .returning(ExperimentArm::as_returning())
        .get_result(c))
}

/// The arms of an experiment, control first.
pub fn list_for_experiment(
    conn: &mut DbConn<'_>,
    experiment_id: i32,
) -> QueryResult<Vec<ExperimentArm>> {
    db_run!(conn, |c| experiment_arms::table
        .filter(experiment_arms::experiment_id.eq(experiment_id))
        .order((experiment_arms::is_control.desc(), experiment_arms::id))
        .select(ExperimentArm::as_select())
        .load(c))
}
