//! The one reader of multipart forms (uploads), for pages and the API alike, with limits on the
//! whole body, on the number of fields and on each text field, so that no form can make the server
//! hold more than `max_upload_bytes` in memory.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::AppError;

/// The fields that carry files; every other field is text and may hold at most
/// [`MAX_TEXT_FIELD_BYTES`].
const FILE_FIELDS: [&str; 4] = ["image", "mask", "reference", "file"];
/// Longest text field (a source prompt is the longest text users paste).
pub const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;
/// More fields than any form of the app has (the import mapping form is the largest, ~20).
const MAX_FIELDS: usize = 64;

/// The fields of a multipart form.
pub struct Fields {
    values: HashMap<String, Vec<u8>>,
    filenames: HashMap<String, String>,
    order: Vec<String>,
}

impl Fields {
    /// A text field (empty when absent).
    pub fn text(&self, name: &str) -> String {
        self.values.get(name).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }

    /// A file field, if sent and non-empty.
    pub fn file(&mut self, name: &str) -> Option<Vec<u8>> {
        self.values.remove(name).filter(|b| !b.is_empty())
    }

    /// The client's name of an uploaded file (only shown, never used as a path).
    pub fn filename(&self, name: &str) -> Option<&str> {
        self.filenames.get(name).map(String::as_str)
    }

    /// Every text field as `(name, value)`, in the order sent.
    pub fn text_pairs(&self) -> Vec<(String, String)> {
        self.order
            .iter()
            .filter(|name| !FILE_FIELDS.contains(&name.as_str()))
            .map(|name| (name.clone(), self.text(name)))
            .collect()
    }
}

/// Reads a whole multipart form, refusing more than `limit` bytes in total.
pub async fn read_fields(mut payload: Multipart, limit: usize) -> Result<Fields, AppError> {
    let mut fields =
        Fields { values: HashMap::new(), filenames: HashMap::new(), order: Vec::new() };
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(bad_body)?;
        if fields.order.len() >= MAX_FIELDS {
            return Err(AppError::BadRequest(format!(
                "a form may have at most {MAX_FIELDS} fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let field_limit =
            if FILE_FIELDS.contains(&name.as_str()) { limit } else { MAX_TEXT_FIELD_BYTES };
        if let Some(filename) = field.content_disposition().and_then(|cd| cd.get_filename()) {
            fields.filenames.insert(name.clone(), filename.to_owned());
        }
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad_body)?;
            total += chunk.len();
            if total > limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "the upload is larger than {} MB",
                    limit / (1024 * 1024)
                )));
            }
            if buf.len() + chunk.len() > field_limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "field `{name}` is longer than {} KiB",
                    field_limit / 1024
                )));
            }
            buf.extend_from_slice(&chunk);
        }
        fields.values.insert(name.clone(), buf);
        fields.order.push(name);
    }
    Ok(fields)
}

fn bad_body(e: actix_multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!("bad multipart body: {e}"))
}
