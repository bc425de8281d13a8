//! Gaussian mixture colour models in RGB, as GrabCut (Rother et al., 2004) uses them: each pixel
//! is given to one component, and each component is refitted from its pixels.

/// Added to each covariance diagonal so that a flat region (all pixels one colour) still gives an
/// invertible matrix.
const REGULARISATION: f64 = 0.01;

#[derive(Debug, Clone, Copy, Default)]
struct Component {
    weight: f64,
    mean: [f64; 3],
    inverse: [[f64; 3]; 3],
    /// ln(weight) − ½ ln det Σ − (3/2) ln 2π, so that a density is one exponential away.
    log_norm: f64,
}

/// A mixture of `k` full-covariance Gaussians.
#[derive(Debug, Clone)]
pub struct Gmm {
    components: Vec<Component>,
}

impl Gmm {
    /// Fits `k` components to `samples`: k-means from a deterministic start (colours spread along
    /// luminance), then one Gaussian per cluster.
    pub fn fit(samples: &[[f64; 3]], k: usize) -> Self {
        let labels = kmeans(samples, k, 10);
        Self::refit(samples, &labels, k)
    }

    /// One Gaussian per label; empty labels are dropped.
    pub fn refit(samples: &[[f64; 3]], labels: &[usize], k: usize) -> Self {
        let mut n = vec![0f64; k];
        let mut sum = vec![[0f64; 3]; k];
        let mut prod = vec![[[0f64; 3]; 3]; k];
        for (s, &l) in samples.iter().zip(labels) {
            n[l] += 1.0;
            for a in 0..3 {
                sum[l][a] += s[a];
                for b in 0..3 {
                    prod[l][a][b] += s[a] * s[b];
                }
            }
        }
        let total: f64 = n.iter().sum();
        let mut components = Vec::with_capacity(k);
        for l in 0..k {
            if n[l] == 0.0 {
                continue;
            }
            let mean = sum[l].map(|v| v / n[l]);
            let mut cov = [[0f64; 3]; 3];
            for a in 0..3 {
                for b in 0..3 {
                    cov[a][b] = prod[l][a][b] / n[l] - mean[a] * mean[b];
                }
                cov[a][a] += REGULARISATION;
            }
            let (inverse, det) = invert(&cov);
            let weight = n[l] / total;
            let log_norm = weight.ln() - 0.5 * det.ln() - 1.5 * (2.0 * std::f64::consts::PI).ln();
            components.push(Component { weight, mean, inverse, log_norm });
        }
        Self { components }
    }

    pub fn len(&self) -> usize {
        self.components.len()
    }

    /// The component that explains `c` best (the GrabCut assignment step).
    pub fn best_component(&self, c: &[f64; 3]) -> usize {
        let mut best = (0, f64::NEG_INFINITY);
        for (i, comp) in self.components.iter().enumerate() {
            let l = comp.log_density(c);
            if l > best.1 {
                best = (i, l);
            }
        }
        best.0
    }

    /// −ln p(c), the data term of the energy.
    pub fn neg_log_likelihood(&self, c: &[f64; 3]) -> f64 {
        // Log-sum-exp over the components, online, so far-off colours do not underflow to 0.
        let (mut max, mut sum) = (f64::NEG_INFINITY, 0.0);
        for comp in &self.components {
            let l = comp.log_density(c);
            if l > max {
                sum = sum * (max - l).exp() + 1.0;
                max = l;
            } else {
                sum += (l - max).exp();
            }
        }
        if max.is_finite() { -(max + sum.ln()) } else { f64::MAX.ln() }
    }
}

impl Component {
    fn log_density(&self, c: &[f64; 3]) -> f64 {
        if self.weight <= 0.0 {
            return f64::NEG_INFINITY;
        }
        let d = [c[0] - self.mean[0], c[1] - self.mean[1], c[2] - self.mean[2]];
        let mut q = 0.0;
        for a in 0..3 {
            for b in 0..3 {
                q += d[a] * self.inverse[a][b] * d[b];
            }
        }
        self.log_norm - 0.5 * q
    }
}

