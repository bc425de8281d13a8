//! `patchfill`: weight-free, multi-scale exemplar inpainting (Wexler et al. 2007 style EM over a
//! PatchMatch nearest-neighbour field), written with libtorch tensor ops so the same code runs
//! on CUDA and the CPU.
//!
//! Coarse to fine: the pyramid stops when the hole is about a patch wide, where an exhaustive
//! matrix-product search finds the best source patch for every target from an onion-peel start.
//! Each finer level starts from the upsampled field and refines it with vectorised PatchMatch
//! (propagation + random search), alternating search and weighted voting. Sources whose colour
//! appears nowhere around the hole are never used, and the last vote is blended into the hole's
//! edge in the gradient domain, so the fill meets its surroundings without a seam.

mod blend;
mod guide;
mod level;

use image::{GrayImage, RgbImage};
use tch::{Device, Kind, Tensor};

use crate::convert::{mask_to_tensor, rgb_to_tensor, tensor_to_rgb};
use crate::rng::SplitMix64;
use inpaint::mask::validate;
use inpaint::{InpaintError, InpaintOptions, Inpainter};
use level::{Level, Nnf};

/// Tuning knobs of [`PatchFill`]; the defaults are what the quality tests and benchmarks use.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchFillParams {
    /// Patch side in pixels (odd, at least 3).
    pub patch_size: i64,
    /// Search-and-vote iterations at the coarsest level.
    pub coarsest_iters: usize,
    /// Search-and-vote iterations at intermediate levels.
    pub level_iters: usize,
    /// Search-and-vote iterations at full resolution.
    pub finest_iters: usize,
    /// PatchMatch passes per search.
    pub patchmatch_passes: usize,
    /// Largest targets × sources × patch-values for which the exact (matrix product) search is
    /// used instead of PatchMatch.
    pub exhaustive_budget: f64,
    /// Weight of the texture features (local mean absolute gradient) against colour in the
    /// patch distance. They keep a smooth coarse estimate from matching smooth sources only.
    pub texture_weight: f64,
    /// Largest distance (RGB, 0..1) between a source patch's mean colour and the nearest colour
    /// around the hole for the patch to be used at all; `f64::INFINITY` keeps every source.
    pub colour_tolerance: f64,
    /// The last reconstruction copies each pixel from its best patch's centre (full-contrast
    /// texture) instead of the weighted vote (smoother, closer on average).
    pub best_patch_final: bool,
    /// How much sharper the last vote's weights are than the others' (σ² divided by this): the
    /// annealing that keeps the texture's grain while still averaging out mismatched patches.
    pub final_sharpness: f64,
    /// Blend the fill into the hole's edge in the gradient domain (no colour seam).
    pub poisson_blend: bool,
    /// Weight of the region guide (see `guide.rs`): the hole's surroundings split into colour
    /// regions, extended into the hole, and matched as extra channels, so patches come from
    /// sources with the same region layout. One pixel in the wrong region costs 2·weight² in
    /// the patch distance; 0 turns the guide off.
    pub region_guide_weight: f64,
}

impl Default for PatchFillParams {
    /// Tuned on `scripts/compare-inpaint.py`'s 18 cases against PatchMatch (see the README).
    fn default() -> Self {
        Self {
            patch_size: 9,
            coarsest_iters: 6,
            level_iters: 4,
            finest_iters: 2,
            patchmatch_passes: 2,
            exhaustive_budget: 2.5e9,
            texture_weight: 3.0,
            colour_tolerance: 0.12,
            best_patch_final: false,
            final_sharpness: 16.0,
            poisson_blend: true,
            region_guide_weight: 1.0,
        }
    }
}

/// The default backend: exemplar-based patch inpainting, no weights needed.
#[derive(Debug, Clone)]
pub struct PatchFill {
    device: Device,
    params: PatchFillParams,
}

impl PatchFill {
    /// A patchfill backend on `device` with default parameters.
    pub fn new(device: Device) -> Self {
        let mut params = PatchFillParams::default();
        if device.is_cuda() {
            // A GPU does a far larger matrix product in the time the CPU does the default, and
            // the exact search is better than PatchMatch wherever it is affordable.
            params.exhaustive_budget = 5e10;
        }
        Self::with_params(device, params)
    }

