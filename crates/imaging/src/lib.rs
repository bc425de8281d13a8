//! Pure pixel maths for liftmask's masked edits: grading light and colour inside a prepared
//! alpha, matching a region's colour statistics to a ring of its surroundings, recolouring an
//! element to a brand colour, selecting an object (GrabCut, magic wand) for a mask, composing a
//! modular grid's cells from edits on disjoint regions, the geometry of re-framing an image for a
//! placement, and the priming check of an edit before animation.
//!
//! The crate has no web, database or libtorch dependency: it takes pixels and an alpha that the
//! caller has already grown and feathered, and it guarantees that every pixel whose alpha is 0
//! comes back bit-identical, so the caller's audit can be exact.

mod blend;
mod color;
mod curve;
mod formats;
mod grade;
mod grid;
mod hex;
mod matching;
mod priming;
mod recolor;
mod select;

pub use blend::{Window, active_window, blend};
pub use curve::ToneCurve;
pub use formats::{Aspect, FormatError, Rect, crop_to, plan_crop, plan_outpaint};
pub use grade::{Grade, GradeError, Graded, grade};
pub use grid::{
    CellAudit, GridError, Layer, Overlap, PixelBox, audit_cell, compose, overlap, union_mask,
};
pub use hex::{BadHex, HexColor};
pub use matching::{LabStats, MatchReport, lab_stats, ring_alpha};
pub use priming::{
    EditKind, Finding, PrimingCheck, PrimingError, PrimingReport, PrimingVerdict, prime_edit,
    prime_master,
};
pub use recolor::{
    ON_TARGET_DELTA_E, Reach, RecolorError, RecolorReport, Recolored, TYPICAL_BAND,
    lightness_correlation, recolor, typical_colour,
};
pub use select::{
    GrabCut, MAX_STROKE_POINTS, MAX_TOLERANCE, SelectError, Wand, check_box, grab_cut, iou,
    magic_wand, rasterize_strokes,
};
