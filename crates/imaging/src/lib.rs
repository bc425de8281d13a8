//! Pure pixel maths for liftmask's masked edits: grading light and colour inside a prepared
//! alpha, and matching a region's colour statistics to a ring of its surroundings.
//!
//! The crate has no web, database or libtorch dependency: it takes pixels and an alpha that the
//! caller has already grown and feathered, and it guarantees that every pixel whose alpha is 0
//! comes back bit-identical, so the caller's audit can be exact.

mod blend;
mod color;
mod curve;
mod grade;
mod matching;
mod select;

pub use blend::{Window, active_window, blend};
pub use curve::ToneCurve;
pub use grade::{Grade, GradeError, Graded, grade};
pub use matching::{LabStats, MatchReport, lab_stats, ring_alpha};
pub use select::{GrabCut, MAX_TOLERANCE, SelectError, Wand, check_box, grab_cut, iou, magic_wand};