    /// A patchfill backend with explicit parameters (the patch size is forced odd and ≥ 3).
    pub fn with_params(device: Device, mut params: PatchFillParams) -> Self {
        params.patch_size = (params.patch_size.max(3) / 2) * 2 + 1;
        Self { device, params }
    }

    /// The device this backend computes on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Fills `hole` ([H,W] bool) in `img` ([3,H,W], 0..1); returns the filled [3,H,W].
    fn fill(&self, img: &Tensor, hole: &Tensor, seed: u64) -> Result<Tensor, InpaintError> {
        let patch = self.params.patch_size;
        let chunk = if self.device.is_cuda() { 1 << 27 } else { 1 << 19 };
        // Pixels under the mask are what the user wants gone: never let them leak into the fill.
        let img = img * hole.logical_not().to_kind(Kind::Float);
        let guide = if self.params.region_guide_weight > 0.0 {
            guide::region_guide(&img, hole, patch, self.params.region_guide_weight)
        } else {
            None
        };
        let channels = GUIDE_FROM + guide.as_ref().map_or(0, |g| g.size()[0]);
        let finest = Level::new(hole.shallow_clone(), patch, channels, chunk)
            .ok_or(InpaintError::NoContext { patch })?;
        let feats = texture_features(&img, hole, self.params.texture_weight);
        let mut parts = vec![img, feats];
        parts.extend(guide.as_ref().map(Tensor::shallow_clone));
        let img = Tensor::cat(&parts, 0);
        let known = img.narrow(0, 0, 3);
        let mut levels = vec![(img, finest)];
        let mut guides = vec![guide];
        while let Some((img, level)) = levels.last() {
            // Stop when the hole is about a patch wide, so the coarsest level sees whole
            // structures around it, or when halving again would leave too little image to hold
            // source patches. Width, not extent, decides: a long thin stroke is filled well at
            // full resolution, and halving it away would throw its surroundings' detail out.
            if 2 * hole_radius(&level.hole) <= patch || level.h.min(level.w) / 2 < 4 * patch {
                break;
            }
            let (cimg, chole) = downsample(img, &level.hole);
            match Level::new(chole, patch, channels, chunk) {
                Some(coarse) => {
                    let coarse_guide = guides.last().and_then(Option::as_ref).map(|g| {
                        g.unsqueeze(0)
                            .avg_pool2d([2, 2], [2, 2], [0, 0], true, false, None)
                            .squeeze_dim(0)
                    });
                    levels.push((impose(cimg, coarse_guide.as_ref()), coarse));
                    guides.push(coarse_guide);
                }
                None => break,
            }
        }
        if self.params.colour_tolerance.is_finite() {
            for (img, level) in &mut levels {
                level.restrict_sources(img, self.params.colour_tolerance);
            }
        }
        tracing::debug!(
            levels = levels.len(),
            targets = levels.first().map(|l| l.1.targets()),
            sources = levels.first().map(|l| l.1.sources()),
            "patchfill pyramid"
        );

        // The guide decides structure at the coarser levels. At full resolution the field
        // starts from theirs and colour alone picks the detail: the guide's pixel-sharp region
        // borders there would only trade texture for blur (measured: 12 of 18 PSNR wins against
        // PatchMatch without it at this level, 11 with it).
        if let (true, Some(g)) = (levels.len() > 1, guides[0].as_ref()) {
            let _ = levels[0].0.narrow(0, GUIDE_FROM, g.size()[0]).zero_();
            guides[0] = Some(g.zeros_like());
        }
        let coarsest = levels.len() - 1;
        let mut state: Option<(Tensor, Nnf)> = None;
        for (li, (orig, level)) in levels.iter().enumerate().rev() {
            let level_started = std::time::Instant::now();
            let guide = guides[li].as_ref();
            let (mut img, mut nnf) = match state.take() {
                None => (impose(level.onion_fill(orig), guide), level.identity()),
                Some((cimg, cnnf)) => {
                    // Start from the upsampled field voted at this resolution, so the hole gets
                    // this level's texture at once; an interpolated (smooth) start would pull
                    // the search towards the smoothest source patches.
                    let up = cimg
                        .unsqueeze(0)
                        .upsample_bilinear2d([level.h, level.w], false, None, None)
                        .squeeze_dim(0);
                    let img = impose(orig.where_self(&level.hole.logical_not(), &up), guide);
                    let nnf = level.upsample_nnf(&levels[li + 1].1, &cnnf);
                    (impose(level.vote(&img, &nnf), guide), nnf)
                }
            };
            let iters = match li {
                0 => self.params.finest_iters,
                l if l == coarsest => self.params.coarsest_iters,
                _ => self.params.level_iters,
            };
            let exhaustive =
                (level.targets() as f64) * (level.sources() as f64) * (level.dims() as f64)
                    <= self.params.exhaustive_budget;
            for it in 0..iters.max(1) {
                if exhaustive {
                    nnf = level.exhaustive(&img);
                } else {
                    let stream = (li as u64) << 32 | it as u64;
                    let mut rng = SplitMix64::new(seed, stream);
                    for pass in 0..self.params.patchmatch_passes.max(1) {
                        let jump = [8, 4, 2][(it + pass) % 3];
                        let radius = (level.h.max(level.w) as f64
                            / f64::from(2u32.pow((it + pass).min(16) as u32 + 1)))
                        .max(4.0);
                        level.patchmatch(&img, &mut nnf, jump, radius, &mut rng);
                    }
                }
                img = if li == 0 && it + 1 == iters.max(1) {
                    self.finish(&known, level, &img, &nnf)
                } else {
                    impose(level.vote(&img, &nnf), guide)
                };
            }
            tracing::debug!(
                level = li,
                height = level.h,
                width = level.w,
                targets = level.targets(),
                sources = level.sources(),
                exhaustive,
                elapsed_ms = level_started.elapsed().as_secs_f64() * 1e3,
                "patchfill level done"
            );
            state = Some((img, nnf));
        }
        state.map(|(img, _)| img.narrow(0, 0, 3)).ok_or(InpaintError::NoContext { patch })
    }
}

