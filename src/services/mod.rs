//! Use cases. Services take plain data and a pool or connection; they know nothing of HTTP.

pub mod accounts;
pub mod dashboard;
