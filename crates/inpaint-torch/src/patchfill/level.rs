//! One pyramid level: its geometry, the nearest-neighbour field (NNF) search and patch voting.
//!
//! Everything is gathers and reductions on tensors, so the same code runs on CUDA and the CPU.
//! Voting is written as a gather (each hole pixel pulls from the patches covering it) rather
//! than a scatter-add, because scatter-add uses atomics on CUDA and would make results vary
//! from run to run.

use tch::{Device, Kind, Tensor};

use crate::rng::SplitMix64;

/// Candidates the exhaustive search re-scores exactly.
const SHORTLIST: i64 = 8;

/// Distance given to candidates whose source patch is not fully known.
const INVALID: f64 = 1e10;

/// Geometry and masks of one level.
pub(super) struct Level {
    pub h: i64,
    pub w: i64,
    /// Patch radius.
    r: i64,
    /// Width of the replicate-padded image.
    wp: i64,
    /// [H,W] bool: pixels to fill.
    pub hole: Tensor,
    /// [H*W] bool: centres of patches that lie inside the image and contain no hole pixel.
    valid: Tensor,
    /// [S] linear indices of `valid` centres.
    valid_idx: Tensor,
    /// [N] targets (patches that touch the hole): linear index, row, column.
    tgt_idx: Tensor,
    tgt_y: Tensor,
    tgt_x: Tensor,
    /// [M] hole pixels: linear index, row, column.
    hole_idx: Tensor,
    hole_y: Tensor,
    hole_x: Tensor,
    /// [R] known pixels next to the hole (8-neighbours), where the final blend needs the fill's
    /// own estimate to compare with the truth.
    ring_y: Tensor,
    ring_x: Tensor,
    /// [P] patch offsets: in padded linear space, and as rows / columns.
    off: Tensor,
    off_y: Tensor,
    off_x: Tensor,
    /// [Pd] a stride-2 subset of `off`, used by the PatchMatch distance: a quarter of the work
    /// for nearly the same ranking of candidates.
    sparse_off: Tensor,
    /// Channels per pixel (colour, then texture features).
    channels: i64,
    /// Elements one gather may produce; bounds memory on the CPU.
    chunk_elems: i64,
}

/// The NNF over the whole level: for every pixel, the centre of its source patch. Non-target
/// pixels map to themselves, which makes propagation from them harmless (such a candidate is
/// the target itself, and a target's own patch is never a valid source).
pub(super) struct Nnf {
    pub y: Tensor,
    pub x: Tensor,
    /// [N] patch distance of each target's current source.
    pub dist: Tensor,
}

impl Level {
    /// Builds the level's index sets. Returns `None` when no valid source patch exists.
    pub fn new(hole: Tensor, patch: i64, channels: i64, chunk_elems: i64) -> Option<Self> {
        let (h, w) = (hole.size()[0], hole.size()[1]);
        let r = patch / 2;
        let device = hole.device();
        if h < patch || w < patch {
            return None;
        }
        let hole_f = hole.to_kind(Kind::Float).view([1, 1, h, w]);
        let near_hole =
            hole_f.max_pool2d([patch, patch], [1, 1], [r, r], [1, 1], false).view([h, w]).gt(0.0);
        let interior = Tensor::zeros([h, w], (Kind::Bool, device));
        let _ = interior.narrow(0, r, h - 2 * r).narrow(1, r, w - 2 * r).fill_(1);
        let valid = interior.logical_and(&near_hole.logical_not()).view([-1]);
        let valid_idx = valid.nonzero().view([-1]);
        if valid_idx.size()[0] == 0 {
            return None;
        }
        let tgt_idx = near_hole.view([-1]).nonzero().view([-1]);
        let hole_idx = hole.view([-1]).nonzero().view([-1]);
        let ring_idx = hole_f
            .max_pool2d([3, 3], [1, 1], [1, 1], [1, 1], false)
            .view([h, w])
            .gt(0.0)
            .logical_and(&hole.logical_not())
            .view([-1])
            .nonzero()
            .view([-1]);
        let range = Tensor::arange_start(-r, r + 1, (Kind::Int64, device));
        let off_y = range.view([-1, 1]).expand([patch, patch], false).reshape([-1]);
        let off_x = range.view([1, -1]).expand([patch, patch], false).reshape([-1]);
        let wp = w + 2 * r;
        let off = &off_y * wp + &off_x;
        let sparse = Tensor::arange_start_step(-r, r + 1, 2, (Kind::Int64, device));
        let ps = sparse.size()[0];
        let sparse_off = (sparse.view([-1, 1]) * wp + sparse.view([1, -1])).reshape([ps * ps]);
        Some(Self {
            h,
            w,
            r,
            wp,
            tgt_y: tgt_idx.divide_scalar_mode(w, "floor"),
            tgt_x: tgt_idx.remainder(w),
            tgt_idx,
            hole_y: hole_idx.divide_scalar_mode(w, "floor"),
            hole_x: hole_idx.remainder(w),
            hole_idx,
            ring_y: ring_idx.divide_scalar_mode(w, "floor"),
            ring_x: ring_idx.remainder(w),
            hole,
            valid,
            valid_idx,
            off,
            off_y,
            off_x,
            sparse_off,
            channels,
            chunk_elems,
        })
    }

