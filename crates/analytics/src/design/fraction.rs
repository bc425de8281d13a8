//! Fractional designs: when every combination is too many cells to run, a subset that still estimates
//! every main effect, and an honest account of what it confounds.
//!
//! Equal prime level counts (2 or 3) get the textbook regular fraction (the last factors generated from
//! the first, `C = A + B mod 3` for a 3×3×3); anything else gets a D-optimal subset found by greedy
//! selection and exchange over the full grid. Either way the confounding is computed, not assumed: with
//! each dummy centred on its full-grid mean, main effects and two-way interactions are orthogonal in the
//! full grid, so the alias matrix (X₁'X₁)⁻¹X₁'X₂ of the fraction shows exactly which interaction leaks
//! into which main effect, and by how much.

use serde::Serialize;

use super::model::{Term, centred_row, full_grid, invert, log_det, terms};
use crate::stats::{Result, StatsError};

/// A main effect biased by a two-way interaction in the fraction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confounding {
    /// The factor whose main effect is biased.
    pub factor: usize,
    /// The two factors whose interaction biases it.
    pub with: (usize, usize),
    /// Largest |alias coefficient| between their columns: how much of the interaction's effect (in
    /// centred-dummy units) lands in the main effect's estimate.
    pub strength: f64,
}

/// A proposed fraction of a full factorial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FractionPlan {
    pub levels: Vec<usize>,
    /// Cells in the full grid.
    pub full_size: usize,
    /// The cells to run, as a level per factor.
    pub runs: Vec<Vec<usize>>,
    /// How it was built, e.g. `3^(3−1) regular fraction: C = A + B (mod 3)`.
    pub construction: String,
    /// Whether the two-way interactions can still be estimated from these runs.
    pub interactions_estimable: bool,
    /// Main effects that two-way interactions bias, strongest first.
    pub confounding: Vec<Confounding>,
}

impl FractionPlan {
    /// One sentence per confounding, naming the factors.
    pub fn describe(&self, names: &[String]) -> Vec<String> {
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| letter(i).to_string());
        let mut out: Vec<String> = self
            .confounding
            .iter()
            .map(|c| {
                format!(
                    "the main effect of {} is confounded with the {} × {} interaction (alias weight {:.2})",
                    name(c.factor),
                    name(c.with.0),
                    name(c.with.1),
                    c.strength
                )
            })
            .collect();
        if self.confounding.is_empty() {
            out.push("no main effect is confounded with a two-way interaction".into());
        }
        if !self.interactions_estimable {
            out.push(
                "two-way interactions cannot be estimated from this fraction: its analysis fits \
                 main effects only, assuming the interactions are negligible"
                    .into(),
            );
        }
        out
    }
}

fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
}

/// Proposes a fraction of the `levels` grid that estimates every main effect, or `None` when no
/// fraction is smaller than the full grid.
pub fn propose_fraction(levels: &[usize]) -> Result<Option<FractionPlan>> {
    if levels.len() < 2 || levels.iter().any(|&l| l < 2) {
        return Err(StatsError::InvalidInput(
            "a fraction needs at least two factors of at least two levels".into(),
        ));
    }
    let full_size: usize = levels.iter().product();
    let (runs, construction) = match regular(levels) {
        Some(r) => r,
        None => {
            let mains = 1 + levels.iter().map(|l| l - 1).sum::<usize>();
            let lcm = levels.iter().fold(1, |acc, &l| acc * l / gcd(acc, l));
            let n = mains.div_ceil(lcm) * lcm;
            if n >= full_size {
                return Ok(None);
            }
            (d_optimal(levels, n), format!("D-optimal {n} of {full_size} cells (greedy exchange)"))
        }
    };
    let main_terms = terms(levels, false);
    let x1: Vec<Vec<f64>> = runs.iter().map(|r| centred_row(&main_terms, levels, r)).collect();
    let Some(inv) = invert(&gram(&x1)) else {
        return Err(StatsError::InvalidInput(
            "no fraction of this grid estimates every main effect".into(),
        ));
    };
    let all_terms = terms(levels, true);
    let x_all: Vec<Vec<f64>> = runs.iter().map(|r| centred_row(&all_terms, levels, r)).collect();
    let interactions_estimable = runs.len() >= all_terms.len() && invert(&gram(&x_all)).is_some();
    let inter: Vec<(usize, Term)> = all_terms
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Term::Interaction { .. }))
        .map(|(i, t)| (i, *t))
        .collect();
    let mut confounding: Vec<Confounding> = Vec::new();
    for (mi, mt) in main_terms.iter().enumerate() {
        let Term::Main { factor, .. } = *mt else { continue };
        for &(ci, it) in &inter {
            let Term::Interaction { a, b, .. } = it else { continue };
            // Alias coefficient: row mi of (X₁'X₁)⁻¹ times X₁' times column ci.
            let coef: f64 = x1
                .iter()
                .zip(&x_all)
                .map(|(r1, ra)| (0..r1.len()).map(|k| inv[mi][k] * r1[k]).sum::<f64>() * ra[ci])
                .sum();
            if coef.abs() < 1e-9 {
                continue;
            }
            match confounding.iter_mut().find(|c| c.factor == factor && c.with == (a, b)) {
                Some(c) => c.strength = c.strength.max(coef.abs()),
                None => {
                    confounding.push(Confounding { factor, with: (a, b), strength: coef.abs() })
                }
            }
        }
    }
    confounding.sort_by(|x, y| y.strength.total_cmp(&x.strength).then(x.factor.cmp(&y.factor)));
    Ok(Some(FractionPlan {
        levels: levels.to_vec(),
        full_size,
        runs,
        construction,
        interactions_estimable,
        confounding,
    }))
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn gram(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    super::model::weighted_gram(x, &vec![1.0; x.len()])
}

