//! The `variants` table: nodes of a master's lineage tree.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use super::DbConn;
use super::schema::{masters, variants};
use super::workspaces::WorkspaceId;
use crate::db_run;

/// Where a variant is in review; stored in `variants.status` (and `reviews.from_status`/`to_status`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum VariantStatus {
    Draft,
    InReview,
    Approved,
    Rejected,
}

impl VariantStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            VariantStatus::Draft => "draft",
            VariantStatus::InReview => "in_review",
            VariantStatus::Approved => "approved",
            VariantStatus::Rejected => "rejected",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::InReview, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for VariantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// The column stays TEXT on both backends; these two impls are the only place a status string is
// read or written, so an unknown value in the database is an error at the row, not a silent "other".
impl<DB: Backend> FromSql<Text, DB> for VariantStatus
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        Self::parse(&s).ok_or_else(|| format!("unknown variant status `{s}`").into())
    }
}

impl<DB: Backend> ToSql<Text, DB> for VariantStatus
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

/// A row of `variants`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = variants)]
pub struct Variant {
    pub id: i32,
    /// The master at the root of this variant's lineage.
    pub master_id: i32,
    /// The parent variant; `None` when the parent is the master itself.
    pub parent_variant_id: Option<i32>,
    /// Short unique code (`LM-7F3K`) used in ad names.
    pub code: String,
    /// The one variable this variant changes.
    pub variable: String,
    pub value: String,
    /// `erase`, `fill`, `recolor`, `composite`, `import` or `erase+composite`.
    pub operation: String,
    /// Operation parameters (JSON text).
    pub params: String,
    /// Blob of the mask PNG.
    pub mask_sha: String,
    /// Blob of the reference image (composite plate or imported edit).
    pub reference_sha: Option<String>,
    /// Blob of the result PNG, once the job is done.
    pub result_sha: Option<String>,
    pub status: VariantStatus,
    /// The job that renders it.
    pub job_id: Option<i32>,
    /// Audit: pixels changed outside the grown+feathered mask.
    pub changed_outside_mask_px: Option<i64>,
    /// Audit: fraction of all pixels changed.
    pub changed_fraction: Option<f64>,
    /// Audit: fraction of the image the grown+feathered mask covers.
    pub mask_fraction: Option<f64>,
    /// Audit: ΔE2000 between the target and the region's typical colour, the median Lab of its
    /// diffuse tone (`imaging::typical_colour`; recolor), or between the region's mean and its
    /// ring's (a grade's match).
    pub delta_e: Option<f64>,
    /// Audit: whether the change stayed inside the mask.
    pub controlled: Option<bool>,
    /// Audit: a human-readable verdict.
    pub audit_note: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    /// Audit (recolor): Pearson correlation of L* inside the mask's core, parent against result;
    /// `None` when the element was flat.
    pub lightness_corr: Option<f64>,
    /// Audit (recolor): pixels whose new colour lost chroma to fit sRGB.
    pub gamut_mapped_px: Option<i64>,
    /// A format sibling's placement (`9:16`); `None` for every other variant.
    pub format: Option<String>,
    /// A format sibling's source variant; `None` with a format means the master.
    pub format_of: Option<i32>,
    /// Where the source's pixels sit in the format's canvas, `[x,y,w,h]` (JSON).
    pub source_rect: Option<String>,
    /// A format's canvas at the source's resolution, before resampling to the delivery size.
    pub canvas_sha: Option<String>,
    /// The priming check's report (JSON `imaging::PrimingReport`).
    pub priming: Option<String>,
}

/// A variant to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = variants)]
pub struct NewVariant<'a> {
    pub master_id: i32,
    /// Parent variant, if any.
    pub parent_variant_id: Option<i32>,
    /// Unique code.
    pub code: &'a str,
    pub variable: &'a str,
    pub value: &'a str,
    pub operation: &'a str,
    /// Parameters (JSON).
    pub params: &'a str,
    pub mask_sha: &'a str,
    pub reference_sha: Option<&'a str>,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
}

/// The audit results written when a job finishes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = variants)]
pub struct AuditUpdate {
    pub result_sha: Option<String>,
    /// Pixels changed outside the mask.
    pub changed_outside_mask_px: Option<i64>,
    /// Fraction changed.
    pub changed_fraction: Option<f64>,
    /// Mask fraction.
    pub mask_fraction: Option<f64>,
    /// ΔE2000 (recolor, grade match).
    pub delta_e: Option<f64>,
    pub controlled: Option<bool>,
    pub audit_note: Option<String>,
    /// L* correlation (recolor).
    pub lightness_corr: Option<f64>,
    /// Gamut-mapped pixels (recolor).
    pub gamut_mapped_px: Option<i64>,
    /// A format's canvas (formats only).
    pub canvas_sha: Option<String>,
    /// The priming report (JSON).
    pub priming: Option<String>,
}

/// A format sibling to insert: the source's variable, value and parent, and the placement.
#[derive(Debug, Insertable)]
#[diesel(table_name = variants)]
pub struct NewFormat<'a> {
    pub master_id: i32,
    pub parent_variant_id: Option<i32>,
    pub code: &'a str,
    pub variable: &'a str,
    pub value: &'a str,
    /// `crop` or `outpaint`.
    pub operation: &'a str,
    /// The request (`{"focus":[x,y,w,h]}`), JSON.
    pub params: &'a str,
    /// Where the canvas was invented (all black for a crop).
    pub mask_sha: &'a str,
    pub created_by: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    pub format: &'a str,
    pub format_of: Option<i32>,
    pub source_rect: &'a str,
}

