//! The factorial model's columns: an intercept, one dummy per non-baseline level of each factor (level
//! 0 is "as in the master"), and optionally one product per pair of non-baseline levels of two factors.

use serde::Serialize;

/// One column of the model matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Term {
    /// The baseline cell (every factor at level 0).
    Intercept,
    /// Factor `factor` at `level` (≥ 1) instead of level 0.
    Main { factor: usize, level: usize },
    /// The extra effect of `a` at `la` together with `b` at `lb` (`a < b`).
    Interaction { a: usize, la: usize, b: usize, lb: usize },
}

/// The columns of the model over factors with `levels[f]` levels each.
pub fn terms(levels: &[usize], interactions: bool) -> Vec<Term> {
    let mut out = vec![Term::Intercept];
    for (factor, &n) in levels.iter().enumerate() {
        out.extend((1..n).map(|level| Term::Main { factor, level }));
    }
    if interactions {
        for a in 0..levels.len() {
            for b in a + 1..levels.len() {
                for la in 1..levels[a] {
                    for lb in 1..levels[b] {
                        out.push(Term::Interaction { a, la, b, lb });
                    }
                }
            }
        }
    }
    out
}

/// The model row of a cell (its level per factor).
pub fn row(terms: &[Term], cell: &[usize]) -> Vec<f64> {
    let at = |f: usize, l: usize| cell.get(f) == Some(&l);
    terms
        .iter()
        .map(|t| match *t {
            Term::Intercept => 1.0,
            Term::Main { factor, level } => f64::from(u8::from(at(factor, level))),
            Term::Interaction { a, la, b, lb } => f64::from(u8::from(at(a, la) && at(b, lb))),
        })
        .collect()
}

/// The row with each dummy centred on its full-grid mean (1/levels): in a full factorial these
/// columns are orthogonal to the intercept and to each other across orders, so what a fraction makes
/// non-orthogonal is exactly what it confounds.
pub fn centred_row(terms: &[Term], levels: &[usize], cell: &[usize]) -> Vec<f64> {
    let at = |f: usize, l: usize| {
        let share = 1.0 / levels.get(f).copied().unwrap_or(1).max(1) as f64;
        f64::from(u8::from(cell.get(f) == Some(&l))) - share
    };
    terms
        .iter()
        .map(|t| match *t {
            Term::Intercept => 1.0,
            Term::Main { factor, level } => at(factor, level),
            Term::Interaction { a, la, b, lb } => at(a, la) * at(b, lb),
        })
        .collect()
}

/// ln |det m| by elimination with partial pivoting; −∞ when singular.
pub fn log_det(m: &[Vec<f64>]) -> f64 {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut out = 0.0;
    for col in 0..n {
        let Some(pivot) = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
        else {
            return f64::NEG_INFINITY;
        };
        let p = a[pivot][col];
        if p.abs() < 1e-12 {
            return f64::NEG_INFINITY;
        }
        a.swap(col, pivot);
        out += p.abs().ln();
        let pivot_row = a[col].clone();
        for row in a.iter_mut().skip(col + 1) {
            let f = row[col] / p;
            if f != 0.0 {
                for (v, pv) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *v -= f * pv;
                }
            }
        }
    }
    out
}

/// Every combination of levels, the last factor varying fastest.
pub fn full_grid(levels: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::with_capacity(levels.len())];
    for &n in levels {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..n).map(move |l| {
                    let mut c = prefix.clone();
                    c.push(l);
                    c
                })
            })
            .collect();
    }
    out
}

/// The inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting, or `None`
/// when it is singular (a pivot below 1e-10 of the largest diagonal entry).
pub fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let scale = m
        .iter()
        .enumerate()
        .map(|(i, r)| r.get(i).copied().unwrap_or(0.0).abs())
        .fold(0.0, f64::max);
    if n == 0 || scale <= 0.0 || m.iter().any(|r| r.len() != n) {
        return None;
    }
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = r.clone();
            row.extend((0..n).map(|j| f64::from(u8::from(i == j))));
            row
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-10 * scale {
            return None;
        }
        a.swap(col, pivot);
        let p = a[col][col];
        for v in &mut a[col] {
            *v /= p;
        }
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col];
                if f != 0.0 {
                    for (v, pv) in row.iter_mut().zip(&pivot_row) {
                        *v -= f * pv;
                    }
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// X'WX for rows `x` with weights `w`.
pub fn weighted_gram(x: &[Vec<f64>], w: &[f64]) -> Vec<Vec<f64>> {
    let p = x.first().map_or(0, Vec::len);
    let mut g = vec![vec![0.0; p]; p];
    for (row, &wi) in x.iter().zip(w) {
        for i in 0..p {
            for j in 0..p {
                g[i][j] += wi * row[i] * row[j];
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_rows_of_a_2x3_model() {
        let t = terms(&[2, 3], true);
        assert_eq!(t.len(), 1 + 1 + 2 + 2);
        assert_eq!(row(&t, &[1, 2]), vec![1.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(row(&t, &[0, 0]), vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(full_grid(&[2, 3]).len(), 6);
        assert_eq!(full_grid(&[2, 3])[4], vec![1, 1]);
    }

    #[test]
    fn inverts_and_detects_singular() {
        let m = vec![vec![4.0, 1.0], vec![2.0, 3.0]];
        let inv = invert(&m).unwrap();
        assert!((inv[0][0] - 0.3).abs() < 1e-12 && (inv[0][1] + 0.1).abs() < 1e-12);
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
