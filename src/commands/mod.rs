//! Command implementations that are more than a call into one service.

pub mod bench_blobs;
pub mod demo;
pub mod engine;
pub mod inpaint;
pub mod queue_bench;
pub mod worker;
