//! Use cases. Services take plain data and a pool or connection; they know nothing of HTTP.

pub mod accounts;
pub mod ad_mapping;
pub mod attribution;
pub mod audit;
pub mod charts;
pub mod composite;
pub mod dashboard;
pub mod demo;
pub mod demo_reset;
pub mod engine_limits;
pub mod experiments;
pub mod experiments_bench;
pub mod grade;
pub mod imaging;
pub mod import_bench;
pub mod import_jobs;
pub mod import_store;
pub mod import_uploads;
pub mod imports;
pub mod jobs;
pub mod masters;
pub mod pictures;
pub mod recolor;
pub mod reports;
pub mod review;
pub mod variants;
