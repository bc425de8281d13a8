//! Modular grids: every combination of a master's controlled edits on disjoint regions, composed
//! exactly, reviewed in bulk, run as one experiment and analysed factorially.
//!
//! The pixel maths (overlap, composition, the cell audit) is `imaging::grid`; the statistics (the
//! factorial fit, fractions) are `analytics::design` and `analytics::stats::factorial`. This module
//! loads and stores, names things for people, and shapes the views pages and the API share.

mod create;
mod experiment;
mod export;
mod factorial;
mod matrix;
mod review;
mod view;

use serde::{Deserialize, Serialize};

pub use create::{GRID_OPERATION, create};
pub use experiment::prepare_experiment;
pub use export::{BulkExport, ad_name, bulk_export};
pub use factorial::{
    FactorialView, MainEffectEvidence, factorial_for_experiment, leaderboard_evidence,
};
pub use matrix::{Matrix, MatrixRow};
pub use review::{BulkAction, BulkOutcome, bulk_review};
pub use view::{GridIndex, GridView, index, page, show};

use crate::blobs::BlobError;
use crate::db::DbError;
use crate::services::imaging::ImagingError;
use crate::services::review::ReviewError;
use crate::services::variants::VariantError;

/// Fewest and most variables, and levels per variable, a grid may have.
pub const VARIABLES: std::ops::RangeInclusive<usize> = 2..=4;
/// Levels per variable.
pub const LEVELS: std::ops::RangeInclusive<usize> = 2..=4;
/// Most cells composed for one grid; beyond it, run a fraction.
pub const MAX_CELLS: usize = 81;

/// One variable of a grid and its levels: variant ids, `None` for "as in the master".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridVariable {
    /// The variable's name; every level's variant must change this variable.
    pub variable: String,
    /// Level 0, 1, … in order.
    pub levels: Vec<Option<i32>>,
}

/// A grid to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// The master every level edits.
    pub master_id: i32,
    /// A name; generated from the variables when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// 2–4 variables of 2–4 levels.
    pub variables: Vec<GridVariable>,
    /// Run the proposed fraction instead of every combination.
    #[serde(default)]
    pub fractional: bool,
}

/// Why a grid could not be made, reviewed or analysed.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// The request is not a valid grid; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Levels of different variables touch the same pixels; the message says where.
    #[error("{0}")]
    Overlap(String),
    /// A cell failed its own audit: a bug, never shown as a valid cell.
    #[error("cell {0} failed its audit: {1}")]
    Audit(String, String),
    /// Loading a level failed.
    #[error(transparent)]
    Variant(#[from] VariantError),
    /// Encoding failed.
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    /// A review transition failed.
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// The grid's experiment could not be analysed.
    #[error(transparent)]
    Experiment(#[from] crate::services::experiments::ExperimentError),
    /// Blob storage failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for GridError {
    fn from(e: diesel::result::Error) -> Self {
        GridError::Db(e.into())
    }
}

impl From<inpaint::InpaintError> for GridError {
    fn from(e: inpaint::InpaintError) -> Self {
        GridError::Imaging(e.into())
    }
}

/// The stored form of a cell's levels: `0,2,1`.
fn levels_key(levels: &[usize]) -> String {
    levels.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// Parses [`levels_key`]'s text.
fn parse_levels(key: &str) -> Option<Vec<usize>> {
    key.split(',').map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_keys_round_trip() {
        assert_eq!(levels_key(&[0, 2, 1]), "0,2,1");
        assert_eq!(parse_levels("0,2,1"), Some(vec![0, 2, 1]));
        assert_eq!(parse_levels("0,x"), None);
    }

    #[test]
    fn specs_refuse_unknown_fields() {
        let ok = r#"{"master_id":1,"variables":[{"variable":"bg","levels":[null,3]}]}"#;
        assert!(serde_json::from_str::<GridSpec>(ok).is_ok());
        let bad = r#"{"master_id":1,"variables":[],"colour":1}"#;
        assert!(serde_json::from_str::<GridSpec>(bad).is_err());
    }
}
