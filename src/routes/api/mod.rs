//! The JSON API under `/api/v1`, authenticated with bearer tokens.

pub mod me;
