//! The JSON API under `/api/v1`, authenticated with bearer tokens.

pub mod experiments;
pub mod imports;
pub mod jobs;
pub mod masters;
pub mod me;
pub mod reports;
pub mod variables;
pub mod variants;
