//! The `master_variables` table: the variables declared for a master (`background`, `cta_color`).

use diesel::prelude::*;

use super::DbConn;
use super::schema::master_variables;
use crate::db_run;

/// Declares `name` for `master_id` if it is not declared yet.
pub fn ensure(conn: &mut DbConn<'_>, master_id: i32, name: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(master_variables::table)
        .values((master_variables::master_id.eq(master_id), master_variables::name.eq(name)))
        .on_conflict((master_variables::master_id, master_variables::name))
        .do_nothing()
        .execute(c)
        .map(|_| ()))
}

/// The variable names declared for a master, alphabetically.
pub fn list(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<String>> {
    db_run!(conn, |c| master_variables::table
        .filter(master_variables::master_id.eq(master_id))
        .order(master_variables::name)
        .select(master_variables::name)
        .load(c))
}