impl PatchFill {
    /// The last reconstruction at full resolution, blended into the hole's edge when enabled.
    fn finish(&self, known: &Tensor, level: &Level, img: &Tensor, nnf: &Nnf) -> Tensor {
        if !self.params.poisson_blend {
            return if self.params.best_patch_final {
                level.copy_centres(img, nnf)
            } else {
                level.vote(img, nnf)
            };
        }
        let pred = level
            .predict(img, nnf, self.params.best_patch_final, self.params.final_sharpness)
            .narrow(0, 0, 3);
        blend::poisson_blend(known, &pred, &level.hole)
    }
}

impl Inpainter for PatchFill {
    fn name(&self) -> &str {
        "patchfill"
    }

    fn inpaint(
        &self,
        image: &RgbImage,
        mask: &GrayImage,
        opts: &InpaintOptions,
    ) -> Result<RgbImage, InpaintError> {
        let to_fill = validate(image, mask)?;
        let patch = self.params.patch_size;
        if to_fill == mask.as_raw().len() {
            return Err(InpaintError::NoContext { patch });
        }
        // tch's infallible ops panic when libtorch throws (CUDA out of memory, a driver error);
        // a worker thread must get an error back instead of unwinding.
        let filled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tch::no_grad(|| {
                let img = rgb_to_tensor(image, self.device);
                let hole = mask_to_tensor(mask, self.device);
                self.fill(&img, &hole, opts.seed).and_then(|t| tensor_to_rgb(&t))
            })
        }))
        .map_err(|panic| InpaintError::Backend {
            backend: "patchfill",
            message: panic_message(panic.as_ref()),
        })??;
        Ok(keep_known(image, &filled, mask))
    }
}

