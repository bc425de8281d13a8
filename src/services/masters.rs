//! Uploading masters and reading their lineage.

use std::collections::{HashMap, VecDeque};

use std::sync::Arc;

use crate::blobs::{BlobError, BlobId, BlobStore};
use crate::config::Settings;
use crate::db::masters::{Master, NewMaster};
use crate::db::variants::Variant;
use crate::db::workspaces::WorkspaceId;
use crate::db::{DbConn, DbError, DbPool, audit_log, grids, master_variables, masters, variants};
use crate::services::imaging::{self, ImagingError};

/// Errors while creating or reading masters.
#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    /// The form is incomplete or invalid.
    #[error("{0}")]
    Invalid(String),
    /// The image was refused (format, size, corrupt).
    #[error("image refused: {0}")]
    Image(#[from] ImagingError),
    /// No picture of that name (`image` and `thumb` exist).
    #[error("no such picture")]
    NoSuchPicture,
    /// Storing the image failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for MasterError {
    fn from(e: diesel::result::Error) -> Self {
        MasterError::Db(e.into())
    }
}

/// What the upload form carries.
#[derive(Debug, Clone)]
pub struct MasterInput {
    /// Display name (1–120 characters).
    pub name: String,
    pub source_model: String,
    pub source_prompt: String,
    /// The uploaded bytes (PNG, JPEG or WebP).
    pub image: Vec<u8>,
}

/// Decodes, thumbnails and stores an upload, then records the master in the creator's workspace.
pub fn create(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    settings: &Settings,
    input: &MasterInput,
    ws: WorkspaceId,
    user_id: Option<i32>,
) -> Result<Master, MasterError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(MasterError::Invalid("name must be 1–120 characters".into()));
    }
    if input.source_model.trim().chars().count() > 200 {
        return Err(MasterError::Invalid(
            "the source model may have at most 200 characters".into(),
        ));
    }
    if input.source_prompt.trim().chars().count() > 4000 {
        return Err(MasterError::Invalid("the prompt may have at most 4,000 characters".into()));
    }
    let img = inpaint::load_image(&input.image, &imaging::limits(settings))
        .map_err(ImagingError::from)?;
    let image_sha = blobs.put(&input.image)?;
    let thumb_sha = blobs.put(&imaging::thumbnail(&img)?)?;
    let dim = |v: u32| i32::try_from(v).map_err(|_| MasterError::Invalid("image too large".into()));
    conn.transaction(|tx| {
        let master = masters::insert(
            tx,
            &NewMaster {
                workspace_id: ws.0,
                name,
                source_model: input.source_model.trim(),
                source_prompt: input.source_prompt.trim(),
                image_sha: image_sha.as_str(),
                thumb_sha: thumb_sha.as_str(),
                width: dim(img.width())?,
                height: dim(img.height())?,
                created_by: user_id,
                created_at: crate::db::now(),
            },
        )?;
        audit_log::record(tx, user_id, "master.create", &format!("master:{}", master.id), name)?;
        Ok(master)
    })
}

/// A node of the lineage tree: a variant and the variants made from it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeNode {
    pub variant: Variant,
    /// Its children, oldest first.
    pub children: Vec<TreeNode>,
    /// Its format siblings (placements), shown as badges beside it rather than as children.
    pub formats: Vec<Variant>,
}

/// A modular grid in the lineage tree: one node for all its cells, linking to the grid's page, so that
/// a grid's composed combinations do not crowd the master's own edits.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GridNode {
    pub id: i32,
    pub name: String,
    /// Its cells, each with what was made from it, in creation order.
    pub cells: Vec<TreeNode>,
}

/// Deepest level of the lineage tree that is built. Serializing and rendering a tree recurse
/// once per level, so an unbounded chain of variants could exhaust a worker's stack.
pub const MAX_TREE_DEPTH: usize = 64;

/// A master with its variables and lineage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lineage {
    pub master: Master,
    pub variables: Vec<String>,
    /// Variants made directly from the master, each with its descendants; grid cells are in `grids`.
    pub tree: Vec<TreeNode>,
    /// The master's grids, each holding its cells.
    pub grids: Vec<GridNode>,
    /// How many variants the tree holds.
    pub count: usize,
    /// Variants deeper than [`MAX_TREE_DEPTH`], left out of `tree`.
    pub hidden: usize,
    /// The master's own format siblings.
    pub formats: Vec<Variant>,
    /// The placements, for the formats grid.
    pub aspects: Vec<crate::services::formats::AspectView>,
}

