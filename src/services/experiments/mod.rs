//! Experiments: creation from a master and its controlled variants, and the results read model (per-arm
//! metrics, lifts with intervals, corrected verdicts, the planned-split check, attribution to each edit,
//! charts). The statistics themselves live in `analytics::stats`; this module loads the sums they need
//! (daily sums from `creative_days`, per-ad window sums from `ad_running_sums`) and shapes the views.

mod by_format;
mod compare;
mod create;
mod form;
pub mod labels;
mod load;
mod results;
mod settings;
mod srm;
mod views;

use analytics::stats::StatsError;

pub use by_format::{ByFormatView, FormatReference, FormatRow, ORIGINAL, format_of_name};
pub use compare::{ArmData, ArmTotals, Compared, compare, effective_model, stated_verdict};
pub use create::{ArmSpec, NewExperimentSpec, create_experiment};
pub use form::{NewForm, list, new_form};
pub use load::results;
pub use results::{ResultsData, analyse, arm_data, comparison_view};
pub use settings::{
    MethodName, Settings, correction_label, parse_correction, parse_metric, parse_variance,
};
pub use views::{
    ArmView, AttributionView, ComparisonView, ExperimentResults, SrmArm, SrmBasis, SrmView,
    variance_label,
};

/// Why an experiment could not be created or analysed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// No connection could be had.
    #[error(transparent)]
    Pool(#[from] crate::db::DbError),
    /// The request is not a valid experiment.
    #[error("{0}")]
    Invalid(String),
    /// The statistics could not be computed.
    #[error("statistics: {0}")]
    Stats(#[from] StatsError),
}

#[cfg(test)]
mod tests {
    use analytics::stats::VarianceModel;

    #[test]
    fn default_variance_model_is_the_a_a_validated_one() {
        assert_eq!(VarianceModel::default(), VarianceModel::AdClustered);
        assert_eq!(super::parse_variance("ad_clustered").unwrap(), VarianceModel::AdClustered);
        assert!(super::parse_variance("ad_day_clustered").is_ok());
    }
}