/// The regular fraction for 3 or 4 factors of 2 or 3 levels each: the first two (or three, for four
/// two-level factors) vary fully and the rest are generated as sums of them modulo the level count.
fn regular(levels: &[usize]) -> Option<(Vec<Vec<usize>>, String)> {
    let s = *levels.first()?;
    if !(s == 2 || s == 3) || levels.iter().any(|&l| l != s) {
        return None;
    }
    // Each generator is the coefficient of every base factor in the generated one.
    let (base, generators): (usize, Vec<Vec<usize>>) = match (levels.len(), s) {
        (3, _) => (2, vec![vec![1, 1]]),
        (4, 2) => (3, vec![vec![1, 1, 1]]),
        (4, 3) => (2, vec![vec![1, 1], vec![1, 2]]),
        _ => return None,
    };
    let runs = full_grid(&vec![s; base])
        .into_iter()
        .map(|b| {
            let mut run = b.clone();
            run.extend(
                generators.iter().map(|g| g.iter().zip(&b).map(|(c, l)| c * l).sum::<usize>() % s),
            );
            run
        })
        .collect();
    let named: Vec<String> =
        generators
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                let sum: Vec<String> =
                    g.iter()
                        .enumerate()
                        .map(|(i, &c)| {
                            if c == 1 { letter(i).to_string() } else { format!("{c}{}", letter(i)) }
                        })
                        .collect();
                format!("{} = {}", letter(base + gi), sum.join(" + "))
            })
            .collect();
    let k = levels.len();
    Some((runs, format!("{s}^({k}−{}) regular fraction: {} (mod {s})", k - base, named.join(", "))))
}

/// `n` distinct cells of the grid maximising det(X'X) of the centred main-effects model: greedy
/// forward selection (with a small ridge so the first picks are defined), then single-cell exchanges
/// until none improves it.
fn d_optimal(levels: &[usize], n: usize) -> Vec<Vec<usize>> {
    let t = terms(levels, false);
    let candidates = full_grid(levels);
    let rows: Vec<Vec<f64>> = candidates.iter().map(|c| centred_row(&t, levels, c)).collect();
    let p = t.len();
    let score = |chosen: &[usize], ridge: f64| {
        let x: Vec<Vec<f64>> = chosen.iter().map(|&i| rows[i].clone()).collect();
        let mut g = gram(&x);
        if g.is_empty() {
            g = vec![vec![0.0; p]; p];
        }
        for (i, r) in g.iter_mut().enumerate() {
            r[i] += ridge;
        }
        log_det(&g)
    };
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    while chosen.len() < n {
        let best = (0..candidates.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| {
                let mut c = chosen.clone();
                c.push(i);
                (i, score(&c, 1e-3))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((i, _)) = best else { break };
        chosen.push(i);
    }
    let mut current = score(&chosen, 0.0);
    for _ in 0..10 {
        let mut improved = false;
        for slot in 0..chosen.len() {
            for cand in 0..candidates.len() {
                if chosen.contains(&cand) {
                    continue;
                }
                let mut trial = chosen.clone();
                trial[slot] = cand;
                let s = score(&trial, 0.0);
                if s > current + 1e-9 {
                    chosen = trial;
                    current = s;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| candidates[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_effects_estimable(plan: &FractionPlan) -> bool {
        let t = terms(&plan.levels, false);
        let x: Vec<Vec<f64>> = plan.runs.iter().map(|r| centred_row(&t, &plan.levels, r)).collect();
        invert(&gram(&x)).is_some()
    }

    #[test]
    fn three_three_level_factors_take_nine_cells_and_confound_each_main_with_the_other_pair() {
        let plan = propose_fraction(&[3, 3, 3]).unwrap().unwrap();
        assert_eq!((plan.runs.len(), plan.full_size), (9, 27));
        assert!(main_effects_estimable(&plan));
        assert!(!plan.interactions_estimable);
        // Each level of each factor appears equally often (a Latin square).
        for f in 0..3 {
            for l in 0..3 {
                assert_eq!(plan.runs.iter().filter(|r| r[f] == l).count(), 3);
            }
        }
        let mut pairs: Vec<(usize, (usize, usize))> =
            plan.confounding.iter().map(|c| (c.factor, c.with)).collect();
        pairs.sort_unstable();
        assert_eq!(pairs, vec![(0, (1, 2)), (1, (0, 2)), (2, (0, 1))]);
        assert!(plan.construction.contains("C = A + B"), "{}", plan.construction);
        let text = plan.describe(&["background".into(), "jacket".into(), "product".into()]);
        assert!(text.iter().any(|s| s.contains("product") && s.contains("background × jacket")));
    }

    #[test]
    fn four_two_level_factors_take_eight_cells_with_main_effects_clear() {
        let plan = propose_fraction(&[2, 2, 2, 2]).unwrap().unwrap();
        assert_eq!(plan.runs.len(), 8);
        assert!(main_effects_estimable(&plan));
        assert!(plan.confounding.is_empty(), "{:?}", plan.confounding);
        assert!(!plan.interactions_estimable, "two-way interactions are aliased in pairs");
    }

    #[test]
    fn mixed_levels_get_a_d_optimal_subset() {
        let plan = propose_fraction(&[2, 3, 4]).unwrap().unwrap();
        assert_eq!((plan.runs.len(), plan.full_size), (12, 24));
        assert!(main_effects_estimable(&plan));
        let mut distinct = plan.runs.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 12);
        assert!(plan.construction.starts_with("D-optimal"));
    }

    #[test]
    fn small_grids_have_no_smaller_fraction() {
        assert_eq!(propose_fraction(&[2, 2]).unwrap(), None);
        assert!(propose_fraction(&[1, 2]).is_err());
    }
}
