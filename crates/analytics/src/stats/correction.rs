//! Multiple-testing corrections across treatment arms (or metrics): adjusted p-values.

use serde::{Deserialize, Serialize};

use super::error::{Result, StatsError};

/// Which correction to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm–Bonferroni step-down; controls the family-wise error rate.
    HolmBonferroni,
    /// Benjamini–Hochberg step-up; controls the false discovery rate.
    BenjaminiHochberg,
}

/// Adjusted p-values in the input order; compare each with α as usual.
pub fn adjust_p_values(p_values: &[f64], correction: Correction) -> Result<Vec<f64>> {
    if let Some(bad) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::InvalidInput(format!("p-values must be in [0, 1], got {bad}")));
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    match correction {
        Correction::HolmBonferroni => {
            // Step-down: the k-th smallest is multiplied by (m − k), and adjusted values never decrease.
            let mut running = 0.0_f64;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
                adjusted[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            // Step-up: from the largest down, p·m/rank, kept monotone by a running minimum.
            let mut running = 1.0_f64;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min(p_values[i] * m as f64 / (rank + 1) as f64);
                adjusted[i] = running;
            }
        }
    }
    Ok(adjusted)
}
