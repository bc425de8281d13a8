//! GrabCut (Rother, Kolmogorov and Blake, SIGGRAPH 2004): the object inside a box the user drew.
//!
//! Everything outside the box is background. Inside, colour models for the object and the
//! background (Gaussian mixtures) and a minimum graph cut on the 8-connected pixel grid, whose
//! links are cheap to cut across a colour edge, alternate until the labels settle.

use image::{GrayImage, Luma, RgbImage};

use super::SelectError;
use super::gmm::Gmm;
use super::maxflow::Graph;
use crate::Window;

/// Components per colour model (the paper's choice).
const COMPONENTS: usize = 5;
/// Weight of the smoothness term against the colour term (the paper's γ).
const GAMMA: f64 = 50.0;
/// Cost of a link that must not be cut: above any pixel's total smoothness weight (8 γ).
const HARD: f64 = 9.0 * GAMMA;
/// Pixels each colour model is fitted to at most; an even sample of a larger set fits the same
/// mixture, and fitting the whole background of a photo would cost more than the cut.
const MAX_SAMPLES: usize = 20_000;

/// Options for [`grab_cut`].
#[derive(Debug, Clone, Copy)]
pub struct GrabCut<'a> {
    /// Rounds of model fitting and cutting; it usually settles in 3 to 5.
    pub iterations: usize,
    /// Pixels (> 127) that are background whatever their colour, e.g. strokes the user painted.
    pub sure_background: Option<&'a GrayImage>,
    /// Pixels (> 127) inside the box that are the object whatever their colour.
    pub sure_foreground: Option<&'a GrayImage>,
}

impl Default for GrabCut<'_> {
    fn default() -> Self {
        Self { iterations: 5, sure_background: None, sure_foreground: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    SureBackground,
    Background,
    Foreground,
    SureForeground,
}

impl Label {
    fn is_foreground(self) -> bool {
        matches!(self, Label::Foreground | Label::SureForeground)
    }
}

/// The object inside `rect`: 255 where selected, 0 elsewhere (always 0 outside the box).
pub fn grab_cut(
    image: &RgbImage,
    rect: Window,
    opts: &GrabCut<'_>,
) -> Result<GrayImage, SelectError> {
    let (w, h) = image.dimensions();
    super::check_box(rect, w, h)?;
    if rect.width == w && rect.height == h && opts.sure_background.is_none() {
        return Err(SelectError::Invalid(
            "the box covers the whole image; leave some background outside it".into(),
        ));
    }
    for hint in [opts.sure_background, opts.sure_foreground].into_iter().flatten() {
        if hint.dimensions() != (w, h) {
            return Err(SelectError::Invalid("a hint mask must have the image's size".into()));
        }
    }
    let colours: Vec<[f64; 3]> = image.pixels().map(|p| p.0.map(f64::from)).collect();
    let mut labels = initial_labels(rect, w, h, opts);
    // Only the box (and a 1 px ring of fixed background, which anchors its border) can change,
    // so the graph covers just that window.
    let win = rect.expand(1, w, h);
    let links = Links::new(&colours, w, win);
    let mut models: Option<(Gmm, Gmm)> = None;
    for round in 0..opts.iterations.max(1) {
        // A cut may leave nothing selected (the strokes ruled it all out): that is the answer.
        if round > 0 && !labels.iter().any(|l| l.is_foreground()) {
            break;
        }
        let (fg, bg) = fit_models(&colours, &labels, models.as_ref())?;
        let changed = cut(&colours, &mut labels, w, win, &links, &fg, &bg);
        models = Some((fg, bg));
        if changed == 0 {
            break;
        }
    }
    Ok(GrayImage::from_fn(w, h, |x, y| {
        Luma([if labels[(y * w + x) as usize].is_foreground() { 255 } else { 0 }])
    }))
}

fn initial_labels(rect: Window, w: u32, h: u32, opts: &GrabCut<'_>) -> Vec<Label> {
    let hinted =
        |m: Option<&GrayImage>, x: u32, y: u32| m.is_some_and(|m| m.get_pixel(x, y)[0] > 127);
    let mut labels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let inside =
                x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
            labels.push(if !inside || hinted(opts.sure_background, x, y) {
                Label::SureBackground
            } else if hinted(opts.sure_foreground, x, y) {
                Label::SureForeground
            } else {
                Label::Foreground
            });
        }
    }
    labels
}

