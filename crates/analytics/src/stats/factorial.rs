//! Factorial analysis of a modular grid: every cell's ratio metric (ad-clustered, `clustered`) on the log
//! scale, fitted together by weighted least squares with a column per main effect and, where the cells
//! allow it, per two-way interaction.
//!
//! - Each cell gives θ = ln(ratio) with the delta-method variance v = var(mean)/mean² from its own ads, so
//!   lasting per-ad differences widen v and nothing assumes independent ad-days. Cells hold disjoint ads,
//!   so they are independent, and every estimate is a linear combination Σ g_c θ_c with variance Σ g_c² v_c.
//! - A main effect is the log ratio of a level against "as in the master", averaged over every
//!   combination of the other variables; an interaction is the usual difference of differences.
//! - Degrees of freedom: Welch–Satterthwaite over the cells' own effective-ad degrees of freedom, the
//!   same small-sample rule as the two-arm test, so a handful of ads per cell widens the interval.
//! - The best combination's interval is Bonferroni-adjusted over every candidate cell: picking the
//!   largest of several noisy estimates would otherwise make its plain interval too optimistic.

use serde::Serialize;

use super::clustered::ClusteredSummary;
use super::dist::{t_ppf, t_sf};
use super::error::{Result, StatsError, check_alpha};
use crate::design::model::{Term, full_grid, invert, row, terms, weighted_gram};

/// One cell's data: its level per variable and its metric with the ad as the unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FactorialCell<'a> {
    /// Level per variable; 0 is "as in the master".
    pub levels: &'a [usize],
    /// The cell's metric (`ad_clustered`).
    pub summary: ClusteredSummary,
}

/// An estimated effect on the log scale and as a relative lift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Effect {
    pub term: Term,
    pub log_effect: f64,
    /// Its standard error.
    pub se: f64,
    /// Satterthwaite degrees of freedom.
    pub dof: f64,
    /// exp(log_effect) − 1.
    pub lift: f64,
    /// Interval of the lift, from the t interval of the log ratio.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of log_effect = 0.
    pub p_value: f64,
}

/// A cell of the full grid with its fitted lift over the all-master cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellFit {
    pub levels: Vec<usize>,
    /// Whether the cell was run (a fraction leaves some out; theirs is the model's prediction).
    pub observed: bool,
    /// Ads of the cell (0 when not run).
    pub ads: u64,
    /// The observed metric (ratio of sums, scaled), when run.
    pub value: Option<f64>,
    /// Fitted ln(cell / baseline cell).
    pub log_lift: f64,
    /// exp(log_lift) − 1.
    pub lift: f64,
}

/// The best run combination and an interval that accounts for having picked it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestCombination {
    pub levels: Vec<usize>,
    /// Its lift over the all-master cell, with a Bonferroni-adjusted interval.
    pub effect: Effect,
    /// How many cells it was picked from.
    pub candidates: usize,
    /// The per-cell level of the interval, α / candidates.
    pub alpha_per_cell: f64,
}

/// The analysis of one grid experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorialFit {
    /// Whether two-way interactions are in the model (the cells must allow it).
    pub interactions_fitted: bool,
    /// Each non-baseline level of each variable.
    pub main_effects: Vec<Effect>,
    /// Each pair of non-baseline levels of two variables, when fitted.
    pub interactions: Vec<Effect>,
    /// Every cell of the full grid.
    pub cells: Vec<CellFit>,
    /// The best run cell, if any but the baseline was run.
    pub best: Option<BestCombination>,
    /// The fewest ads in a run cell.
    pub min_ads: u64,
}

