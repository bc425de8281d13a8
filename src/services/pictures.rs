//! A variant's pictures. The diff, leak and overlay PNGs are rendered once, with the variant, and
//! kept as blobs; viewing any picture is one short query and one blob read, and no image is
//! decoded while a pooled connection is held.

use std::sync::Arc;

use image::{GrayImage, RgbImage};

use crate::blobs::{BlobId, BlobStore};
use crate::config::Settings;
use crate::db::variant_pictures::{self, VariantPictures};
use crate::db::variants::Variant;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbPool, masters, variants};
use crate::services::imaging;
use crate::services::variants::{Operation, Params, VariantError};

/// The pictures a variant page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// The result.
    Result,
    /// The parent's pixels.
    Parent,
    /// The mask as drawn (white = edit).
    Mask,
    /// `|result − parent|` as a heatmap.
    Diff,
    /// Changes outside the grown+feathered mask only (the leak map).
    Leak,
    /// The grown+feathered mask tinted over the parent.
    Overlay,
    /// A format's canvas at the source's resolution (the delivery size is the result).
    Canvas,
}

impl Picture {
    /// From the URL segment.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "result" => Picture::Result,
            "parent" => Picture::Parent,
            "mask" => Picture::Mask,
            "diff" => Picture::Diff,
            "leak" => Picture::Leak,
            "overlay" => Picture::Overlay,
            "canvas" => Picture::Canvas,
            _ => return None,
        })
    }
}

/// Blob ids of the derived pictures of one render.
#[derive(Debug, Clone)]
pub struct DerivedPictures {
    pub diff: BlobId,
    pub leak: BlobId,
    pub overlay: BlobId,
}

impl DerivedPictures {
    /// The row that records them for `variant_id`.
    pub fn row(&self, variant_id: i32) -> VariantPictures {
        VariantPictures {
            variant_id,
            diff_sha: self.diff.as_str().to_owned(),
            leak_sha: self.leak.as_str().to_owned(),
            overlay_sha: self.overlay.as_str().to_owned(),
        }
    }
}

/// Renders and stores the derived pictures of a result.
pub fn derive(
    blobs: &Arc<dyn BlobStore>,
    parent: &RgbImage,
    result: &RgbImage,
    alpha: &GrayImage,
) -> Result<DerivedPictures, VariantError> {
    let put = |img: &RgbImage| -> Result<BlobId, VariantError> {
        Ok(blobs.put(&imaging::png_rgb(img)?)?)
    };
    Ok(DerivedPictures {
        diff: put(&imaging::diff_heatmap(parent, result, None))?,
        leak: put(&imaging::diff_heatmap(parent, result, Some(alpha)))?,
        overlay: put(&imaging::mask_overlay(parent, alpha))?,
    })
}

/// What one query tells about a variant's pictures.
struct Located {
    variant: Variant,
    parent_sha: Option<String>,
    derived: Option<VariantPictures>,
}

/// The PNG (or, for the parent, the stored image) bytes of one of the pictures of a variant of
/// workspace `ws`.
pub fn picture(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    ws: WorkspaceId,
    id: i32,
    which: Picture,
) -> Result<Vec<u8>, VariantError> {
    let found = pool.run(|c| -> Result<Located, VariantError> {
        let variant = variants::find_in(c, ws, id)?;
        // The parent belongs to the same master, hence to `ws`.
        // A format's parent, for the eye, is the image it re-frames.
        let parent_sha =
            match (variant.format.is_some(), variant.format_of, variant.parent_variant_id) {
                (true, Some(s), _) | (false, _, Some(s)) => variants::find(c, s)?.result_sha,
                _ => Some(masters::find(c, variant.master_id)?.image_sha),
            };
        let derived = variant_pictures::find(c, id)?;
        Ok(Located { variant, parent_sha, derived })
    })?;
    let not_ready = || VariantError::NotReady("the variant has not finished rendering".into());
    let get = |sha: &str| -> Result<Vec<u8>, VariantError> { Ok(blobs.get(&BlobId::parse(sha)?)?) };
    let v = &found.variant;
    let derived = match (which, &found.derived) {
        (Picture::Result, _) => return get(v.result_sha.as_deref().ok_or_else(not_ready)?),
        (Picture::Mask, _) => return get(&v.mask_sha),
        (Picture::Canvas, _) => return get(v.canvas_sha.as_deref().ok_or_else(not_ready)?),
        (Picture::Parent, _) => return get(found.parent_sha.as_deref().ok_or_else(not_ready)?),
        (_, Some(d)) => d.clone(),
        (_, None) => backfill(pool, blobs, settings, &found)?,
    };
    get(match which {
        Picture::Diff => &derived.diff_sha,
        Picture::Leak => &derived.leak_sha,
        _ => &derived.overlay_sha,
    })
}

/// Renders and records the pictures of a variant rendered before they were kept with it, once.
fn backfill(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    found: &Located,
) -> Result<VariantPictures, VariantError> {
    let v = &found.variant;
    let not_ready = || VariantError::NotReady("the variant has not finished rendering".into());
    let (parent_sha, result_sha) = (
        found.parent_sha.as_deref().ok_or_else(not_ready)?,
        v.result_sha.as_deref().ok_or_else(not_ready)?,
    );
    let limits = imaging::limits(settings);
    let decode = |sha: &str| -> Result<RgbImage, VariantError> {
        Ok(inpaint::load_image(&blobs.get(&BlobId::parse(sha)?)?, &limits)?)
    };
    let (parent, result) = (decode(parent_sha)?, decode(result_sha)?);
    let op = Operation::parse(&v.operation)?;
    let params = Params::parse(&v.params)?;
    let mask = inpaint::load_mask(&blobs.get(&BlobId::parse(&v.mask_sha)?)?, &limits)?;
    let (grow, feather) = (params.grow_for(op), params.feather_for(op));
    crate::services::engine_limits::check_params(grow, feather)?;
    let alpha = inpaint::mask::prepare_alpha(&mask, grow, feather)?;
    let row = derive(blobs, &parent, &result, &alpha)?.row(v.id);
    pool.run(|c| variant_pictures::upsert(c, &row).map_err(VariantError::from))?;
    Ok(row)
}