/// Fits both colour models to the current labels. The first round starts from k-means; later
/// rounds give each pixel to its most likely component of the previous model and refit, as in
/// the paper.
fn fit_models(
    colours: &[[f64; 3]],
    labels: &[Label],
    previous: Option<&(Gmm, Gmm)>,
) -> Result<(Gmm, Gmm), SelectError> {
    let split = |want_fg: bool| -> Vec<[f64; 3]> {
        let all: Vec<[f64; 3]> = colours
            .iter()
            .zip(labels)
            .filter(|(_, l)| l.is_foreground() == want_fg)
            .map(|(c, _)| *c)
            .collect();
        let stride = all.len().div_ceil(MAX_SAMPLES).max(1);
        all.into_iter().step_by(stride).collect()
    };
    let (fg, bg) = (split(true), split(false));
    if fg.is_empty() {
        return Err(SelectError::Invalid("nothing is left inside the box to select".into()));
    }
    if bg.is_empty() {
        return Err(SelectError::Invalid("no background is left to tell the object from".into()));
    }
    let refine = |samples: &[[f64; 3]], model: Option<&Gmm>| {
        let start;
        let model = match model {
            Some(m) => m,
            None => {
                start = Gmm::fit(samples, COMPONENTS);
                &start
            }
        };
        let assigned: Vec<usize> = samples.iter().map(|c| model.best_component(c)).collect();
        Gmm::refit(samples, &assigned, model.len().max(1))
    };
    Ok((refine(&fg, previous.map(|p| &p.0)), refine(&bg, previous.map(|p| &p.1))))
}

/// The smoothness weights of a window, fixed for the whole run: for each pixel its links to the
/// right, down-right, down and down-left neighbours.
struct Links {
    weights: Vec<[f64; 4]>,
}

const OFFSETS: [(i64, i64); 4] = [(1, 0), (1, 1), (0, 1), (-1, 1)];

