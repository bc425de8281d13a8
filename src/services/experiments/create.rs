//! Creating an experiment: a control and treatment arms over one master's approved, controlled variants.

use std::collections::HashMap;

use analytics::stats::VarianceModel;
use chrono::NaiveDate;

use super::ExperimentError;
use super::labels::{arm_label, edit_label};
use super::settings::{MethodName, parse_correction, parse_metric, parse_variance};
use crate::db::experiment_arms::{self, NewExperimentArm};
use crate::db::experiments::{self, Experiment, NewExperiment};
use crate::db::reporting::{self, VariantInfo};
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, masters, now};

/// A treatment arm to create.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ArmSpec {
    /// The approved, controlled variant shown in the arm.
    pub variant_id: i32,
    /// Planned share of ads and budget, for the sample-ratio check.
    #[serde(default)]
    pub planned_weight: Option<f64>,
}

/// Everything needed to create an experiment.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewExperimentSpec {
    /// The master the arms descend from.
    pub master_id: i32,
    pub name: String,
    /// First day counted.
    pub start_date: NaiveDate,
    /// Last day counted, if any.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    pub primary_metric: String,
    /// Guardrail metric names.
    #[serde(default)]
    pub guardrail_metrics: Vec<String>,
    pub method: String,
    /// Variance model name; the A/A-validated default (`ad_clustered`) when absent.
    #[serde(default)]
    pub variance_model: Option<String>,
    /// Correction name; `holm` when absent.
    #[serde(default)]
    pub correction: Option<String>,
    /// Significance level; 0.05 when absent.
    #[serde(default)]
    pub alpha: Option<f64>,
    /// The control: `None` is the master itself, else a variant.
    #[serde(default)]
    pub control_variant_id: Option<i32>,
    /// Planned share of the control.
    #[serde(default)]
    pub control_planned_weight: Option<f64>,
    /// Planned ads per arm: the sample-ratio check's plan (with equal weights when none are given) and
    /// sequential testing's N*.
    #[serde(default)]
    pub planned_ads_per_arm: Option<i32>,
    /// The treatment arms.
    #[serde(default)]
    pub treatments: Vec<ArmSpec>,
    /// A modular grid to run: the control is its baseline cell and, when no treatments are listed,
    /// every approved cell is one (see `grids::prepare_experiment`).
    #[serde(default)]
    pub grid_id: Option<i32>,
    #[serde(default)]
    pub created_by: Option<i32>,
}

/// Checks that a variant may be an arm: approved and audited as controlled.
fn check_arm_variant(v: &VariantInfo) -> Result<(), ExperimentError> {
    if v.status != VariantStatus::Approved {
        return Err(ExperimentError::Invalid(format!(
            "variant {} ({}) is {}, not approved: only approved variants can be arms",
            v.code,
            edit_label(v),
            v.status
        )));
    }
    if v.controlled != Some(true) {
        return Err(ExperimentError::Invalid(format!(
            "variant {} ({}) is not controlled (its audit found changes outside the mask): only \
             controlled edits can be arms",
            v.code,
            edit_label(v)
        )));
    }
    Ok(())
}