/// Fits the grid with `levels[f]` levels per variable from its run `cells`. `lower_is_better` (costs)
/// turns the search for the best cell around.
pub fn factorial(
    levels: &[usize],
    cells: &[FactorialCell<'_>],
    alpha: f64,
    lower_is_better: bool,
) -> Result<FactorialFit> {
    let alpha = check_alpha(alpha)?;
    let (theta, var, dof) = cell_estimates(levels, cells)?;
    let rows_for = |t: &[Term]| cells.iter().map(|c| row(t, c.levels)).collect::<Vec<_>>();
    let weights: Vec<f64> = var.iter().map(|v| 1.0 / v).collect();
    let with = terms(levels, true);
    let fitted = (cells.len() >= with.len())
        .then(|| {
            let x = rows_for(&with);
            invert(&weighted_gram(&x, &weights)).map(|m| (with.clone(), x, m))
        })
        .flatten();
    let interactions_fitted = fitted.is_some();
    let (model, x, m) = match fitted {
        Some(f) => f,
        None => {
            let t = terms(levels, false);
            let x = rows_for(&t);
            let m = invert(&weighted_gram(&x, &weights)).ok_or_else(|| {
                StatsError::InvalidInput(
                    "these cells cannot separate every variable's main effect: run more of the grid"
                        .into(),
                )
            })?;
            (t, x, m)
        }
    };
    // H = (X'WX)⁻¹X'W maps the cell estimates to the coefficients; a contrast L over the
    // coefficients is the cell weighting g = L'H.
    let p = model.len();
    let h: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            x.iter()
                .zip(&weights)
                .map(|(r, w)| (0..p).map(|k| m[i][k] * r[k]).sum::<f64>() * w)
                .collect()
        })
        .collect();
    let estimate = |l: &[f64], term: Term, level_alpha: f64| -> Result<Effect> {
        let g: Vec<f64> =
            (0..cells.len()).map(|c| (0..p).map(|i| l[i] * h[i][c]).sum::<f64>()).collect();
        let est: f64 = g.iter().zip(&theta).map(|(g, t)| g * t).sum();
        let parts: Vec<f64> = g.iter().zip(&var).map(|(g, v)| g * g * v).collect();
        let variance: f64 = parts.iter().sum();
        let denom: f64 = parts.iter().zip(&dof).map(|(q, d)| q * q / d).sum();
        let df = if denom > 0.0 { (variance * variance / denom).max(1.0) } else { 1.0 };
        let se = variance.sqrt();
        let t = t_ppf(1.0 - level_alpha / 2.0, df)?;
        let p_value = if se > 0.0 { 2.0 * t_sf((est / se).abs(), df)? } else { 1.0 };
        Ok(Effect {
            term,
            log_effect: est,
            se,
            dof: df,
            lift: est.exp_m1(),
            ci_low: (est - t * se).exp_m1(),
            ci_high: (est + t * se).exp_m1(),
            p_value: p_value.min(1.0),
        })
    };
    let grid = full_grid(levels);
    let k = levels.len();
    let baseline = vec![0usize; k];
    let diff_rows = |plus: &[Vec<usize>], minus: &[Vec<usize>]| -> Vec<f64> {
        let mut l = vec![0.0; p];
        for c in plus {
            for (li, v) in l.iter_mut().zip(row(&model, c)) {
                *li += v;
            }
        }
        for c in minus {
            for (li, v) in l.iter_mut().zip(row(&model, c)) {
                *li -= v;
            }
        }
        l
    };
    let set = |c: &[usize], f: usize, l: usize| {
        let mut c = c.to_vec();
        c[f] = l;
        c
    };
    let mut main_effects = Vec::new();
    for (f, &nf) in levels.iter().enumerate() {
        // Averaged over every combination of the other variables: the grid rows with f at 0.
        let others: Vec<&Vec<usize>> = grid.iter().filter(|c| c[f] == 0).collect();
        let share = 1.0 / others.len() as f64;
        for level in 1..nf {
            let plus: Vec<Vec<usize>> = others.iter().map(|c| set(c, f, level)).collect();
            let minus: Vec<Vec<usize>> = others.iter().map(|c| (*c).clone()).collect();
            let l: Vec<f64> = diff_rows(&plus, &minus).into_iter().map(|v| v * share).collect();
            main_effects.push(estimate(&l, Term::Main { factor: f, level }, alpha)?);
        }
    }
    let mut interactions = Vec::new();
    if interactions_fitted {
        for t in model.iter().filter(|t| matches!(t, Term::Interaction { .. })) {
            let Term::Interaction { a, la, b, lb } = *t else { continue };
            let base = set(&set(&baseline, a, 0), b, 0);
            let plus = vec![set(&set(&base, a, la), b, lb), base.clone()];
            let minus = vec![set(&base, a, la), set(&base, b, lb)];
            interactions.push(estimate(&diff_rows(&plus, &minus), *t, alpha)?);
        }
    }
    let beta: Vec<f64> =
        (0..p).map(|i| h[i].iter().zip(&theta).map(|(a, b)| a * b).sum()).collect();
    let base_row = row(&model, &baseline);
    let fitted_lift = |c: &[usize]| -> f64 {
        row(&model, c).iter().zip(&base_row).zip(&beta).map(|((r, b0), be)| (r - b0) * be).sum()
    };
    let cell_fits: Vec<CellFit> = grid
        .iter()
        .map(|c| {
            let run = cells.iter().find(|x| x.levels == c.as_slice());
            let log_lift = fitted_lift(c);
            CellFit {
                levels: c.clone(),
                observed: run.is_some(),
                ads: run.map_or(0, |r| r.summary.summary.n),
                value: run.map(|r| r.summary.summary.mean),
                log_lift,
                lift: log_lift.exp_m1(),
            }
        })
        .collect();
    let candidates: Vec<&CellFit> =
        cell_fits.iter().filter(|c| c.observed && c.levels != baseline).collect();
    let sign = if lower_is_better { -1.0 } else { 1.0 };
    let best = match candidates
        .iter()
        .max_by(|a, b| (sign * a.log_lift).total_cmp(&(sign * b.log_lift)))
    {
        Some(c) => {
            let alpha_per_cell = alpha / candidates.len() as f64;
            let l = diff_rows(std::slice::from_ref(&c.levels), std::slice::from_ref(&baseline));
            Some(BestCombination {
                levels: c.levels.clone(),
                effect: estimate(&l, Term::Intercept, alpha_per_cell)?,
                candidates: candidates.len(),
                alpha_per_cell,
            })
        }
        None => None,
    };
    let min_ads = cells.iter().map(|c| c.summary.summary.n).min().unwrap_or(0);
    Ok(FactorialFit {
        interactions_fitted,
        main_effects,
        interactions,
        cells: cell_fits,
        best,
        min_ads,
    })
}

