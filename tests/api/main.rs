//! HTTP-level tests against the real server, on SQLite (default) or PostgreSQL
//! (`LIFTMASK_TEST_DATABASE_URL=postgres://…`).

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

mod helpers;

mod account;
mod ad_mappings;
mod auth;
mod browser;
mod demo;
mod experiments;
mod formats;
mod grade;
mod grids;
mod health;
mod imports;
mod jobs;
mod masters;
mod migrations;
mod object_storage;
mod pages;
mod reports;
mod reviews;
mod route_matrix;
mod security;
mod selection;
mod variables;
mod variants;
mod workspaces;