/// The text of a caught panic (tch panics with the libtorch error as a `String`).
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// `filled` inside the mask, `image`'s own bytes everywhere else.
pub(crate) fn keep_known(image: &RgbImage, filled: &RgbImage, mask: &GrayImage) -> RgbImage {
    let mut out = image.clone();
    for ((o, f), m) in out.pixels_mut().zip(filled.pixels()).zip(mask.pixels()) {
        if m[0] > 127 {
            *o = *f;
        }
    }
    out
}

/// Channels before the region guide's: colour (3) and texture features (2).
const GUIDE_FROM: i64 = 5;

/// Restores the region guide's channels of `img`, which a vote or an upsampling blurred; the
/// guide is an input, not something the fill estimates.
fn impose(img: Tensor, guide: Option<&Tensor>) -> Tensor {
    if let Some(g) = guide {
        img.narrow(0, GUIDE_FROM, g.size()[0]).copy_(g);
    }
    img
}

/// How many pixels the hole reaches from its nearest known pixel (Chebyshev): the number of 3×3
/// erosions that empty it. Pixels beyond the image border count as hole, not as known.
fn hole_radius(hole: &Tensor) -> i64 {
    let (h, w) = (hole.size()[0], hole.size()[1]);
    let mut left = hole.to_kind(Kind::Float).view([1, 1, h, w]);
    let mut radius = 0;
    while radius < h.max(w) && left.max().double_value(&[]) > 0.0 {
        left = left.neg().max_pool2d([3, 3], [1, 1], [1, 1], [1, 1], false).neg();
        radius += 1;
    }
    radius
}

/// Halves the image, averaging known pixels only; a coarse pixel is a hole pixel if any of the
/// four beneath it is, so coarse sources never contain masked content.
fn downsample(img: &Tensor, hole: &Tensor) -> (Tensor, Tensor) {
    let known = hole.logical_not().to_kind(Kind::Float).unsqueeze(0).unsqueeze(0);
    let num = (img.unsqueeze(0) * &known).avg_pool2d([2, 2], [2, 2], [0, 0], true, false, None);
    let den = known.avg_pool2d([2, 2], [2, 2], [0, 0], true, false, None);
    let chole = den.lt(0.999).squeeze_dim(0).squeeze_dim(0);
    let cimg =
        (num / den.clamp_min(1e-6)).squeeze_dim(0) * chole.logical_not().to_kind(Kind::Float);
    (cimg, chole)
}

/// Texture features after Newson et al. (2014): the mean absolute luminance gradient in x and in
/// y over a 5×5 window, from known pixel pairs only, scaled by `weight`. Downsampled with the
/// colour, they tell a coarse level how textured each area is at full resolution, so a smooth
/// coarse estimate of grass still looks for grass rather than for the smoothest patch around.
fn texture_features(img: &Tensor, hole: &Tensor, weight: f64) -> Tensor {
    let (h, w) = (hole.size()[0], hole.size()[1]);
    let known = hole.logical_not().to_kind(Kind::Float);
    let gray = img.mean_dim([0i64].as_slice(), false, Kind::Float);
    let vx = known.narrow(1, 1, w - 1) * known.narrow(1, 0, w - 1);
    let gx = (gray.narrow(1, 1, w - 1) - gray.narrow(1, 0, w - 1)).abs() * &vx;
    let vy = known.narrow(0, 1, h - 1) * known.narrow(0, 0, h - 1);
    let gy = (gray.narrow(0, 1, h - 1) - gray.narrow(0, 0, h - 1)).abs() * &vy;
    let right = |t: Tensor| t.pad([0, 1], "constant", 0.0);
    let below = |t: Tensor| t.pad([0, 0, 0, 1], "constant", 0.0);
    let stack = Tensor::stack(&[right(gx), below(gy), right(vx), below(vy)], 0).unsqueeze(0);
    let pooled = stack.avg_pool2d([5, 5], [1, 1], [2, 2], false, true, None).squeeze_dim(0);
    let fx = pooled.get(0) / pooled.get(2).clamp_min(1e-6);
    let fy = pooled.get(1) / pooled.get(3).clamp_min(1e-6);
    Tensor::stack(&[fx, fy], 0) * known * weight
}