    /// Number of target patches.
    pub fn targets(&self) -> i64 {
        self.tgt_idx.size()[0]
    }

    /// Number of valid source patches.
    pub fn sources(&self) -> i64 {
        self.valid_idx.size()[0]
    }

    /// Patch length in values (P × 3).
    pub fn dims(&self) -> i64 {
        self.off.size()[0] * self.channels
    }

    fn device(&self) -> Device {
        self.hole.device()
    }

    /// The image [C,H,W] replicate-padded by the patch radius, as pixel rows [(H+2r)(W+2r), C],
    /// so that a patch is a set of row indices.
    fn padded(&self, img: &Tensor) -> Tensor {
        let r = self.r;
        img.unsqueeze(0)
            .pad([r, r, r, r], "replicate", None)
            .squeeze_dim(0)
            .permute([1, 2, 0])
            .reshape([-1, self.channels])
            .contiguous()
    }

    fn padded_index(&self, y: &Tensor, x: &Tensor) -> Tensor {
        (y + self.r) * self.wp + (x + self.r)
    }

    /// Rows per chunk so that one gather of `per_row` values stays near `chunk_elems`: large
    /// temporaries are slow to allocate on the CPU (fresh pages), tiny ones waste launches.
    fn rows_per_chunk(&self, per_row: i64, total: i64) -> i64 {
        (self.chunk_elems / per_row.max(1)).clamp(1, total.max(1))
    }

    /// Patch distances [N,K] between every target and its K candidate sources, over the sparse
    /// offsets.
    fn distances(&self, pad: &Tensor, cy: &Tensor, cx: &Tensor, offsets: &Tensor) -> Tensor {
        let (n, k) = (cy.size()[0], cy.size()[1]);
        let tidx = self.padded_index(&self.tgt_y, &self.tgt_x);
        let sidx = self.padded_index(cy, cx);
        let pd = offsets.size()[0];
        let ch = self.channels;
        let rows = self.rows_per_chunk(k * pd * ch, n);
        let mut parts = Vec::new();
        let mut start = 0;
        while start < n {
            let m = rows.min(n - start);
            let t = pad
                .index_select(
                    0,
                    &(tidx.narrow(0, start, m).view([m, 1]) + offsets.view([1, pd])).view([-1]),
                )
                .view([m, 1, pd, ch]);
            let s = pad
                .index_select(
                    0,
                    &(sidx.narrow(0, start, m).view([m, k, 1]) + offsets.view([1, 1, pd]))
                        .view([-1]),
                )
                .view([m, k, pd, ch]);
            parts.push((s - t).square().sum_dim_intlist([2i64, 3].as_slice(), false, Kind::Float));
            start += m;
        }
        let acc = Tensor::cat(&parts, 0);
        let ok = self.valid.index_select(0, &(cy * self.w + cx).view([-1])).view([n, k]);
        acc.masked_fill(&ok.logical_not(), INVALID)
    }

    /// Keeps, for every target, the best of the candidates; candidate 0 must be the current one.
    fn choose(&self, pad: &Tensor, nnf: &mut Nnf, cands: &[(Tensor, Tensor)]) {
        let r = self.r;
        let cy = Tensor::stack(&cands.iter().map(|c| &c.0).collect::<Vec<_>>(), 1)
            .clamp(r, self.h - 1 - r);
        let cx = Tensor::stack(&cands.iter().map(|c| &c.1).collect::<Vec<_>>(), 1)
            .clamp(r, self.w - 1 - r);
        let d = self.distances(pad, &cy, &cx, &self.sparse_off);
        let (best, arg) = d.min_dim(1, true);
        let _ = nnf.y.index_copy_(0, &self.tgt_idx, &cy.gather(1, &arg, false).view([-1]));
        let _ = nnf.x.index_copy_(0, &self.tgt_idx, &cx.gather(1, &arg, false).view([-1]));
        nnf.dist = best.view([-1]);
    }

