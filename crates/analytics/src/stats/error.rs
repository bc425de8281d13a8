//! The one error type of the statistics engine.

/// Why a statistical computation was refused. Every message is one line, so the CLI can print it as is.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The request JSON did not parse or did not match the documented shape.
    #[error("invalid request: {0}")]
    Json(#[from] serde_json::Error),
    /// An input value is out of its domain (negative count, NaN, n < 2, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A relative lift or a log ratio needs a non-zero control mean.
    #[error("control mean is zero, so a relative lift is undefined")]
    ZeroControlMean,
    /// A test needs positive variance in both arms.
    #[error("{arm} arm has zero variance, so no test can be run")]
    ZeroVariance {
        /// Which arm (`control` or `treatment`).
        arm: &'static str,
    },
    /// A distribution could not be built from the computed parameters (a guard; inputs are validated first).
    #[error("distribution parameters rejected: {0}")]
    Distribution(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The chosen variance model does not exist for this metric.
    #[error("variance model {model} does not apply to metric {metric}")]
    UnsupportedVariance {
        metric: &'static str,
        /// The variance model's name.
        model: &'static str,
    },
}

/// Shorthand used by every stats module.
pub type Result<T> = std::result::Result<T, StatsError>;

/// Rejects a non-finite value with a message naming it.
pub(crate) fn finite(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(StatsError::InvalidInput(format!("{name} must be a finite number, got {value}")))
    }
}

/// Wraps a statrs constructor error, keeping it as the source.
pub(crate) fn dist_err<E: std::error::Error + Send + Sync + 'static>(err: E) -> StatsError {
    StatsError::Distribution(Box::new(err))
}

/// Checks a significance level.
pub(crate) fn check_alpha(alpha: f64) -> Result<f64> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 1.0 {
        Ok(alpha)
    } else {
        Err(StatsError::InvalidInput(format!("alpha must be in (0, 1), got {alpha}")))
    }
}
