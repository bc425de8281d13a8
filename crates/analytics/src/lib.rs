//! Pure analytics: no web, no database. Data in, results out.
pub mod stats;
pub mod import;