    /// The identity field (every pixel its own source).
    pub fn identity(&self) -> Nnf {
        let idx = Tensor::arange(self.h * self.w, (Kind::Int64, self.device()));
        Nnf {
            y: idx.divide_scalar_mode(self.w, "floor"),
            x: idx.remainder(self.w),
            dist: Tensor::zeros([self.targets()], (Kind::Float, self.device())),
        }
    }

    /// Exhaustive search: every target against every valid source, as one matrix product per
    /// chunk (‖t‖² − 2t·s + ‖s‖²). Used where targets × sources is small.
    pub fn exhaustive(&self, img: &Tensor) -> Nnf {
        let pad = self.padded(img);
        let (n, s, dims) = (self.targets(), self.sources(), self.dims());
        let p = self.off.size()[0];
        let vy = self.valid_idx.divide_scalar_mode(self.w, "floor");
        let vx = self.valid_idx.remainder(self.w);
        let sidx = self.padded_index(&vy, &vx);
        let src = pad
            .index_select(0, &(sidx.view([s, 1]) + self.off.view([1, p])).view([-1]))
            .view([s, dims]);
        let tidx = self.padded_index(&self.tgt_y, &self.tgt_x);
        let tgt = pad
            .index_select(0, &(tidx.view([n, 1]) + self.off.view([1, p])).view([-1]))
            .view([n, dims]);
        let s2 = src.square().sum_dim_intlist([1i64].as_slice(), false, Kind::Float).view([1, s]);
        let src_t = src.tr();
        let rows = (self.chunk_elems / s.max(1)).clamp(1, n);
        // The matrix product ranks sources only up to rounding, and GPU GEMM rounding may vary
        // from run to run. Keep a short list and pick from it with exact gathered distances, so
        // the choice (and the output) is the same on every run.
        let shortlist = SHORTLIST.min(s);
        let mut best_i = Vec::new();
        let mut start = 0;
        while start < n {
            let m = rows.min(n - start);
            let t = tgt.narrow(0, start, m);
            let t2 = t.square().sum_dim_intlist([1i64].as_slice(), true, Kind::Float);
            let d = t2 - t.matmul(&src_t) * 2.0 + &s2;
            best_i.push(d.topk(shortlist, 1, false, true).1);
            start += m;
        }
        let arg = Tensor::cat(&best_i, 0);
        let (cy, cx) = (
            vy.index_select(0, &arg.view([-1])).view([n, shortlist]),
            vx.index_select(0, &arg.view([-1])).view([n, shortlist]),
        );
        let exact = self.distances(&pad, &cy, &cx, &self.off);
        let (best, pick) = exact.min_dim(1, true);
        let mut nnf = self.identity();
        let _ = nnf.y.index_copy_(0, &self.tgt_idx, &cy.gather(1, &pick, false).view([-1]));
        let _ = nnf.x.index_copy_(0, &self.tgt_idx, &cx.gather(1, &pick, false).view([-1]));
        nnf.dist = best.view([-1]);
        nnf
    }

    /// Drops source patches whose mean colour is far from every colour around the hole, so a
    /// dark jacket is never filled from a red and white flag elsewhere in the photo, however
    /// well its texture matches. The closest 5 % of sources are always kept, so a hole whose
    /// surroundings are unlike the rest of the photo still has sources.
    pub fn restrict_sources(&mut self, img: &Tensor, tolerance: f64) {
        let (p, r) = (2 * self.r + 1, self.r);
        let known = self.hole.logical_not().to_kind(Kind::Float).view([1, 1, self.h, self.w]);
        let colour = img.narrow(0, 0, 3).unsqueeze(0) * &known;
        let pool = |t: &Tensor| t.avg_pool2d([p, p], [1, 1], [r, r], false, false, None);
        let means = (pool(&colour) / pool(&known).clamp_min(1e-6)).view([3, -1]);
        let reach = 2 * p;
        let hole_f = self.hole.to_kind(Kind::Float).view([1, 1, self.h, self.w]);
        let near = hole_f
            .max_pool2d([2 * reach + 1, 2 * reach + 1], [1, 1], [reach, reach], [1, 1], false)
            .view([-1])
            .gt(0.0)
            .logical_and(&self.hole.logical_not().view([-1]));
        let around = near.nonzero().view([-1]);
        let n = around.size()[0];
        if n == 0 {
            return;
        }
        // A few hundred samples describe the surroundings' palette; all of them would make the
        // distance matrix needlessly large on big holes.
        let step = (n + 255) / 256;
        let palette = means.index_select(1, &around.slice(0, 0, n, step)).tr().contiguous();
        let sources = means.index_select(1, &self.valid_idx).tr().contiguous();
        let s = sources.size()[0];
        let rows = self.rows_per_chunk(palette.size()[0], s);
        let mut nearest = Vec::new();
        let mut start = 0;
        while start < s {
            let m = rows.min(s - start);
            let d = Tensor::cdist(&sources.narrow(0, start, m), &palette, 2.0, None::<i64>);
            nearest.push(d.amin([1i64].as_slice(), false));
            start += m;
        }
        let nearest = Tensor::cat(&nearest, 0);
        let k = (s / 20).max(1);
        let closest_k = nearest.kthvalue(k, 0, false).0.double_value(&[]);
        let keep = nearest.le(tolerance.max(closest_k));
        let dropped = self.valid_idx.masked_select(&keep.logical_not());
        let _ = self.valid.index_fill_(0, &dropped, 0);
        self.valid_idx = self.valid_idx.masked_select(&keep);
    }

