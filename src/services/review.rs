//! Review: draft → in_review → approved or rejected, with an append-only history, and the
//! "hallucination ceiling" check for regions that keep failing.

use std::sync::Arc;

use image::GrayImage;

use crate::blobs::{BlobError, BlobId, BlobStore};
use crate::config::ReviewSettings;
use crate::db::mask_ceilings::{self, MaskCeiling};
use crate::db::variants::Variant;
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, audit_log, reviews, variants};

/// Errors while reviewing.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The decision is not approve or reject.
    #[error("decision must be approve or reject")]
    BadDecision,
    /// The variant is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// The reviewer may not take this decision (four eyes: not on their own variant).
    #[error("{0}")]
    NotAllowed(String),
    /// Blob storage failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ReviewError {
    fn from(e: diesel::result::Error) -> Self {
        ReviewError::Db(e.into())
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve.
    Approve,
    /// Reject.
    Reject,
}

impl Decision {
    /// Parses `approve` or `reject`.
    pub fn parse(s: &str) -> Result<Self, ReviewError> {
        match s.trim() {
            "approve" => Ok(Decision::Approve),
            "reject" => Ok(Decision::Reject),
            _ => Err(ReviewError::BadDecision),
        }
    }

    fn status(self) -> VariantStatus {
        match self {
            Decision::Approve => VariantStatus::Approved,
            Decision::Reject => VariantStatus::Rejected,
        }
    }
}

/// The review queue of a workspace.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Queue {
    /// Variants in review, oldest first.
    pub waiting: Vec<Variant>,
    pub drafts: Vec<Variant>,
}