/// Inverse and determinant of a symmetric positive-definite 3×3 matrix, by cofactors.
fn invert(m: &[[f64; 3]; 3]) -> ([[f64; 3]; 3], f64) {
    let c =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let cof = [
        [c(1, 2, 1, 2), -c(1, 2, 0, 2), c(1, 2, 0, 1)],
        [-c(0, 2, 1, 2), c(0, 2, 0, 2), -c(0, 2, 0, 1)],
        [c(0, 1, 1, 2), -c(0, 1, 0, 2), c(0, 1, 0, 1)],
    ];
    let det = (m[0][0] * cof[0][0] + m[0][1] * cof[0][1] + m[0][2] * cof[0][2]).max(1e-12);
    let mut inv = [[0f64; 3]; 3];
    for (a, row) in inv.iter_mut().enumerate() {
        for (b, v) in row.iter_mut().enumerate() {
            *v = cof[b][a] / det;
        }
    }
    (inv, det)
}

/// Lloyd's k-means; the start takes the colours at evenly spaced luminance ranks, so the result
/// is reproducible without a random generator.
fn kmeans(samples: &[[f64; 3]], k: usize, iterations: usize) -> Vec<usize> {
    if samples.is_empty() || k == 0 {
        return vec![0; samples.len()];
    }
    let luma = |s: &[f64; 3]| 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by(|&a, &b| luma(&samples[a]).total_cmp(&luma(&samples[b])));
    let mut centres: Vec<[f64; 3]> =
        (0..k).map(|i| samples[order[(2 * i + 1) * samples.len() / (2 * k)]]).collect();
    let mut labels = vec![0usize; samples.len()];
    for _ in 0..iterations {
        for (s, l) in samples.iter().zip(labels.iter_mut()) {
            *l = nearest(&centres, s);
        }
        let mut sum = vec![[0f64; 4]; k];
        for (s, &l) in samples.iter().zip(&labels) {
            sum[l] = [sum[l][0] + s[0], sum[l][1] + s[1], sum[l][2] + s[2], sum[l][3] + 1.0];
        }
        for (c, s) in centres.iter_mut().zip(&sum) {
            if s[3] > 0.0 {
                *c = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
            }
        }
    }
    labels
}

fn nearest(centres: &[[f64; 3]], s: &[f64; 3]) -> usize {
    let d2 = |c: &[f64; 3]| (0..3).map(|a| (c[a] - s[a]).powi(2)).sum::<f64>();
    let mut best = (0, f64::INFINITY);
    for (i, c) in centres.iter().enumerate() {
        let d = d2(c);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_times_matrix_is_identity() {
        let m = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let (inv, det) = invert(&m);
        assert!((det - (4.0 * (6.0 - 0.04) - 1.0 * (2.0 - 0.1) + 0.5 * (0.2 - 1.5))).abs() < 1e-9);
        for (a, row) in m.iter().enumerate() {
            for b in 0..3 {
                let v: f64 = row.iter().zip(&inv).map(|(x, inv_row)| x * inv_row[b]).sum();
                assert!((v - f64::from(u8::from(a == b))).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn two_colour_clusters_are_told_apart() {
        let mut samples = Vec::new();
        for i in 0..200 {
            let j = f64::from(i % 7);
            samples.push([200.0 + j, 30.0 + j, 20.0]);
            samples.push([20.0, 40.0 + j, 180.0 - j]);
        }
        let gmm = Gmm::fit(&samples, 2);
        assert_eq!(gmm.len(), 2);
        let red = gmm.best_component(&[203.0, 33.0, 20.0]);
        let blue = gmm.best_component(&[20.0, 43.0, 177.0]);
        assert_ne!(red, blue);
        // A colour from the model is far more likely than one from nowhere near it.
        assert!(
            gmm.neg_log_likelihood(&[203.0, 33.0, 20.0])
                < gmm.neg_log_likelihood(&[120.0, 220.0, 90.0]) - 10.0
        );
    }
}