/// The masters of workspace `ws`, newest first.
pub fn list(conn: &mut DbConn<'_>, ws: WorkspaceId) -> Result<Vec<Master>, MasterError> {
    Ok(masters::list_in(conn, ws)?)
}

/// The stored bytes of a master's `image` or `thumb`; the blob is read after the connection is
/// returned to the pool.
pub fn picture(
    pool: &DbPool,
    blobs: &Arc<dyn BlobStore>,
    ws: WorkspaceId,
    id: i32,
    which: &str,
) -> Result<Vec<u8>, MasterError> {
    let m = pool.run(|c| masters::find_in(c, ws, id).map_err(MasterError::from))?;
    let sha = match which {
        "image" => m.image_sha,
        "thumb" => m.thumb_sha,
        _ => return Err(MasterError::NoSuchPicture),
    };
    Ok(blobs.get(&BlobId::parse(&sha)?)?)
}

/// Loads the lineage tree of a master of workspace `ws`.
pub fn lineage(
    conn: &mut DbConn<'_>,
    ws: WorkspaceId,
    master_id: i32,
) -> Result<Lineage, MasterError> {
    let master = masters::find_in(conn, ws, master_id)?;
    let variables = master_variables::list(conn, master_id)?;
    let all = variants::for_master(conn, master_id)?;
    let count = all.iter().filter(|v| v.format.is_none()).count();
    let (tree, shown) = build_tree(&all, MAX_TREE_DEPTH);
    let mut cells_of = Vec::new();
    for g in grids::for_master(conn, master_id)? {
        let ids = grids::cells(conn, g.id)?.into_iter().map(|c| c.variant_id).collect();
        cells_of.push((g.id, g.name, ids));
    }
    let (tree, grids) = group_grid_cells(tree, cells_of);
    let formats =
        all.iter().filter(|v| v.format.is_some() && v.format_of.is_none()).cloned().collect();
    let aspects = crate::services::formats::aspects();
    Ok(Lineage { master, variables, tree, grids, count, hidden: count - shown, formats, aspects })
}

/// Moves the roots that are grid cells (cells are made from the master, so they are roots) under
/// one node per grid, given as (id, name, cell variant ids). Grids keep their order.
fn group_grid_cells(
    roots: Vec<TreeNode>,
    cells_of: Vec<(i32, String, Vec<i32>)>,
) -> (Vec<TreeNode>, Vec<GridNode>) {
    let mut nodes: Vec<(GridNode, Vec<i32>)> = cells_of
        .into_iter()
        .map(|(id, name, ids)| (GridNode { id, name, cells: Vec::new() }, ids))
        .collect();
    let mut rest = Vec::with_capacity(roots.len());
    for n in roots {
        match nodes.iter_mut().find(|(_, ids)| ids.contains(&n.variant.id)) {
            Some((g, _)) => g.cells.push(n),
            None => rest.push(n),
        }
    }
    (rest, nodes.into_iter().map(|(g, _)| g).collect())
}