/// The variants of workspace `ws` that wait for review, and its drafts.
pub fn queue(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Queue, ReviewError> {
    Ok(Queue {
        waiting: variants::with_status_in(conn, ws, VariantStatus::InReview)?,
        drafts: variants::with_status_in(conn, ws, VariantStatus::Draft)?,
    })
}

/// Sends a rendered draft of workspace `ws` to review.
pub fn submit(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
    user_id: i32,
    comment: &str,
) -> Result<Variant, ReviewError> {
    conn.transaction(|tx| {
        let v = variants::find_in(tx, ws, id)?;
        if v.result_sha.is_none() {
            return Err(ReviewError::Conflict("the variant has not finished rendering".into()));
        }
        if variants::transition(tx, id, VariantStatus::Draft, VariantStatus::InReview)? == 0 {
            return Err(ReviewError::Conflict(format!(
                "only drafts can be submitted; this one is {}",
                v.status
            )));
        }
        reviews::insert(
            tx,
            id,
            Some(user_id),
            VariantStatus::Draft.as_str(),
            VariantStatus::InReview.as_str(),
            comment.trim(),
        )?;
        Ok(variants::find(tx, id)?)
    })
}

/// Whether `user_id` may take `decision` on `v` under `rules`: approval only from review, and
/// (four eyes) not by the variant's creator unless the settings allow it.
fn check_decision(
    v: &Variant,
    user_id: i32,
    decision: Decision,
    rules: &ReviewSettings,
) -> Result<(), ReviewError> {
    let status = v.status;
    if !matches!(status, VariantStatus::Draft | VariantStatus::InReview) {
        return Err(ReviewError::Conflict(format!("the variant is already {}", v.status)));
    }
    if decision == Decision::Approve {
        if status != VariantStatus::InReview {
            return Err(ReviewError::Conflict(format!(
                "only variants in review can be approved; this one is {}: send it to review first",
                v.status
            )));
        }
        if v.created_by == Some(user_id) && !rules.allow_self_approval {
            return Err(ReviewError::NotAllowed(
                "you created this variant, so another reviewer must approve it (four eyes; \
                 the setting review.allow_self_approval turns this off for one-person teams)"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Approves a rendered variant of workspace `ws` in review, or rejects one that is a draft or in
/// review.
pub fn decide(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    id: i32,
    user_id: i32,
    decision: Decision,
    comment: &str,
    rules: &ReviewSettings,
) -> Result<Variant, ReviewError> {
    conn.transaction(|tx| {
        let v = variants::find_in(tx, ws, id)?;
        if v.result_sha.is_none() {
            return Err(ReviewError::Conflict("the variant has not finished rendering".into()));
        }
        check_decision(&v, user_id, decision, rules)?;
        let to = decision.status();
        let from = v.status;
        if variants::transition(tx, id, from, to)? == 0 {
            return Err(ReviewError::Conflict("the variant changed meanwhile; reload".into()));
        }
        reviews::insert(tx, id, Some(user_id), from.as_str(), to.as_str(), comment.trim())?;
        audit_log::record(
            tx,
            Some(user_id),
            &format!("variant.{}", to.as_str()),
            &format!("variant:{id}"),
            comment.trim(),
        )?;
        Ok(variants::find(tx, id)?)
    })
}

/// Rejections of the same region it takes to call a region a dead end.
pub const CEILING_REJECTIONS: usize = 3;

/// Intersection over union of two binary masks (> 127); 0 when sizes differ.
pub fn iou(a: &GrayImage, b: &GrayImage) -> f64 {
    if a.dimensions() != b.dimensions() {
        return 0.0;
    }
    let (mut inter, mut union) = (0u64, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        let (x, y) = (p[0] > 127, q[0] > 127);
        inter += u64::from(x && y);
        union += u64::from(x || y);
    }
    if union == 0 { 0.0 } else { inter as f64 / union as f64 }
}

/// How many rejected variants of the same master have a mask overlapping `v`'s by IoU > 0.5, when
/// that reaches [`CEILING_REJECTIONS`]: the region has hit the hallucination ceiling.
///
/// Counting decodes every rejected mask, so the count is kept per variant in `mask_ceilings`,
/// stamped with the master's set of rejected variants; page views read it back until a variant
/// of the master is rejected (or leaves `rejected`).
pub fn ceiling(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    v: &Variant,
) -> Result<Option<usize>, ReviewError> {
    let rejected: Vec<Variant> = variants::for_master(conn, v.master_id)?
        .into_iter()
        .filter(|r| r.status == VariantStatus::Rejected)
        .collect();
    if rejected.len() < CEILING_REJECTIONS {
        return Ok(None);
    }
    let key = rejected.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",");
    let hits = match mask_ceilings::find(conn, v.id)? {
        Some(cached) if cached.rejected_key == key => usize::try_from(cached.hits).unwrap_or(0),
        _ => {
            let hits = count_overlaps(blobs, v, &rejected)?;
            let row = MaskCeiling {
                variant_id: v.id,
                rejected_key: key,
                hits: i32::try_from(hits).unwrap_or(i32::MAX),
                computed_at: crate::db::now(),
            };
            mask_ceilings::upsert(conn, &row)?;
            hits
        }
    };
    Ok((hits >= CEILING_REJECTIONS).then_some(hits))
}

fn count_overlaps(
    blobs: &Arc<dyn BlobStore>,
    v: &Variant,
    rejected: &[Variant],
) -> Result<usize, ReviewError> {
    let load = |sha: &str| -> Result<Option<GrayImage>, ReviewError> {
        let bytes = blobs.get(&BlobId::parse(sha)?)?;
        Ok(image::load_from_memory(&bytes).ok().map(|i| i.to_luma8()))
    };
    let Some(mine) = load(&v.mask_sha)? else { return Ok(0) };
    let mut hits = 0;
    for r in rejected {
        if let Some(m) = load(&r.mask_sha)?
            && iou(&mine, &m) > 0.5
        {
            hits += 1;
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn iou_of_overlapping_squares() {
        let sq = |x0: u32| {
            GrayImage::from_fn(10, 10, |x, y| {
                Luma([if x >= x0 && x < x0 + 4 && y < 4 { 255 } else { 0 }])
            })
        };
        assert!((iou(&sq(0), &sq(0)) - 1.0).abs() < 1e-9);
        assert!((iou(&sq(0), &sq(2)) - 8.0 / 24.0).abs() < 1e-9);
        assert_eq!(iou(&sq(0), &sq(6)), 0.0);
    }
}