    /// One Jacobi-style PatchMatch pass: propagation from the four neighbours at distance 1 and
    /// at `jump` (jump-flooding spreads good matches fast without a sequential scan), two random
    /// samples around the current match, and one uniformly random valid source.
    pub fn patchmatch(
        &self,
        img: &Tensor,
        nnf: &mut Nnf,
        jump: i64,
        radius: f64,
        rng: &mut SplitMix64,
    ) {
        let pad = self.padded(img);
        let n = self.targets();
        let cur_y = nnf.y.index_select(0, &self.tgt_idx);
        let cur_x = nnf.x.index_select(0, &self.tgt_idx);
        let mut cands = vec![(cur_y.shallow_clone(), cur_x.shallow_clone())];
        for d in [1, jump] {
            for (dy, dx) in [(0, d), (0, -d), (d, 0), (-d, 0)] {
                let ny = (&self.tgt_y - dy).clamp(0, self.h - 1);
                let nx = (&self.tgt_x - dx).clamp(0, self.w - 1);
                let lin = &ny * self.w + &nx;
                // The neighbour's source, shifted back by the same step.
                let sy = nnf.y.index_select(0, &lin) + (&self.tgt_y - &ny);
                let sx = nnf.x.index_select(0, &lin) + (&self.tgt_x - &nx);
                cands.push((sy, sx));
            }
        }
        let n_us = usize::try_from(n).unwrap_or(0);
        let u = Tensor::from_slice(&rng.symmetric(4 * n_us)).to_device(self.device()).view([4, n]);
        for (i, rad) in [radius, (radius / 8.0).max(2.0)].into_iter().enumerate() {
            let i = i64::try_from(i).unwrap_or(0);
            let dy = (u.get(2 * i) * rad).round().to_kind(Kind::Int64);
            let dx = (u.get(2 * i + 1) * rad).round().to_kind(Kind::Int64);
            cands.push((&cur_y + dy, &cur_x + dx));
        }
        let s = u64::try_from(self.sources()).unwrap_or(1);
        let pick = Tensor::from_slice(&rng.below(n_us, s)).to_device(self.device());
        let g = self.valid_idx.index_select(0, &pick);
        cands.push((g.divide_scalar_mode(self.w, "floor"), g.remainder(self.w)));
        self.choose(&pad, nnf, &cands);
    }

    /// Patch voting: every hole pixel becomes the weighted mean of what the patches covering it
    /// propose, weighted by exp(−d / 2σ²) with σ² the median patch distance. Known pixels stay.
    pub fn vote(&self, img: &Tensor, nnf: &Nnf) -> Tensor {
        let fill = self.vote_at(img, nnf, &self.hole_y, &self.hole_x, 1.0);
        self.with_hole(img, &fill)
    }

