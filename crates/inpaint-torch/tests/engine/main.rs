//! Engine tests on real photos (tests/fixtures). `INPAINT_TEST_DEVICE=cuda` runs them on a GPU.

// Helpers outside #[test] fns panic on a broken fixture or device, which is the failure we want.
#![expect(clippy::unwrap_used, reason = "test helpers abort the test on setup failure")]

mod common;
mod pipeline;
mod quality;
mod torchscript;
