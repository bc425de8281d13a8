//! Use cases. Services take plain data and a pool or connection; they know nothing of HTTP.

pub mod accounts;
pub mod dashboard;
pub mod attribution;
pub mod charts;
pub mod experiments;
pub mod reports;
pub mod audit;
pub mod composite;
pub mod imaging;
pub mod jobs;
pub mod masters;
pub mod recolor;
pub mod review;
pub mod variants;
pub mod experiments_bench;
pub mod imports;
pub mod import_bench;
pub mod ad_mapping;
pub mod demo;
