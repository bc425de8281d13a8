//! Creating variants: validation of the one declared variable, the mask and the operation, the
//! short code, the duplicate check, and enqueueing the render job.

use std::fmt;
use std::sync::Arc;

use image::{GrayImage, RgbImage};
use rand::Rng;

use crate::blobs::{BlobError, BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variants::{NewVariant, Variant};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, audit_log, jobs, master_variables, masters, variants};
use crate::services::engine_limits;
use crate::services::grade;
use crate::services::imaging::{self, ImagingError};
use crate::services::recolor::HexColor;

/// Errors while creating or loading variants.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// The input is invalid; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The parent cannot be used yet (its own job is not done).
    #[error("{0}")]
    NotReady(String),
    /// An image or mask was refused.
    #[error("image refused: {0}")]
    Image(#[from] ImagingError),
    /// Blob storage failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for VariantError {
    fn from(e: diesel::result::Error) -> Self {
        VariantError::Db(e.into())
    }
}

impl From<inpaint::InpaintError> for VariantError {
    fn from(e: inpaint::InpaintError) -> Self {
        VariantError::Image(e.into())
    }
}

/// A validated variable name: lowercase slug (`a-z`, `0-9`, `_`, `-`), starting with a letter,
/// 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Variable(String);

impl Variable {
    /// Parses a variable name.
    pub fn parse(s: &str) -> Result<Self, VariantError> {
        let s = s.trim();
        let ok = (1..=40).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(VariantError::Invalid(format!(
                "variable `{s}` must be 1–40 characters of a-z, 0-9, _ or -, starting with a letter (e.g. background)"
            )))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates a value: 1–80 characters, no control characters.
pub fn parse_value(s: &str) -> Result<String, VariantError> {
    let s = s.trim();
    if (1..=80).contains(&s.chars().count()) && !s.chars().any(char::is_control) {
        Ok(s.to_owned())
    } else {
        Err(VariantError::Invalid("value must be 1–80 characters".into()))
    }
}

/// What a variant does to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Inpaint the mask away.
    Erase,
    /// Inpaint again with another seed.
    Fill,
    /// Recolor the masked element to an exact hex.
    Recolor,
    /// Blend a reference image into the mask.
    Composite,
    /// Attach an externally edited image.
    Import,
    /// Erase, then composite the reference onto the clean plate.
    EraseComposite,
    /// Adjust light and colour inside the mask (exposure, white balance, tone, saturation, or a
    /// match to the surroundings).
    Grade,
}

impl Operation {
    /// Every operation, for forms.
    pub const ALL: [Operation; 7] = [
        Operation::Erase,
        Operation::Fill,
        Operation::Recolor,
        Operation::Composite,
        Operation::EraseComposite,
        Operation::Grade,
        Operation::Import,
    ];

