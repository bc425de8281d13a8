//! The `demo_records` table: which masters and imports the demo seeding created.

use diesel::prelude::*;

use super::DbConn;
use super::schema::demo_records;
use crate::db_run;

/// What kind of row a demo record points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoRecordKind {
    Master,
    Import,
}

impl DemoRecordKind {
    fn as_str(self) -> &'static str {
        match self {
            DemoRecordKind::Master => "master",
            DemoRecordKind::Import => "import",
        }
    }
}

/// Marks row `id` of `kind` as made by the demo.
pub fn mark(conn: &mut DbConn<'_>, kind: DemoRecordKind, id: i32) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(demo_records::table)
        .values((demo_records::kind.eq(kind.as_str()), demo_records::record_id.eq(id)))
        .execute(c))?;
    Ok(())
}

/// The ids of the demo's rows of `kind`.
pub fn ids(conn: &mut DbConn<'_>, kind: DemoRecordKind) -> QueryResult<Vec<i32>> {
    db_run!(conn, |c| demo_records::table
        .filter(demo_records::kind.eq(kind.as_str()))
        .select(demo_records::record_id)
        .load(c))
}

/// Forgets the demo's records of `kind` (after their rows were deleted).
pub fn forget(conn: &mut DbConn<'_>, kind: DemoRecordKind) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        demo_records::table.filter(demo_records::kind.eq(kind.as_str()))
    )
    .execute(c))
}
