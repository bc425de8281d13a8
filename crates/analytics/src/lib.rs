//! Pure analytics: no web, no database. Data in, results out.
pub mod import;
pub mod stats;