/// Inserts a variant and returns it.
pub fn insert(conn: &mut DbConn<'_>, new: &NewVariant<'_>) -> QueryResult<Variant> {
    db_run!(conn, |c| diesel::insert_into(variants::table)
        .values(new)
        .returning(Variant::as_returning())
        .get_result(c))
}

/// Inserts a format sibling and returns it.
pub fn insert_format(conn: &mut DbConn<'_>, new: &NewFormat<'_>) -> QueryResult<Variant> {
    db_run!(conn, |c| diesel::insert_into(variants::table)
        .values(new)
        .returning(Variant::as_returning())
        .get_result(c))
}

/// The format siblings of a variant (`Some(id)`) or of master `master_id` (`None`), oldest first.
pub fn formats_of(
    conn: &mut DbConn<'_>,
    master_id: i32,
    source: Option<i32>,
) -> QueryResult<Vec<Variant>> {
    db_run!(conn, |c| {
        let q = variants::table
            .filter(variants::master_id.eq(master_id))
            .filter(variants::format.is_not_null())
            .order(variants::id)
            .select(Variant::as_select())
            .into_boxed();
        match source {
            Some(id) => q.filter(variants::format_of.eq(id)).load(c),
            None => q.filter(variants::format_of.is_null()).load(c),
        }
    })
}

/// Records a priming report computed after the render (variants rendered before the check).
pub fn set_priming(conn: &mut DbConn<'_>, id: i32, report: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(variants::table.find(id))
        .set(variants::priming.eq(report))
        .execute(c))
}

/// Finds a variant by id in any workspace: for workers and within a scoped lookup.
pub fn find(conn: &mut DbConn<'_>, id: i32) -> QueryResult<Variant> {
    db_run!(conn, |c| variants::table.find(id).select(Variant::as_select()).first(c))
}

/// Finds a variant whose master is in workspace `ws`; any other is `NotFound`.
pub fn find_in(conn: &mut DbConn<'_>, ws: WorkspaceId, id: i32) -> QueryResult<Variant> {
    db_run!(conn, |c| variants::table
        .inner_join(masters::table)
        .filter(variants::id.eq(id))
        .filter(masters::workspace_id.eq(ws.0))
        .select(Variant::as_select())
        .first(c))
}

/// Whether a code is taken.
pub fn code_exists(conn: &mut DbConn<'_>, code: &str) -> QueryResult<bool> {
    db_run!(conn, |c| diesel::select(diesel::dsl::exists(
        variants::table.filter(variants::code.eq(code))
    ))
    .get_result(c))
}

/// Every variant of a master (its whole lineage), oldest first.
pub fn for_master(conn: &mut DbConn<'_>, master_id: i32) -> QueryResult<Vec<Variant>> {
    db_run!(conn, |c| variants::table
        .filter(variants::master_id.eq(master_id))
        .order(variants::id)
        .select(Variant::as_select())
        .load(c))
}

/// The variants of workspace `ws` in a review status, oldest first.
pub fn with_status_in(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    status: VariantStatus,
) -> QueryResult<Vec<Variant>> {
    db_run!(conn, |c| variants::table
        .inner_join(masters::table)
        .filter(masters::workspace_id.eq(ws.0))
        .filter(variants::status.eq(status.as_str()))
        .order(variants::id)
        .select(Variant::as_select())
        .load(c))
}

/// The oldest other variant with the same parent, variable and value: a duplicate.
pub fn duplicate_of(conn: &mut DbConn<'_>, v: &Variant) -> QueryResult<Option<i32>> {
    if v.format.is_some() {
        return Ok(None);
    }
    let parent = v.parent_variant_id;
    db_run!(conn, |c| {
        // A format sibling shares its source's variable and value by design; it is no duplicate.
        let q = variants::table
            .filter(variants::master_id.eq(v.master_id))
            .filter(variants::format.is_null())
            .filter(variants::variable.eq(&v.variable))
            .filter(variants::value.eq(&v.value))
            .filter(variants::id.ne(v.id))
            .order(variants::id)
            .select(variants::id)
            .into_boxed();
        let q = match parent {
            Some(p) => q.filter(variants::parent_variant_id.eq(p)),
            None => q.filter(variants::parent_variant_id.is_null()),
        };
        q.first(c).optional()
    })
}

/// Writes a finished job's result and audit.
pub fn set_audit(conn: &mut DbConn<'_>, id: i32, audit: &AuditUpdate) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(variants::table.find(id)).set(audit).execute(c))
}

/// Links the rendering job.
pub fn set_job(conn: &mut DbConn<'_>, id: i32, job_id: i32) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(variants::table.find(id))
        .set(variants::job_id.eq(job_id))
        .execute(c))
}

/// Moves a variant from status `from` to `to`; returns 0 when it was not in `from` any more.
pub fn transition(
    conn: &mut DbConn<'_>,
    id: i32,
    from: VariantStatus,
    to: VariantStatus,
) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        variants::table.filter(variants::id.eq(id)).filter(variants::status.eq(from.as_str()))
    )
    .set(variants::status.eq(to.as_str()))
    .execute(c))
}
