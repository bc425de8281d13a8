//! The demo is the first impression: its erase must leave no ghost of the spoon.

use image::{GrayImage, RgbImage};
use inpaint::mask::prepare_alpha;
use inpaint::{DecodeLimits, InpaintOptions, load_image, run};
use inpaint_torch::{Device, PatchFill};
use palette::{IntoColor, Lab, Srgb};

use super::MASTER_PHOTO;
use super::masks::spoon_mask;

/// Mean CIELAB colour of `img` where `inside` holds for the pixel's index.
fn mean_lab(img: &RgbImage, inside: impl Fn(usize) -> bool) -> [f64; 3] {
    let (mut sum, mut n) = ([0.0f64; 3], 0.0);
    for (_, p) in img.pixels().enumerate().filter(|(i, _)| inside(*i)) {
        let lab: Lab = Srgb::new(p[0], p[1], p[2]).into_format::<f32>().into_color();
        for (s, v) in sum.iter_mut().zip([lab.l, lab.a, lab.b]) {
            *s += f64::from(v);
        }
        n += 1.0;
    }
    sum.map(|s| s / n)
}

fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

#[test]
fn the_demo_erase_takes_its_colour_from_the_surroundings_not_the_spoon() {
    let photo = load_image(MASTER_PHOTO, &DecodeLimits::default()).unwrap();
    let mask = spoon_mask(&photo).unwrap();
    let opts = InpaintOptions { seed: 0, grow: 6, feather: 3, ..Default::default() };
    let out = run(&PatchFill::new(Device::Cpu), &photo, &mask, &opts).unwrap();
    let at = |m: &GrayImage, t: u8| m.as_raw().iter().map(move |&v| v > t).collect::<Vec<_>>();
    let core = at(&out.alpha, 254);
    let spoon = at(&mask, 127);
    // The surroundings: a band 4 to 16 px outside everything the edit may touch.
    let near = at(&prepare_alpha(&mask, 6 + 3 + 4, 0).unwrap(), 127);
    let far = at(&prepare_alpha(&mask, 6 + 3 + 16, 0).unwrap(), 127);
    let fill = mean_lab(&out.image, |i| core[i]);
    let around = mean_lab(&photo, |i| far[i] && !near[i]);
    let removed = mean_lab(&photo, |i| spoon[i]);
    let (to_around, to_removed) = (delta_e(fill, around), delta_e(fill, removed));
    // Chroma is the ghost's tell: the spoon is grey steel on a red glaze. Lightness is not
    // compared, because the surroundings mix the white cup with the saucer's shadow.
    let chroma = |lab: [f64; 3]| lab[1].hypot(lab[2]);
    let (fill_c, around_c, spoon_c) = (chroma(fill), chroma(around), chroma(removed));
    eprintln!(
        "fill {fill:.1?}, surroundings {around:.1?}, spoon {removed:.1?}: ΔE76 {to_around:.1} to the \
         surroundings, {to_removed:.1} to the spoon; chroma {fill_c:.1} / {around_c:.1} / {spoon_c:.1}"
    );
    assert!(to_around < to_removed, "the fill looks more like the spoon than its surroundings");
    assert!(
        (fill_c - around_c).abs() * 3.0 < (fill_c - spoon_c).abs(),
        "the fill's chroma {fill_c:.1} is not the surroundings' {around_c:.1} (spoon {spoon_c:.1})"
    );
}

/// The grid's levels must touch disjoint regions once grown and feathered as their renders were.
#[test]
fn the_grid_levels_regions_are_disjoint_after_grow_and_feather() {
    use crate::services::variants::{Operation, Params};

    use super::{BRICK_EDIT, EDITS, SPOON_EDIT};

    let photo = load_image(MASTER_PHOTO, &DecodeLimits::default()).unwrap();
    let region = |i: usize| {
        let e = &EDITS[i];
        let (op, p) = (Operation::parse(e.operation).unwrap(), Params::parse(e.params).unwrap());
        prepare_alpha(&(e.mask)(&photo).unwrap(), p.grow_for(op), p.feather_for(op)).unwrap()
    };
    let (spoon, brick) = (region(SPOON_EDIT), region(BRICK_EDIT));
    assert_eq!((EDITS[SPOON_EDIT].variable, EDITS[BRICK_EDIT].variable), ("spoon", "background"));
    assert!(EDITS[SPOON_EDIT].parent.is_none() && EDITS[BRICK_EDIT].parent.is_none());
    let area = |a: &GrayImage| a.pixels().filter(|p| p[0] > 0).count();
    assert!(area(&spoon) > 1000 && area(&brick) > 1000, "both regions are real");
    assert!(::imaging::overlap(&spoon, &brick).is_none(), "the grid would refuse these levels");
}

/// The planted grid effects, as the factorial model reads them: main effects averaged over the
/// other variable, an interaction as the difference of differences.
#[test]
fn planted_grid_effects_are_the_models_main_effects() {
    use super::{SPOON_REMOVED_LIFT, TOGETHER_LIFT, planted_cell_effect, planted_log_effects};

    let log = |l: [usize; 2]| planted_cell_effect(&l).ln_1p();
    let spoon = ((log([1, 0]) - log([0, 0])) + (log([1, 1]) - log([0, 1]))) / 2.0;
    let brick = ((log([0, 1]) - log([0, 0])) + (log([1, 1]) - log([1, 0]))) / 2.0;
    let together = log([1, 1]) - log([1, 0]) - log([0, 1]) + log([0, 0]);
    let (mains, interaction) = planted_log_effects();
    assert!((spoon - mains[0]).abs() < 1e-12 && (brick - mains[1]).abs() < 1e-12);
    assert!((together - interaction).abs() < 1e-12);
    assert!((planted_cell_effect(&[1, 0]) - SPOON_REMOVED_LIFT).abs() < 1e-12);
    assert!(TOGETHER_LIFT.abs() < 0.05, "a small interaction");
}
