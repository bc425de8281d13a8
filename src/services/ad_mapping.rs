//! Mapping ad-platform ads to the master or variant they show.

use std::str::FromStr;

use crate::db::ad_mappings::{self, AdMapping, NewAdMapping};
use crate::db::creative_days::{self, Creative};
use crate::db::performance_rows::{self, UnmappedAd};
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, masters, variants};

/// What an ad is mapped to: a master itself, or one of its variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapTarget {
    /// The master image is the creative.
    Master(i32),
    /// A variant.
    Variant(i32),
}

/// A target that is not `master:ID` or `variant:ID`.
#[derive(Debug, thiserror::Error)]
#[error("invalid target {0:?} (expected master:ID or variant:ID)")]
pub struct BadTarget(pub String);

impl FromStr for MapTarget {
    type Err = BadTarget;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTarget(s.to_owned());
        let (kind, id) = s.trim().split_once(':').ok_or_else(bad)?;
        let id: i32 = id.parse().map_err(|_| bad())?;
        match kind {
            "master" => Ok(MapTarget::Master(id)),
            "variant" => Ok(MapTarget::Variant(id)),
            _ => Err(bad()),
        }
    }
}

/// Why a mapping was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdMappingError {
    /// The platform name is unknown.
    #[error(transparent)]
    Platform(#[from] analytics::import::UnknownPlatformName),
    #[error("the ad ID must be 1–100 characters")]
    BadAdId,
    /// The master, variant or mapped ad does not exist in the caller's workspace.
    #[error("no such {0}")]
    NoTarget(&'static str),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

/// Maps `(platform, ad_id)` to `target` of workspace `ws` by hand, replacing an earlier mapping of
/// the same workspace. An ad that another workspace has mapped is not this workspace's to move.
pub fn map_manually(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    platform: &str,
    ad_id: &str,
    target: MapTarget,
) -> Result<AdMapping, AdMappingError> {
    let platform: analytics::import::Platform = platform.parse()?;
    let ad_id = ad_id.trim();
    // Platform ad IDs are at most ~20 digits; the cap only stops abuse of the text column.
    if ad_id.is_empty() || ad_id.chars().count() > 100 {
        return Err(AdMappingError::BadAdId);
    }
    let missing = |what: &'static str| {
        move |e: diesel::result::Error| match e {
            diesel::result::Error::NotFound => AdMappingError::NoTarget(what),
            e => e.into(),
        }
    };
    let (master_id, variant_id) = match target {
        MapTarget::Master(id) => {
            (masters::find_in(conn, ws, id).map_err(missing("master"))?.id, None)
        }
        MapTarget::Variant(id) => {
            let v = variants::find_in(conn, ws, id).map_err(missing("variant"))?;
            // A format's ads are its source's arm (the master's, for a master's format).
            let arm = if v.format.is_some() { v.format_of } else { Some(id) };
            (v.master_id, arm)
        }
    };
    if ad_mappings::owner(conn, platform.as_str(), ad_id)?.is_some_and(|owner| owner != ws.0) {
        return Err(AdMappingError::NoTarget("ad"));
    }
    let new = NewAdMapping {
        platform: platform.as_str(),
        ad_id,
        master_id,
        variant_id,
        mapped_by: "manual",
        created_at: crate::db::now(),
    };
    conn.transaction(|tx| {
        // The ad's rows leave its old creative's rollup and join the new one's.
        let mut creatives = creative_days::creatives_of_ads(tx, new.platform, [ad_id])?;
        let mapping = ad_mappings::upsert(tx, &new)?;
        creatives.insert(Creative { master_id, variant_id });
        creative_days::refresh(tx, &creatives, None)?;
        Ok(mapping)
    })
}

/// One choice in the mapping form.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetOption {
    /// `master:ID` or `variant:ID`.
    pub value: String,
    /// What the user reads.
    pub label: String,
}

/// Every master of workspace `ws` and each of its variants, as form choices.
pub fn target_options(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
) -> Result<Vec<TargetOption>, AdMappingError> {
    let mut out = Vec::new();
    for m in masters::list_in(conn, ws)? {
        out.push(TargetOption { value: format!("master:{}", m.id), label: m.name.clone() });
        for v in variants::for_master(conn, m.id)?.into_iter().filter(|v| v.format.is_none()) {
            out.push(TargetOption {
                value: format!("variant:{}", v.id),
                label: format!("{} → {} ({}: {})", m.name, v.code, v.variable, v.value),
            });
        }
    }
    Ok(out)
}

/// Ads with rows that imports of workspace `ws` stored, and no mapping.
pub fn unmapped(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Vec<UnmappedAd>, AdMappingError> {
    Ok(performance_rows::unmapped_ads(conn, ws)?)
}

/// The mappings of workspace `ws`.
pub fn list(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Vec<AdMapping>, AdMappingError> {
    Ok(ad_mappings::list_in(conn, ws)?)
}
