//! The experiments list and what the creation form offers, within the caller's workspace.

use super::ExperimentError;
use crate::db::experiments::{self, Experiment};
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, masters, reporting};

/// The experiments of workspace `ws`, newest first.
pub fn list(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Vec<Experiment>, ExperimentError> {
    Ok(experiments::list_in(conn, ws)?)
}

/// What the creation form offers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewForm {
    /// The workspace's masters as (id, name), newest first.
    pub masters: Vec<(i32, String)>,
    /// The master picked (the asked one, else the newest).
    pub master_id: Option<i32>,
    /// Each variant of that master, with why it cannot be an arm (`ineligible`) and its ads.
    pub variants: Vec<serde_json::Value>,
    /// The ads mapped to the master itself, as "platform:ad_id".
    pub master_ads: Vec<String>,
}

/// The creation form for master `master_id` (or the newest master) of workspace `ws`; asking for
/// another workspace's master is `NotFound`.
pub fn new_form(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    master_id: Option<i32>,
) -> Result<NewForm, ExperimentError> {
    let list = reporting::masters_list(conn, ws)?;
    let chosen = match master_id {
        Some(id) => Some(masters::find_in(conn, ws, id)?.id),
        None => list.first().map(|m| m.0),
    };
    let (variants, ads) = match chosen {
        Some(id) => (reporting::variants_of_master(conn, id)?, reporting::mapped_ads(conn, id)?),
        None => (Vec::new(), Vec::new()),
    };
    let label = |a: &reporting::MappedAd| format!("{}:{}", a.platform, a.ad_id);
    let eligible = variants
        .iter()
        .map(|v| {
            let reason = if v.status != VariantStatus::Approved {
                Some(format!("not approved ({})", v.status))
            } else if v.controlled != Some(true) {
                Some("not controlled (audit found changes outside the mask)".to_string())
            } else {
                None
            };
            let mapped: Vec<String> =
                ads.iter().filter(|a| a.variant_id == Some(v.id)).map(label).collect();
            serde_json::json!({"variant": v, "ineligible": reason, "ads": mapped})
        })
        .collect();
    let master_ads = ads.iter().filter(|a| a.variant_id.is_none()).map(label).collect();
    Ok(NewForm { masters: list, master_id: chosen, variants: eligible, master_ads })
}
