//! Pure analytics: no web, no database. Data in, results out.
pub mod design;
pub mod import;
pub mod stats;
