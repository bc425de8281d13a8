//! HTTP-level tests against the real server, on SQLite (default) or PostgreSQL
//! (`LIFTMASK_TEST_DATABASE_URL=postgres://…`).

mod helpers;

mod ad_mappings;
mod auth;
mod browser;
mod experiments;
mod health;
mod imports;
mod jobs;
mod masters;
mod migrations;
mod pages;
mod reports;
mod reviews;
mod variables;
mod variants;
