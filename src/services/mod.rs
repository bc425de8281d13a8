//! Use cases. Services take plain data and a pool or connection; they know nothing of HTTP.

pub mod accounts;
pub mod ad_mapping;
pub mod attribution;
pub mod audit;
pub mod charts;
pub mod composite;
pub mod dashboard;
pub mod demo;
pub mod experiments;
pub mod experiments_bench;
pub mod imaging;
pub mod import_bench;
pub mod import_store;
pub mod imports;
pub mod jobs;
pub mod masters;
pub mod recolor;
pub mod reports;
pub mod review;
pub mod variants;
