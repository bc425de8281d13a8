//! HTML plumbing shared by every page: templates, the page context, error pages, static files.

pub mod assets;
pub mod error_pages;
pub mod render;
pub mod span;

pub use render::{Page, redirect, render};
