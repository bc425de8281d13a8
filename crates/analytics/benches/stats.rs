//! `cargo bench -p analytics --bench stats`: throughput of `stats::compare` (target: 100k in < 1 s)
//! and the wall time of the default A/A simulation. Plain `std::time`, no harness.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::hint::black_box;
use std::time::Instant;

use analytics::stats::{
    AaScenario, AaWorld, ArmInput, CompareRequest, MethodKind, MetricKind, compare,
    simulate_scenario,
};

const N: usize = 100_000;

/// Proportion requests with slowly varying counts, so nothing is constant-folded.
fn requests(method: MethodKind) -> Vec<CompareRequest> {
    (0..N)
        .map(|i| {
            let arm = |n: u64, sum: f64| ArmInput { n, sum: Some(sum), ..ArmInput::default() };
            let k = (i % 1000) as f64;
            CompareRequest {
                metric: MetricKind::Proportion,
                method,
                difference: Default::default(),
                alpha: 0.05,
                sequential_tuning: None,
                prior: None,
                control: arm(3000 + (i % 97) as u64, 1396.0 + k * 0.1),
                treatment: arm(3461 + (i % 89) as u64, 1422.0 + k * 0.2),
            }
        })
        .collect()
}

fn main() -> Result<(), analytics::stats::StatsError> {
    for method in [MethodKind::Frequentist, MethodKind::Sequential, MethodKind::Bayesian] {
        let reqs = requests(method);
        let start = Instant::now();
        let mut acc = 0.0;
        for req in &reqs {
            acc += compare(black_box(req))?.ci_high;
        }
        let elapsed = start.elapsed();
        black_box(acc);
        println!(
            "compare {method:?}: {N} in {:.3} s ({:.0} ns each)",
            elapsed.as_secs_f64(),
            elapsed.as_nanos() as f64 / N as f64
        );
    }
    let start = Instant::now();
    let scenario = AaScenario { ads_per_arm: 6, days: 21, ad_cv: 0.1 };
    let rates = simulate_scenario(&AaWorld::default(), scenario, 2000, 0.05, 1)?;
    println!(
        "A/A scenario (2,000 experiments, 6 ads × 21 days per arm): {:.3} s, {rates:?}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
