//! Attribution to each controlled edit: a variant's effect is measured against its parent arm (or,
//! labelled as such, the control when the parent is not in the experiment), and a variable's effect is
//! pooled across experiments in [`leaderboard`] from true-parent comparisons only.

mod leaderboard;

use std::collections::HashMap;

pub use leaderboard::{
    Leaderboard, Study, VariableEffect, VariableForest, leaderboard, leaderboard_page,
};

use crate::db::experiment_arms::ExperimentArm;
use crate::db::reporting::VariantInfo;
use crate::services::experiments::labels::lineage;
use crate::services::experiments::{AttributionView, ComparisonView};

/// The arm a treatment is measured against: its parent's arm when the parent is in the experiment
/// (`true`), else the control (`false`).
pub fn reference_arm<'a>(
    arms: &'a [ExperimentArm],
    control: &'a ExperimentArm,
    arm: &ExperimentArm,
    variants: &HashMap<i32, VariantInfo>,
) -> (&'a ExperimentArm, bool) {
    let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else {
        return (control, false);
    };
    match arms.iter().find(|a| a.id != arm.id && a.variant_id == variant.parent_variant_id) {
        Some(parent) => (parent, true),
        None => (control, false),
    }
}

/// Each treatment's edit against its parent arm, compared by `compare(reference, treatment)`.
pub fn attribute_edits(
    arms: &[ExperimentArm],
    control: &ExperimentArm,
    variants: &HashMap<i32, VariantInfo>,
    compare: impl Fn(&ExperimentArm, &ExperimentArm) -> Result<ComparisonView, String>,
    notes: &mut Vec<String>,
) -> Vec<AttributionView> {
    let mut out = Vec::new();
    for arm in arms.iter().filter(|a| !a.is_control) {
        let Some(variant) = arm.variant_id.and_then(|v| variants.get(&v)) else { continue };
        let (reference, vs_parent) = reference_arm(arms, control, arm, variants);
        let parent = if vs_parent {
            format!("parent: {}", reference.label)
        } else {
            format!(
                "control fallback: {} (the parent is not an arm, so this lift includes the \
                 ancestors' edits and is not pooled as this edit's effect)",
                control.label
            )
        };
        match compare(reference, arm) {
            Ok(comparison) => out.push(AttributionView {
                edit: lineage(variant, variants),
                variable: variant.variable.clone(),
                value: variant.value.clone(),
                code: variant.code.clone(),
                parent,
                vs_parent,
                comparison,
            }),
            Err(note) => notes.push(note),
        }
    }
    out
}