/// Creates an experiment on a master of workspace `ws` with its control and treatment arms, after
/// validating every arm. Another workspace's master is `NotFound`, like a missing one.
pub fn create_experiment(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    mut spec: NewExperimentSpec,
) -> Result<Experiment, ExperimentError> {
    crate::services::grids::prepare_experiment(conn, ws, &mut spec)?;
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(ExperimentError::Invalid("give the experiment a name".into()));
    }
    if let Some(end) = spec.end_date
        && end < spec.start_date
    {
        return Err(ExperimentError::Invalid("the end date is before the start date".into()));
    }
    let primary = parse_metric(&spec.primary_metric)?;
    let guardrails = spec
        .guardrail_metrics
        .iter()
        .filter(|g| !g.trim().is_empty())
        .map(|g| parse_metric(g))
        .collect::<Result<Vec<_>, _>>()?;
    let method = MethodName::parse(&spec.method)?;
    let variance = match spec.variance_model.as_deref() {
        Some(v) if !v.is_empty() => parse_variance(v)?,
        _ => VarianceModel::default(),
    };
    let correction = spec.correction.clone().unwrap_or_else(|| "holm".into());
    parse_correction(&correction)?;
    let alpha = spec.alpha.unwrap_or(0.05);
    if !(alpha > 0.0 && alpha < 0.5) {
        return Err(ExperimentError::Invalid("alpha must be between 0 and 0.5".into()));
    }
    if let Some(n) = spec.planned_ads_per_arm
        && n < 1
    {
        return Err(ExperimentError::Invalid("planned ads per arm must be at least 1".into()));
    }
    if spec.treatments.is_empty() {
        return Err(ExperimentError::Invalid("pick at least one treatment variant".into()));
    }
    let weights = std::iter::once(spec.control_planned_weight)
        .chain(spec.treatments.iter().map(|t| t.planned_weight));
    for w in weights.flatten() {
        if !(w.is_finite() && w > 0.0) {
            return Err(ExperimentError::Invalid("planned weights must be positive".into()));
        }
    }
    conn.transaction(|tx| {
        let master_name = masters::find_in(tx, ws, spec.master_id)?.name;
        let variants: HashMap<i32, VariantInfo> =
            reporting::variants_of_master(tx, spec.master_id)?
                .into_iter()
                .map(|v| (v.id, v))
                .collect();
        let find = |id: i32| {
            variants.get(&id).ok_or_else(|| {
                ExperimentError::Invalid(format!(
                    "variant {id} is not a variant of this master (a format counts for its source's arm)"
                ))
            })
        };
        let control_label = match spec.control_variant_id {
            None => arm_label(None, &variants, &master_name),
            Some(id) => {
                let v = find(id)?;
                check_arm_variant(v)?;
                arm_label(Some(v), &variants, &master_name)
            }
        };
        let mut seen = vec![spec.control_variant_id];
        let mut treatment_labels = Vec::with_capacity(spec.treatments.len());
        for t in &spec.treatments {
            if seen.contains(&Some(t.variant_id)) {
                return Err(ExperimentError::Invalid(format!(
                    "variant {} is used by two arms",
                    t.variant_id
                )));
            }
            seen.push(Some(t.variant_id));
            let v = find(t.variant_id)?;
            check_arm_variant(v)?;
            treatment_labels.push(arm_label(Some(v), &variants, &master_name));
        }
        let guardrail_names: Vec<&str> = guardrails.iter().map(|g| g.name()).collect();
        let experiment = experiments::insert(
            tx,
            &NewExperiment {
                master_id: spec.master_id,
                name,
                start_date: spec.start_date,
                end_date: spec.end_date,
                primary_metric: primary.name(),
                guardrail_metrics: &guardrail_names.join(","),
                method: method.as_str(),
                variance_model: variance.name(),
                correction: &correction,
                alpha,
                created_by: spec.created_by,
                created_at: now(),
                planned_ads_per_arm: spec.planned_ads_per_arm,
            },
        )?;
        experiment_arms::insert(
            tx,
            &NewExperimentArm {
                experiment_id: experiment.id,
                variant_id: spec.control_variant_id,
                is_control: true,
                label: &control_label,
                planned_weight: spec.control_planned_weight,
            },
        )?;
        for (t, label) in spec.treatments.iter().zip(&treatment_labels) {
            experiment_arms::insert(
                tx,
                &NewExperimentArm {
                    experiment_id: experiment.id,
                    variant_id: Some(t.variant_id),
                    is_control: false,
                    label,
                    planned_weight: t.planned_weight,
                },
            )?;
        }
        if let Some(grid_id) = spec.grid_id {
            crate::db::grids::link_experiment(tx, experiment.id, grid_id)?;
        }
        Ok(experiment)
    })
}
