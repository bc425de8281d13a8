//! The bulk export for ad upload: one zip with every approved cell's image, and its approved format
//! siblings' (placements), and a CSV in the layout of Meta's bulk import whose ad names start with the
//! liftmask code. The platform keeps the ad name in its performance export, and the importer maps any
//! ad whose name carries a code to that variant (`analytics::import::variant_code`; a placement's
//! suffixed code `LM-7F3K-916` to its source cell's arm), so the results map back with no manual
//! mapping.

use std::io::Write;
use std::sync::Arc;

use zip::write::FileOptions;

use super::GridError;
use super::view::show;
use crate::blobs::{BlobId, BlobStore};
use crate::db::DbConn;
use crate::db::variants::VariantStatus;
use crate::db::workspaces::WorkspaceId;

/// The columns of Meta's bulk-import sheet that the export fills; the rest keep the platform's
/// defaults. Ads and ad sets start paused, so a person launches them after checking the copy.
pub const META_BULK_COLUMNS: [&str; 12] = [
    "Campaign Name",
    "Campaign Status",
    "Campaign Objective",
    "Ad Set Name",
    "Ad Set Run Status",
    "Ad Name",
    "Ad Status",
    "Image File Name",
    "Title",
    "Body",
    "Link",
    "Call to Action",
];

/// The name of the CSV inside the zip.
pub const CSV_NAME: &str = "meta_bulk_import.csv";

/// A finished export.
#[derive(Debug, Clone)]
pub struct BulkExport {
    /// `grid-<id>-export.zip`.
    pub filename: String,
    pub bytes: Vec<u8>,
    /// Ads in it: approved cells and their approved placements.
    pub ads: usize,
}

/// The ad name of a cell: its code first, so no truncation loses it, then what it shows.
pub fn ad_name(code: &str, grid_name: &str, label: &str) -> String {
    format!("{code} | {grid_name} | {label}")
}

/// Builds the export of grid `grid_id` of workspace `ws`: every approved cell, each followed by its
/// approved, rendered format siblings.
pub fn bulk_export(
    conn: &mut DbConn<'_>,
    blobs: &Arc<dyn BlobStore>,
    ws: WorkspaceId,
    grid_id: i32,
) -> Result<BulkExport, GridError> {
    let grid = show(conn, ws, grid_id)?;
    let approved: Vec<_> =
        grid.cells.iter().filter(|c| c.status == VariantStatus::Approved).collect();
    if approved.is_empty() {
        return Err(GridError::Invalid(
            "no cell of this grid is approved yet: approve the cells before exporting them".into(),
        ));
    }
    let mut csv = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| GridError::Invalid(format!("writing the CSV: {e}"));
    csv.write_record(META_BULK_COLUMNS).map_err(csv_err)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_err = |e: zip::result::ZipError| GridError::Invalid(format!("writing the zip: {e}"));
    let io_err = |e: std::io::Error| GridError::Invalid(format!("writing the zip: {e}"));
    // PNGs are already compressed; storing them keeps the export fast.
    let stored = FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut ads = 0;
    for cell in &approved {
        let variant = crate::db::variants::find(conn, cell.variant_id)?;
        // A placement is its own ad (its own picture and name) in the cell's arm.
        let placements = crate::db::variants::formats_of(conn, grid.master_id, Some(variant.id))?
            .into_iter()
            .filter(|f| f.status == VariantStatus::Approved);
        for v in std::iter::once(variant).chain(placements) {
            let sha = v
                .result_sha
                .ok_or_else(|| GridError::Invalid(format!("{} has no image", v.code)))?;
            let image = blobs.get(&BlobId::parse(&sha)?)?;
            let file = format!("{}.png", v.code);
            zip.start_file(file.as_str(), stored).map_err(zip_err)?;
            zip.write_all(&image).map_err(io_err)?;
            let label = match &v.format {
                Some(aspect) => format!("{} · {aspect}", cell.label),
                None => cell.label.clone(),
            };
            let name = ad_name(&v.code, &grid.name, &label);
            csv.write_record([
                grid.name.as_str(),
                "PAUSED",
                "Outcome Traffic",
                grid.name.as_str(),
                "PAUSED",
                name.as_str(),
                "PAUSED",
                file.as_str(),
                "",
                "",
                "",
                "",
            ])
            .map_err(csv_err)?;
            ads += 1;
        }
    }
    let table =
        csv.into_inner().map_err(|e| GridError::Invalid(format!("writing the CSV: {e}")))?;
    zip.start_file(CSV_NAME, FileOptions::default()).map_err(zip_err)?;
    zip.write_all(&table).map_err(io_err)?;
    let bytes = zip.finish().map_err(zip_err)?.into_inner();
    Ok(BulkExport { filename: format!("grid-{grid_id}-export.zip"), bytes, ads })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_names_carry_the_code_the_importer_reads() {
        let name = ad_name("LM-7F3K", "hiker grid", "sky: snow · jacket: as in the master");
        assert_eq!(analytics::import::variant_code(&name), Some("LM-7F3K"));
        let placement = ad_name("LM-7F3K-916", "hiker grid", "sky: snow · 9:16");
        assert_eq!(analytics::import::variant_code(&placement), Some("LM-7F3K"));
    }
}
