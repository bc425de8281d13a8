//! HTTP-level tests against the real server, on SQLite (default) or PostgreSQL
//! (`LIFTMASK_TEST_DATABASE_URL=postgres://…`).

mod helpers;

mod auth;
mod health;
mod migrations;
mod pages;
mod experiments;
mod reports;
mod variables;
mod imports;
mod ad_mappings;
mod jobs;
mod masters;
mod reviews;
mod variants;
mod browser;
