//! Command implementations that are more than a call into one service.

pub mod demo;
pub mod engine;
pub mod inpaint;
pub mod worker;