/// Builds the tree without recursion: a breadth-first walk from the master down to `max_depth`
/// levels, then the nodes assembled deepest first. Returns the roots and how many nodes they hold.
fn build_tree(all: &[Variant], max_depth: usize) -> (Vec<TreeNode>, usize) {
    let mut kids: HashMap<Option<i32>, Vec<&Variant>> = HashMap::new();
    let mut formats: HashMap<i32, Vec<Variant>> = HashMap::new();
    for v in all {
        match (v.format.is_some(), v.format_of) {
            (false, _) => kids.entry(v.parent_variant_id).or_default().push(v),
            (true, Some(source)) => formats.entry(source).or_default().push(v.clone()),
            // A master's formats belong to the master, not to the tree.
            (true, None) => {}
        }
    }
    let mut order: Vec<&Variant> = Vec::with_capacity(all.len());
    let mut queue: VecDeque<(&Variant, usize)> =
        kids.get(&None).into_iter().flatten().map(|v| (*v, 1)).collect();
    while let Some((v, depth)) = queue.pop_front() {
        order.push(v);
        if depth < max_depth {
            queue.extend(kids.get(&Some(v.id)).into_iter().flatten().map(|c| (*c, depth + 1)));
        }
    }
    // Deepest first, so every node's children are complete when it is built. They arrive in
    // reverse sibling order and are turned round once.
    let mut built: HashMap<Option<i32>, Vec<TreeNode>> = HashMap::new();
    for v in order.iter().rev() {
        let mut children = built.remove(&Some(v.id)).unwrap_or_default();
        children.reverse();
        let placements = formats.remove(&v.id).unwrap_or_default();
        let node = TreeNode { variant: (*v).clone(), children, formats: placements };
        built.entry(v.parent_variant_id).or_default().push(node);
    }
    let mut roots = built.remove(&None).unwrap_or_default();
    roots.reverse();
    (roots, order.len())
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    fn variant(id: i32, parent: Option<i32>) -> Variant {
        Variant {
            id,
            master_id: 1,
            parent_variant_id: parent,
            code: format!("LM-{id}"),
            variable: "background".into(),
            value: "v".into(),
            operation: "erase".into(),
            params: "{}".into(),
            mask_sha: String::new(),
            reference_sha: None,
            result_sha: None,
            status: crate::db::variants::VariantStatus::Draft,
            job_id: None,
            changed_outside_mask_px: None,
            changed_fraction: None,
            mask_fraction: None,
            delta_e: None,
            controlled: None,
            audit_note: None,
            created_by: None,
            created_at: chrono::NaiveDateTime::default(),
            lightness_corr: None,
            gamut_mapped_px: None,
            format: None,
            format_of: None,
            source_rect: None,
            canvas_sha: None,
            priming: None,
        }
    }

    #[test]
    fn siblings_keep_their_order_and_children_nest() {
        let all = [variant(1, None), variant(2, Some(1)), variant(3, None), variant(4, Some(1))];
        let (tree, shown) = build_tree(&all, MAX_TREE_DEPTH);
        assert_eq!(shown, 4);
        let ids: Vec<i32> = tree.iter().map(|n| n.variant.id).collect();
        assert_eq!(ids, [1, 3]);
        let kids: Vec<i32> = tree[0].children.iter().map(|n| n.variant.id).collect();
        assert_eq!(kids, [2, 4]);
    }

    #[test]
    fn grid_cells_hang_under_one_node_per_grid_and_edits_stay_roots() {
        let all = [
            variant(1, None),
            variant(2, None),
            variant(3, None),
            variant(4, Some(3)),
            variant(5, None),
            variant(6, None),
            variant(7, None),
        ];
        let (tree, _) = build_tree(&all, MAX_TREE_DEPTH);
        let grids = vec![(9, "a × b".to_string(), vec![3, 5]), (10, "c × d".into(), vec![6, 7])];
        let (roots, grids) = group_grid_cells(tree, grids);
        let ids = |nodes: &[TreeNode]| nodes.iter().map(|n| n.variant.id).collect::<Vec<_>>();
        assert_eq!(ids(&roots), [1, 2], "only the master's own edits stay roots");
        assert_eq!(grids.iter().map(|g| g.id).collect::<Vec<_>>(), [9, 10]);
        assert_eq!(ids(&grids[0].cells), [3, 5]);
        assert_eq!(ids(&grids[1].cells), [6, 7]);
        // A variant made from a cell stays under its cell.
        assert_eq!(ids(&grids[0].cells[0].children), [4]);
    }

    #[test]
    fn a_chain_of_100000_variants_builds_without_recursion_and_is_capped() {
        let all: Vec<Variant> =
            (1..=100_000).map(|id| variant(id, (id > 1).then_some(id - 1))).collect();
        let (tree, shown) = build_tree(&all, MAX_TREE_DEPTH);
        assert_eq!(shown, MAX_TREE_DEPTH);
        let mut depth = 0;
        let mut level = &tree;
        while let Some(node) = level.first() {
            depth += 1;
            level = &node.children;
        }
        assert_eq!(depth, MAX_TREE_DEPTH);
    }
}