impl Links {
    fn new(colours: &[[f64; 3]], w: u32, win: Window) -> Self {
        let at = |x: u32, y: u32| &colours[(y * w + x) as usize];
        let diff2 = |a: &[f64; 3], b: &[f64; 3]| (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>();
        let neighbour = |x: u32, y: u32, (dx, dy): (i64, i64)| -> Option<(u32, u32)> {
            let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
            let inside = nx >= i64::from(win.x)
                && nx < i64::from(win.x + win.width)
                && ny < i64::from(win.y + win.height);
            inside.then_some((nx as u32, ny as u32))
        };
        // β = 1 / (2 ⟨‖zm − zn‖²⟩): the colour step that counts as an edge adapts to the image.
        let (mut sum, mut n) = (0.0, 0.0);
        for y in win.y..win.y + win.height {
            for x in win.x..win.x + win.width {
                for off in OFFSETS {
                    if let Some((nx, ny)) = neighbour(x, y, off) {
                        sum += diff2(at(x, y), at(nx, ny));
                        n += 1.0;
                    }
                }
            }
        }
        let beta = if sum > 0.0 { n / (2.0 * sum) } else { 0.0 };
        let mut weights = Vec::with_capacity((win.width * win.height) as usize);
        for y in win.y..win.y + win.height {
            for x in win.x..win.x + win.width {
                weights.push(OFFSETS.map(|off| match neighbour(x, y, off) {
                    Some((nx, ny)) => {
                        let dist =
                            if off.0 != 0 && off.1 != 0 { std::f64::consts::SQRT_2 } else { 1.0 };
                        GAMMA / dist * (-beta * diff2(at(x, y), at(nx, ny))).exp()
                    }
                    None => 0.0,
                }));
            }
        }
        Self { weights }
    }
}

/// One graph cut over the window; relabels the changeable pixels and returns how many changed.
fn cut(
    colours: &[[f64; 3]],
    labels: &mut [Label],
    w: u32,
    win: Window,
    links: &Links,
    fg: &Gmm,
    bg: &Gmm,
) -> usize {
    let (ww, wh) = (win.width as usize, win.height as usize);
    let mut g = Graph::new(ww * wh, 4 * ww * wh);
    let global = |i: usize| ((win.y as usize + i / ww) * w as usize) + win.x as usize + i % ww;
    for i in 0..ww * wh {
        let p = global(i);
        let (source, sink) = match labels[p] {
            Label::SureBackground => (0.0, HARD),
            Label::SureForeground => (HARD, 0.0),
            // Cutting the source link puts the pixel in the background, at its background cost.
            _ => (bg.neg_log_likelihood(&colours[p]), fg.neg_log_likelihood(&colours[p])),
        };
        g.add_terminal(i, source, sink);
        let (x, y) = (i % ww, i / ww);
        for (k, &(dx, dy)) in OFFSETS.iter().enumerate() {
            let wgt = links.weights[i][k];
            if wgt > 0.0 {
                let j = (y as i64 + dy) as usize * ww + (x as i64 + dx) as usize;
                g.add_edge(i, j, wgt, wgt);
            }
        }
    }
    g.maxflow();
    let mut changed = 0;
    for i in 0..ww * wh {
        let p = global(i);
        if matches!(labels[p], Label::Foreground | Label::Background) {
            let next = if g.on_source_side(i) { Label::Foreground } else { Label::Background };
            changed += usize::from(next != labels[p]);
            labels[p] = next;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Noisy red discs `(cx, cy, r)` on a noisy two-tone background, and their true mask.
    fn disc_scene(discs: &[(f64, f64, f64)]) -> (RgbImage, GrayImage) {
        let mut state = 7u32;
        let mut noise = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as i32 % 21 - 10
        };
        let (mut img, mut truth) = (RgbImage::new(120, 90), GrayImage::new(120, 90));
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let inside =
                discs.iter().any(|&(cx, cy, r)| (fx - cx).powi(2) + (fy - cy).powi(2) < r * r);
            let base: [i32; 3] = if inside {
                [200, 40, 40]
            } else if x < 60 {
                [60, 120, 60]
            } else {
                [40, 60, 150]
            };
            *p = Rgb(base.map(|v| (v + noise()).clamp(0, 255) as u8));
            truth.put_pixel(x, y, Luma([if inside { 255 } else { 0 }]));
        }
        (img, truth)
    }

    #[test]
    fn finds_the_disc_in_a_loose_box() {
        let (img, truth) = disc_scene(&[(60.0, 45.0, 25.0)]);
        let rect = Window { x: 25, y: 12, width: 70, height: 66 };
        let mask = grab_cut(&img, rect, &GrabCut::default()).unwrap();
        let iou = super::super::iou(&mask, &truth);
        assert!(iou > 0.97, "IoU {iou}");
    }

    #[test]
    fn a_background_stroke_rules_out_a_look_alike() {
        // Two discs of one colour in the box; painting over the right one says "not this", and
        // the left one must survive though its colour is now in the background model too.
        let (img, _) = disc_scene(&[(42.0, 45.0, 16.0), (80.0, 45.0, 16.0)]);
        let rect = Window { x: 20, y: 22, width: 82, height: 46 };
        let plain = grab_cut(&img, rect, &GrabCut::default()).unwrap();
        assert_eq!((plain.get_pixel(42, 45)[0], plain.get_pixel(80, 45)[0]), (255, 255));
        // Strokes are local: the cut may still take what they leave of a region, so the user
        // paints over the look-alike (as the demo does over the cup).
        let (_, stroke) = disc_scene(&[(80.0, 45.0, 18.0)]);
        let opts = GrabCut { sure_background: Some(&stroke), ..GrabCut::default() };
        let mask = grab_cut(&img, rect, &opts).unwrap();
        let (_, left) = disc_scene(&[(42.0, 45.0, 16.0)]);
        let iou = super::super::iou(&mask, &left);
        assert!(iou > 0.95, "IoU with the left disc alone {iou}");
    }

    #[test]
    fn refuses_boxes_it_cannot_use() {
        let (img, _) = disc_scene(&[(60.0, 45.0, 25.0)]);
        let whole = Window { x: 0, y: 0, width: 120, height: 90 };
        let outside = Window { x: 100, y: 10, width: 40, height: 10 };
        let empty = Window { x: 10, y: 10, width: 0, height: 10 };
        for rect in [whole, outside, empty] {
            assert!(grab_cut(&img, rect, &GrabCut::default()).is_err(), "{rect:?}");
        }
    }
}
