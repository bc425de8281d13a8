//! Validates a variant request, stores its mask and row under a fresh code, and queues its render job.

use std::sync::Arc;

use image::RgbImage;
use rand::Rng;

use super::{Operation, Params, ParentRef, Variable, VariantError, edge_warning, parse_value};
use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variants::{NewVariant, Variant};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, audit_log, master_variables, masters, variants};
use crate::services::engine_limits;
use crate::services::grade;
use crate::services::imaging;
use crate::services::jobs::RenderJob;
use crate::services::recolor::HexColor;

/// What the create form carries.
#[derive(Debug, Clone)]
pub struct VariantInput {
    pub parent: ParentRef,
    pub variable: String,
    pub value: String,
    pub operation: String,
    /// Params JSON text.
    pub params: String,
    /// Mask PNG bytes.
    pub mask: Vec<u8>,
    /// Reference image bytes (composite plate, import edit).
    pub reference: Option<Vec<u8>>,
}

/// A created variant, its job and anything the user should know.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub variant: Variant,
    pub job_id: i32,
    /// The earlier variant with the same parent, variable and value, if any.
    pub duplicate_of: Option<i32>,
    /// Advice (e.g. a mask tight around a high-contrast edge).
    pub warnings: Vec<String>,
}

/// The parent's pixels and where they come from.
pub struct ParentImage {
    pub master_id: i32,
    /// Parent variant id, if the parent is a variant.
    pub parent_variant_id: Option<i32>,
    /// The pixels.
    pub image: RgbImage,
}

/// Loads the pixels of a parent in workspace `ws` (a variant must have finished rendering).
pub fn load_parent(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    parent: ParentRef,
) -> Result<ParentImage, VariantError> {
    let (master_id, parent_variant_id, sha) = locate_parent(conn, ws, parent)?;
    let image = decode_parent(blobs, settings, &sha)?;
    Ok(ParentImage { master_id, parent_variant_id, image })
}

/// The root master id, the parent variant id and the image blob of a parent in workspace `ws`,
/// without reading the image (so callers can let go of the connection before decoding).
pub fn locate_parent(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    parent: ParentRef,
) -> Result<(i32, Option<i32>, String), VariantError> {
    Ok(match parent {
        ParentRef::Master(id) => {
            let m = masters::find_in(conn, ws, id)?;
            (m.id, None, m.image_sha)
        }
        ParentRef::Variant(id) => {
            let v = variants::find_in(conn, ws, id)?;
            let sha = v.result_sha.ok_or_else(|| {
                VariantError::NotReady(format!(
                    "variant {} has no result yet; wait for its job",
                    v.code
                ))
            })?;
            (v.master_id, Some(v.id), sha)
        }
    })
}

/// Reads and decodes a parent's image blob within the configured limits.
pub fn decode_parent(
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    sha: &str,
) -> Result<RgbImage, VariantError> {
    let bytes = blobs.get(&BlobId::parse(sha)?)?;
    Ok(inpaint::load_image(&bytes, &imaging::limits(settings))?)
}

/// Validates the input, stores the mask and reference, records the variant and enqueues its job.
/// The parent must be in workspace `ws`.
pub fn create(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    input: &VariantInput,
    ws: WorkspaceId,
    user_id: Option<i32>,
) -> Result<Created, VariantError> {
    let variable = Variable::parse(&input.variable)?;
    let value = parse_value(&input.value)?;
    let op = Operation::parse(&input.operation)?;
    let params = Params::parse(&input.params)?;
    if op == Operation::Recolor {
        let hex = params.hex.as_deref().ok_or_else(|| {
            VariantError::Invalid("recolor needs params {\"hex\":\"#RRGGBB\"}".into())
        })?;
        HexColor::parse(hex).map_err(|e| VariantError::Invalid(e.to_string()))?;
    }
    grade::check(op, &params)?;
    let limits = imaging::limits(settings);
    let parent = load_parent(conn, blobs, settings, ws, input.parent)?;
    let mask = inpaint::load_mask(&input.mask, &limits)?;
    inpaint::mask::validate(&parent.image, &mask)?;
    engine_limits::check_submission(settings, op, &params, &mask, input.reference.as_deref())?;
    let reference_sha = match (&input.reference, op.needs_reference()) {
        (Some(bytes), true) => {
            let reference = imaging::load_rgba(bytes, &limits)?;
            if op == Operation::Import && reference.dimensions() != parent.image.dimensions() {
                return Err(VariantError::Invalid(format!(
                    "the imported image is {}x{} but its parent is {}x{}; export it at the parent's size",
                    reference.width(),
                    reference.height(),
                    parent.image.width(),
                    parent.image.height()
                )));
            }
            Some(blobs.put(bytes)?)
        }
        (None, true) => {
            return Err(VariantError::Invalid(format!("{op} needs a reference image")));
        }
        (_, false) => None,
    };
    let mut warnings = Vec::new();
    // A grade inpaints nothing, so a tight mask on an edge is what grading a product needs.
    if op != Operation::Grade
        && let Some(w) = edge_warning(&parent.image, &mask, params.grow_for(op))
    {
        warnings.push(w);
    }
    let mask_sha = blobs.put(&imaging::png_gray(&mask)?)?;
    let params_json =
        serde_json::to_string(&params).map_err(|e| VariantError::Invalid(e.to_string()))?;
    let (variant, job_id) = conn.transaction(|tx| -> Result<_, VariantError> {
        let code = fresh_code(tx)?;
        let v = variants::insert(
            tx,
            &NewVariant {
                master_id: parent.master_id,
                parent_variant_id: parent.parent_variant_id,
                code: &code,
                variable: variable.as_str(),
                value: &value,
                operation: op.as_str(),
                params: &params_json,
                mask_sha: mask_sha.as_str(),
                reference_sha: reference_sha.as_ref().map(BlobId::as_str),
                created_by: user_id,
                created_at: crate::db::now(),
            },
        )?;
        master_variables::ensure(tx, parent.master_id, variable.as_str())?;
        let job = RenderJob::enqueue(tx, v.id, ws)?;
        variants::set_job(tx, v.id, job.id)?;
        audit_log::record(tx, user_id, "variant.create", &format!("variant:{}", v.id), &code)?;
        Ok((variants::find(tx, v.id)?, job.id))
    })?;
    let duplicate_of = variants::duplicate_of(conn, &variant)?;
    if let Some(d) = duplicate_of {
        warnings.push(format!(
            "duplicate: variant #{d} already sets {} = {} on the same parent",
            variant.variable, variant.value
        ));
    }
    Ok(Created { variant, job_id, duplicate_of, warnings })
}

/// A new `LM-XXXX` code not yet used.
pub fn fresh_code(conn: &mut DbConn<'_>) -> Result<String, VariantError> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    for _ in 0..64 {
        let code: String =
            (0..4).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
        let code = format!("LM-{code}");
        if !variants::code_exists(conn, &code)? {
            return Ok(code);
        }
    }
    Err(VariantError::Invalid("could not find a free variant code; try again".into()))
}