    /// The weighted-mean vote [M,C] at the pixels (ys, xs). Only target patches vote, so a known
    /// pixel next to the hole gets the fill's estimate of it, not its own value. `sharpness`
    /// divides σ²: above 1 the best-matching patches dominate (annealing), which keeps texture
    /// that an even average would blur.
    fn vote_at(&self, img: &Tensor, nnf: &Nnf, ys: &Tensor, xs: &Tensor, sharpness: f64) -> Tensor {
        let pad = self.padded(img);
        let m = ys.size()[0];
        let d = nnf.dist.clamp_max(INVALID / 10.0);
        let sigma2 = (d.median().double_value(&[]) / sharpness).max(1e-6);
        let wt = (nnf.dist.neg() / (2.0 * sigma2)).clamp_min(-50.0).exp();
        let mut wmap = Tensor::zeros([self.h * self.w], (Kind::Float, self.device()));
        let _ = wmap.index_copy_(0, &self.tgt_idx, &wt);
        let p = self.off.size()[0];
        let (oy, ox) = (self.off_y.view([1, p]), self.off_x.view([1, p]));
        let ch = self.channels;
        let rows = self.rows_per_chunk(p * ch, m);
        let mut parts = Vec::new();
        let mut start = 0;
        while start < m {
            let c = rows.min(m - start);
            // The patch centred at t = h − o covers h at its offset o.
            let ty = ys.narrow(0, start, c).view([c, 1]) - &oy;
            let tx = xs.narrow(0, start, c).view([c, 1]) - &ox;
            let inside = ty
                .ge(0)
                .logical_and(&ty.lt(self.h))
                .logical_and(&tx.ge(0))
                .logical_and(&tx.lt(self.w));
            let tlin = (ty.clamp(0, self.h - 1) * self.w + tx.clamp(0, self.w - 1)).view([-1]);
            let wq = wmap.index_select(0, &tlin).view([c, p]) * inside.to_kind(Kind::Float);
            let sy = nnf.y.index_select(0, &tlin).view([c, p]) + &oy;
            let sx = nnf.x.index_select(0, &tlin).view([c, p]) + &ox;
            let val = pad.index_select(0, &self.padded_index(&sy, &sx).view([-1])).view([c, p, ch]);
            let acc =
                (val * wq.unsqueeze(2)).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
            let wsum = wq.sum_dim_intlist([1i64].as_slice(), true, Kind::Float);
            parts.push(acc / wsum.clamp_min(1e-30));
            start += c;
        }
        Tensor::cat(&parts, 0)
    }

    /// Copies each hole pixel from the centre of its source patch: no averaging, so the texture
    /// keeps its full contrast.
    pub fn copy_centres(&self, img: &Tensor, nnf: &Nnf) -> Tensor {
        let fill = self.centres_at(img, nnf, &self.hole_y, &self.hole_x);
        self.with_hole(img, &fill)
    }

    fn centres_at(&self, img: &Tensor, nnf: &Nnf, ys: &Tensor, xs: &Tensor) -> Tensor {
        let lin = ys * self.w + xs;
        let src = nnf.y.index_select(0, &lin) * self.w + nnf.x.index_select(0, &lin);
        img.view([self.channels, -1]).index_select(1, &src).tr()
    }

    /// The final estimate before blending: hole and ring pixels hold the fill's prediction
    /// (`best_patch`: copied from matched centres; otherwise the vote with `sharpness`).
    pub fn predict(&self, img: &Tensor, nnf: &Nnf, best_patch: bool, sharpness: f64) -> Tensor {
        let at = |ys: &Tensor, xs: &Tensor| {
            if best_patch {
                self.centres_at(img, nnf, ys, xs)
            } else {
                self.vote_at(img, nnf, ys, xs, sharpness)
            }
        };
        let ring = at(&self.ring_y, &self.ring_x);
        let ring_lin = &self.ring_y * self.w + &self.ring_x;
        let with_ring = img.view([self.channels, -1]).index_copy(1, &ring_lin, &ring.tr());
        let fill = at(&self.hole_y, &self.hole_x);
        with_ring.index_copy(1, &self.hole_idx, &fill.tr()).view([self.channels, self.h, self.w])
    }

    /// `img` with its hole pixels replaced by `fill` [M,C].
    fn with_hole(&self, img: &Tensor, fill: &Tensor) -> Tensor {
        img.view([self.channels, -1]).index_copy(1, &self.hole_idx, &fill.tr()).view([
            self.channels,
            self.h,
            self.w,
        ])
    }