/// Per cell: θ = ln(mean), its variance and degrees of freedom, after checking the cells fit the grid.
fn cell_estimates(
    levels: &[usize],
    cells: &[FactorialCell<'_>],
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    if levels.is_empty() || levels.iter().any(|&l| l < 2) {
        return Err(StatsError::InvalidInput("every variable needs at least two levels".into()));
    }
    let (mut theta, mut var, mut dof) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in cells.iter().enumerate() {
        let fits =
            c.levels.len() == levels.len() && c.levels.iter().zip(levels).all(|(l, n)| l < n);
        if !fits || cells[..i].iter().any(|o| o.levels == c.levels) {
            return Err(StatsError::InvalidInput(format!(
                "cell {:?} is not a distinct cell of a {levels:?} grid",
                c.levels
            )));
        }
        let s = c.summary.summary;
        let v = s.variance_of_mean() / (s.mean * s.mean);
        if !(s.mean > 0.0 && v.is_finite() && v > 0.0) {
            return Err(StatsError::InvalidInput(format!(
                "cell {:?} has a metric of {} with variance {}: a log-scale analysis needs a \
                 positive metric that varies between ads",
                c.levels, s.mean, v
            )));
        }
        theta.push(s.mean.ln());
        var.push(v);
        dof.push(c.summary.dof.max(1.0));
    }
    Ok((theta, var, dof))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::distributions::Distribution;
    use rand::rngs::StdRng;
    use statrs::distribution::{LogNormal, Poisson};

    use super::*;
    use crate::stats::{AdMetric, AdSums, AdWindow, ad_clustered};

    /// The true log CTR of a cell of a 2×3 grid: main effects α₁ = 0.10, β₁ = 0.05, β₂ = −0.08 and an
    /// interaction γ₁₂ = 0.20 of variable 0 at level 1 with variable 1 at level 2.
    fn truth(c: &[usize]) -> f64 {
        let mut t = (0.02f64).ln();
        t += [0.0, 0.10][c[0]];
        t += [0.0, 0.05, -0.08][c[1]];
        if c == [1, 2] {
            t += 0.20;
        }
        t
    }

    /// The estimands: main effects averaged over the other variable's levels, and the interactions.
    fn true_effects() -> Vec<(Term, f64)> {
        vec![
            (Term::Main { factor: 0, level: 1 }, 0.10 + 0.20 / 3.0),
            (Term::Main { factor: 1, level: 1 }, 0.05),
            (Term::Main { factor: 1, level: 2 }, -0.08 + 0.20 / 2.0),
            (Term::Interaction { a: 0, la: 1, b: 1, lb: 1 }, 0.0),
            (Term::Interaction { a: 0, la: 1, b: 1, lb: 2 }, 0.20),
        ]
    }

    /// One simulated grid experiment: `ads` ads per cell, each with a lasting CTR of its own (lognormal,
    /// CV 20 %) and its own volume (CV 60 %), clicks Poisson over the window.
    fn simulate(rng: &mut StdRng, ads: usize) -> Vec<(Vec<usize>, ClusteredSummary)> {
        let unit = |cv: f64| {
            let s2 = (1.0f64 + cv * cv).ln();
            LogNormal::new(-s2 / 2.0, s2.sqrt()).unwrap()
        };
        let (ad_ctr, volume) = (unit(0.2), unit(0.6));
        full_grid(&[2, 3])
            .into_iter()
            .map(|c| {
                let windows: Vec<AdWindow> = (0..ads)
                    .map(|_| {
                        let impressions = (30_000.0 * volume.sample(rng)).round().max(100.0);
                        let rate = truth(&c).exp() * ad_ctr.sample(rng);
                        let clicks: f64 = Poisson::new(impressions * rate).unwrap().sample(rng);
                        AdWindow {
                            ad_days: 14,
                            sums: AdSums { impressions, clicks, ..AdSums::default() },
                        }
                    })
                    .collect();
                let s = ad_clustered(&windows, AdMetric::Ctr).unwrap();
                (c, s)
            })
            .collect()
    }

    fn fit(data: &[(Vec<usize>, ClusteredSummary)]) -> FactorialFit {
        let cells: Vec<FactorialCell<'_>> =
            data.iter().map(|(l, s)| FactorialCell { levels: l, summary: *s }).collect();
        factorial(&[2, 3], &cells, 0.05, false).unwrap()
    }

    fn find(fit: &FactorialFit, term: Term) -> Effect {
        *fit.main_effects.iter().chain(&fit.interactions).find(|e| e.term == term).unwrap()
    }

    #[test]
    fn recovers_main_effects_and_the_interaction() {
        // Many ads per cell: the estimates sit close to the truth.
        let mut rng = StdRng::seed_from_u64(7);
        let f = fit(&simulate(&mut rng, 400));
        assert!(f.interactions_fitted);
        for (term, want) in true_effects() {
            let e = find(&f, term);
            assert!((e.log_effect - want).abs() < 0.03, "{term:?}: {} vs {want}", e.log_effect);
            assert!(e.ci_low < want.exp_m1() && want.exp_m1() < e.ci_high, "{term:?}");
        }
        let best = f.best.unwrap();
        assert_eq!(best.levels, vec![1, 2], "the interaction makes [1, 2] the best cell");
        assert_eq!(best.candidates, 5);
        assert!(best.effect.ci_low > 0.0);
        assert_eq!(f.cells.len(), 6);
    }

    #[test]
    fn intervals_cover_the_truth_about_95_percent_of_the_time() {
        // 8 ads per cell with lasting per-ad differences: the ad-clustered variance and the
        // Satterthwaite t must keep every effect's interval honest.
        let mut rng = StdRng::seed_from_u64(2026);
        let effects = true_effects();
        let (mut covered, mut total) = (0usize, 0usize);
        let mut per_effect = vec![0usize; effects.len()];
        let sims = 4000;
        for _ in 0..sims {
            let f = fit(&simulate(&mut rng, 8));
            for (i, (term, want)) in effects.iter().enumerate() {
                let e = find(&f, *term);
                let hit = e.ci_low <= want.exp_m1() && want.exp_m1() <= e.ci_high;
                covered += usize::from(hit);
                per_effect[i] += usize::from(hit);
                total += 1;
            }
        }
        let rate = covered as f64 / total as f64;
        eprintln!("factorial coverage over {sims} grids: {rate:.4}, per effect {per_effect:?}");
        assert!((0.93..=0.97).contains(&rate), "coverage {rate}, per effect {per_effect:?}");
        for (i, n) in per_effect.iter().enumerate() {
            let r = *n as f64 / f64::from(sims);
            assert!((0.93..=0.97).contains(&r), "effect {i}: coverage {r}");
        }
    }

    #[test]
    fn a_fraction_fits_main_effects_only() {
        // The 3×3×3 grid's 9-cell fraction (C = A + B mod 3) with known main effects and no interactions.
        let plan = crate::design::propose_fraction(&[3, 3, 3]).unwrap().unwrap();
        let summary = |c: &[usize]| {
            let log = 0.1 * c[0] as f64 - 0.05 * c[1] as f64 + 0.02 * c[2] as f64;
            ClusteredSummary {
                summary: crate::stats::MetricSummary {
                    n: 10,
                    mean: 0.02 * log.exp(),
                    variance: 10.0 * (0.02 * log.exp() * 0.01).powi(2),
                },
                dof: 9.0,
            }
        };
        let cells: Vec<FactorialCell<'_>> =
            plan.runs.iter().map(|r| FactorialCell { levels: r, summary: summary(r) }).collect();
        let f = factorial(&[3, 3, 3], &cells, 0.05, false).unwrap();
        assert!(!f.interactions_fitted);
        assert!(f.interactions.is_empty());
        let e = |factor, level| find(&f, Term::Main { factor, level }).log_effect;
        assert!((e(0, 2) - 0.2).abs() < 1e-9 && (e(1, 1) + 0.05).abs() < 1e-9);
        assert!((e(2, 2) - 0.04).abs() < 1e-9);
        assert_eq!(f.cells.iter().filter(|c| c.observed).count(), 9);
        assert_eq!(f.cells.len(), 27);
    }

    #[test]
    fn refuses_cells_that_do_not_fit() {
        let s = ClusteredSummary {
            summary: crate::stats::MetricSummary { n: 5, mean: 0.02, variance: 1e-6 },
            dof: 4.0,
        };
        let bad = [FactorialCell { levels: &[0, 3], summary: s }];
        assert!(factorial(&[2, 3], &bad, 0.05, false).is_err());
        let only_two = [
            FactorialCell { levels: &[0, 0], summary: s },
            FactorialCell { levels: &[1, 0], summary: s },
        ];
        assert!(factorial(&[2, 3], &only_two, 0.05, false).is_err(), "variable 1 is never varied");
    }
}