    /// Parses `erase|fill|recolor|composite|import|erase+composite|grade`.
    pub fn parse(s: &str) -> Result<Self, VariantError> {
        Ok(match s.trim() {
            "erase" => Operation::Erase,
            "fill" => Operation::Fill,
            "recolor" => Operation::Recolor,
            "composite" => Operation::Composite,
            "import" => Operation::Import,
            "erase+composite" => Operation::EraseComposite,
            "grade" => Operation::Grade,
            other => {
                return Err(VariantError::Invalid(format!(
                    "unknown operation `{other}`: expected erase, fill, recolor, composite, import, erase+composite or grade"
                )));
            }
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Erase => "erase",
            Operation::Fill => "fill",
            Operation::Recolor => "recolor",
            Operation::Composite => "composite",
            Operation::Import => "import",
            Operation::EraseComposite => "erase+composite",
            Operation::Grade => "grade",
        }
    }

    /// Whether it needs an uploaded reference image.
    pub fn needs_reference(self) -> bool {
        matches!(self, Operation::Composite | Operation::Import | Operation::EraseComposite)
    }

    /// Whether the engine made every pixel, so the audit must be exact.
    pub fn is_internal(self) -> bool {
        self != Operation::Import
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operation parameters, stored as JSON text on the variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Grow the mask by this many px.
    pub grow: Option<u32>,
    /// Feather its edge over this many px.
    pub feather: Option<u32>,
    /// Inpainting seed (fill defaults to 1 so that it differs from erase).
    pub seed: Option<u64>,
    /// Target colour for recolor.
    pub hex: Option<String>,
    /// Recolor only a*/b*, keeping the element's lightness.
    pub keep_lightness: Option<bool>,
    /// The adjustments of a grade (absent for the other operations, and then not stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<::imaging::Grade>,
}

impl Params {
    /// Parses the JSON text (empty means defaults).
    pub fn parse(text: &str) -> Result<Self, VariantError> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        serde_json::from_str(text).map_err(|e| {
            VariantError::Invalid(format!(
                "params must be a JSON object like {{\"grow\":8,\"feather\":4}}: {e}"
            ))
        })
    }

    /// Grow in effect for `op`: recolor and grade keep to the element, the others cover its
    /// halo.
    pub fn grow_for(&self, op: Operation) -> u32 {
        self.grow.unwrap_or(match op {
            Operation::Recolor | Operation::Grade => 0,
            Operation::Import => 4,
            _ => 6,
        })
    }

    /// Feather in effect for `op`: a grade fades out softly, like an adjustment layer's mask.
    pub fn feather_for(&self, op: Operation) -> u32 {
        self.feather.unwrap_or(match op {
            Operation::Recolor => 1,
            Operation::Grade => 8,
            Operation::Import => 0,
            _ => 4,
        })
    }

    /// Seed in effect for `op`.
    pub fn seed_for(&self, op: Operation) -> u64 {
        self.seed.unwrap_or(u64::from(op == Operation::Fill))
    }
}

/// Which node a variant is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentRef {
    /// The master itself.
    Master(i32),
    /// Another variant.
    Variant(i32),
}

impl ParentRef {
    /// From the API's `parent_kind` and `parent_id`.
    pub fn parse(kind: &str, id: &str) -> Result<Self, VariantError> {
        let id: i32 = id
            .trim()
            .parse()
            .map_err(|_| VariantError::Invalid("parent_id must be a number".into()))?;
        match kind.trim() {
            "master" | "" => Ok(ParentRef::Master(id)),
            "variant" => Ok(ParentRef::Variant(id)),
            other => Err(VariantError::Invalid(format!(
                "parent_kind `{other}` must be master or variant"
            ))),
        }
    }
}

/// What the create form carries.
#[derive(Debug, Clone)]
pub struct VariantInput {
    /// The parent node.
    pub parent: ParentRef,
    /// Variable name.
    pub variable: String,
    /// Value.
    pub value: String,
    /// Operation name.
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
    /// The variant.
    pub variant: Variant,
    /// The render job.
    pub job_id: i32,
    /// The earlier variant with the same parent, variable and value, if any.
    pub duplicate_of: Option<i32>,
    /// Advice (e.g. a mask tight around a high-contrast edge).
    pub warnings: Vec<String>,
}

/// The parent's pixels and where they come from.
pub struct ParentImage {
    /// Root master id.
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
    let (master_id, parent_variant_id, sha) = match parent {
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
    };
    let bytes = blobs.get(&BlobId::parse(&sha)?)?;
    let image = inpaint::load_image(&bytes, &imaging::limits(settings))?;
    Ok(ParentImage { master_id, parent_variant_id, image })
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
        let job = jobs::enqueue(
            tx,
            jobs::JobKind::Variant,
            &serde_json::json!({ "variant_id": v.id }).to_string(),
            ws,
        )?;
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
fn fresh_code(conn: &mut DbConn<'_>) -> Result<String, VariantError> {
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

/// Mean luma gradient, across the mask border, above which the border is "high-contrast".
const EDGE_CONTRAST: f64 = 40.0;

/// Warns when a tight mask's border runs along a high-contrast edge: the inpainter then sees half
/// an edge and smears it back in (the boundary-mismatch problem). Growing the mask moves the
/// border into calmer pixels.
pub fn edge_warning(image: &RgbImage, mask: &GrayImage, grow: u32) -> Option<String> {
    if grow >= 8 {
        return None;
    }
    let luma = image::imageops::grayscale(image);
    let (w, h) = mask.dimensions();
    let (mut sum, mut n) = (0f64, 0u64);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            if mask.get_pixel(x, y)[0] <= 127 {
                continue;
            }
            for (a, b) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] {
                if mask.get_pixel(a, b)[0] <= 127 {
                    sum += f64::from(luma.get_pixel(x, y)[0].abs_diff(luma.get_pixel(a, b)[0]));
                    n += 1;
                }
            }
        }
    }
    let mean = if n == 0 { 0.0 } else { sum / n as f64 };
    (mean > EDGE_CONTRAST).then(|| {
        format!(
            "the mask edge sits on a high-contrast edge (mean step {mean:.0} levels); grow it by at least 8 px so the fill does not smear the edge back in"
        )
    })
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb};

    use super::*;

    #[test]
    fn variables_are_slugs() {
        assert!(Variable::parse("background").is_ok());
        assert!(Variable::parse("cta_color-2").is_ok());
        assert!(Variable::parse("Background").is_err());
        assert!(Variable::parse("").is_err());
        assert!(Variable::parse("2bg").is_err());
        assert!(Variable::parse(&"a".repeat(41)).is_err());
        assert!(parse_value(&"x".repeat(81)).is_err());
        assert_eq!(parse_value("  city ").unwrap(), "city");
    }

    #[test]
    fn operations_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.as_str()).unwrap(), op);
        }
        assert!(Operation::parse("blur").is_err());
    }

    #[test]
    fn params_default_per_operation() {
        let p = Params::parse("").unwrap();
        assert_eq!(p.seed_for(Operation::Fill), 1);
        assert_eq!(p.grow_for(Operation::Erase), 6);
        assert_eq!((p.grow_for(Operation::Grade), p.feather_for(Operation::Grade)), (0, 8));
        assert!(Params::parse("{\"grwo\":3}").is_err());
    }

    #[test]
    fn tight_mask_on_an_edge_warns() {
        let img =
            RgbImage::from_fn(
                20,
                20,
                |x, _| if x < 10 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) },
            );
        let mask = GrayImage::from_fn(20, 20, |x, _| Luma([if x < 10 { 255 } else { 0 }]));
        assert!(edge_warning(&img, &mask, 0).is_some());
        assert!(edge_warning(&img, &mask, 10).is_none());
        let flat = RgbImage::from_pixel(20, 20, Rgb([80, 80, 80]));
        assert!(edge_warning(&flat, &mask, 0).is_none());
    }
}
