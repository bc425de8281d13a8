//! liftmask: controlled, single-variable ad creative edits and honest lift attribution.
//!
//! Layers go one way: `routes` (HTTP) → `services` (use cases) → `db` (diesel), the `inpaint`
//! engine crate and the pure `analytics` crate.

pub mod auth;
pub mod blobs;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