    /// Fills the hole by repeatedly averaging known neighbours inwards (onion peel); the start
    /// point at the coarsest level.
    pub fn onion_fill(&self, img: &Tensor) -> Tensor {
        let (h, w) = (self.h, self.w);
        let mut known = self.hole.logical_not().to_kind(Kind::Float).view([1, 1, h, w]);
        let mut cur = img.view([1, self.channels, h, w]) * &known;
        // Each pass fills at least the ring next to the known area, so h + w passes always end.
        for _ in 0..(h + w) {
            if known.min().double_value(&[]) > 0.5 {
                break;
            }
            let num = (&cur * &known).avg_pool2d([3, 3], [1, 1], [1, 1], false, true, None);
            let den = known.avg_pool2d([3, 3], [1, 1], [1, 1], false, true, None);
            let grow = den.gt(0.0).logical_and(&known.lt(0.5));
            cur = cur.where_self(&grow.logical_not(), &(num / den.clamp_min(1e-12)));
            known = known.maximum(&grow.to_kind(Kind::Float));
        }
        cur.view([self.channels, h, w])
    }

    /// Maps a coarser level's NNF onto this level: a source at (y, x) there covers
    /// (2y, 2x)…(2y+1, 2x+1) here, and each pixel keeps its position within that 2×2 block.
    pub fn upsample_nnf(&self, coarse: &Level, cnnf: &Nnf) -> Nnf {
        let mut nnf = self.identity();
        let cy = self.tgt_y.divide_scalar_mode(2, "floor").clamp_max(coarse.h - 1);
        let cx = self.tgt_x.divide_scalar_mode(2, "floor").clamp_max(coarse.w - 1);
        let lin = &cy * coarse.w + &cx;
        let sy = cnnf.y.index_select(0, &lin) * 2 + self.tgt_y.remainder(2);
        let sx = cnnf.x.index_select(0, &lin) * 2 + self.tgt_x.remainder(2);
        let _ = nnf.y.index_copy_(0, &self.tgt_idx, &sy.clamp(self.r, self.h - 1 - self.r));
        let _ = nnf.x.index_copy_(0, &self.tgt_idx, &sx.clamp(self.r, self.w - 1 - self.r));
        nnf
    }
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    use super::Level;

    /// A dark navy "jacket" on the left with a hole in it, a red and white "flag" on the right.
    fn jacket_and_flag() -> (Tensor, Tensor) {
        let (h, w) = (60i64, 120i64);
        let img = Tensor::zeros([5, h, w], (Kind::Float, Device::Cpu));
        for (c, v) in [(0, 0.10), (1, 0.12), (2, 0.25)] {
            let _ = img.get(c).narrow(1, 0, 70).fill_(v);
        }
        for stripe in 0..6 {
            let rgb = if stripe % 2 == 0 { [0.8, 0.1, 0.1] } else { [0.95, 0.95, 0.95] };
            for (c, v) in rgb.into_iter().enumerate() {
                let _ = img.get(c as i64).narrow(0, stripe * 10, 10).narrow(1, 70, 50).fill_(v);
            }
        }
        let hole = Tensor::zeros([h, w], (Kind::Bool, Device::Cpu));
        let _ = hole.narrow(0, 22, 16).narrow(1, 25, 16).fill_(1);
        (img, hole)
    }

    #[test]
    fn sources_unlike_every_colour_around_the_hole_are_dropped() {
        let (img, hole) = jacket_and_flag();
        let mut level = Level::new(hole, 7, 5, 1 << 19).unwrap();
        let before = level.sources();
        level.restrict_sources(&img, 0.12);
        let xs = level.valid_idx.remainder(level.w);
        assert!(level.sources() > 0 && level.sources() < before);
        // A patch mostly of jacket with an edge of flag is close enough; one centred on the flag
        // (x >= 70) is not.
        assert!(xs.max().int64_value(&[]) < 70, "a flag patch survived");
        assert!(xs.min().int64_value(&[]) <= 3, "jacket patches were dropped");
        let valid = level.valid.view([level.h, level.w]).to_kind(Kind::Int64);
        assert_eq!(valid.sum(Kind::Int64).int64_value(&[]), level.sources());
    }

    #[test]
    fn a_hole_unlike_the_whole_photo_keeps_its_closest_sources() {
        let (img, hole) = jacket_and_flag();
        // Paint everything around the hole green: no source is within the tolerance.
        let around = img.narrow(2, 15, 30).narrow(1, 15, 30);
        let _ = around.get(0).fill_(0.1);
        let _ = around.get(1).fill_(0.9);
        let _ = around.get(2).fill_(0.1);
        let hole = hole.logical_and(&Tensor::ones_like(&hole));
        let mut level = Level::new(hole, 7, 5, 1 << 19).unwrap();
        let before = level.sources();
        level.restrict_sources(&img, 0.12);
        assert!(level.sources() >= before / 20, "{} of {before}", level.sources());
    }
}
