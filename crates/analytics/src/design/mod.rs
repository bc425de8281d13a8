//! Factorial designs for modular grids: the model's columns, and fractions of a grid too large to run
//! in full. Pure combinatorics and small dense linear algebra; the analysis itself is
//! `stats::factorial`.

mod fraction;
pub mod model;

pub use fraction::{Confounding, FractionPlan, propose_fraction};
