//! Fill quality on photos whose truth is known: a hole is cut, filled, and compared with what
//! was there. Two requirements together: the fill is not much worse than a flat mean-colour
//! fill (PSNR), and it carries texture like its surroundings instead of blur (gradient energy).

use inpaint::{InpaintOptions, run};
use inpaint_torch::PatchFill;

use crate::common::{gradient_energy, photo, psnr, rect_mask, test_device};

/// Cuts a `side`² hole at (x, y), fills it, and checks both quality bounds.
fn check_texture_fill(name: &str, x: u32, y: u32, side: u32) {
    let truth = photo(name);
    let mask = rect_mask(truth.width(), truth.height(), x, y, side, side);
    let engine = PatchFill::new(test_device());
    let out =
        run(&engine, &truth, &mask, &InpaintOptions { seed: 1, ..Default::default() }).unwrap();

    let in_hole = |px: u32, py: u32| px >= x && px < x + side && py >= y && py < y + side;
    let ring = 12;
    let in_ring = |px: u32, py: u32| {
        !in_hole(px, py)
            && px + ring >= x
            && px < x + side + ring
            && py + ring >= y
            && py < y + side + ring
    };
    // The baseline: the hole painted with the mean colour of the ring around it.
    let mut mean = [0.0f64; 3];
    let mut n = 0.0;
    for (px, py, p) in truth.enumerate_pixels() {
        if in_ring(px, py) {
            for c in 0..3 {
                mean[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
    }
    let flat = image::Rgb(mean.map(|m| (m / n).round() as u8));
    let mut mean_fill = truth.clone();
    for (px, py, p) in mean_fill.enumerate_pixels_mut() {
        if in_hole(px, py) {
            *p = flat;
        }
    }
    let psnr_fill = psnr(&out.image, &truth, in_hole);
    let psnr_mean = psnr(&mean_fill, &truth, in_hole);
    let energy_ratio = gradient_energy(&out.image, in_hole) / gradient_energy(&truth, in_ring);
    let truth_ratio = gradient_energy(&truth, in_hole) / gradient_energy(&truth, in_ring);
    eprintln!(
        "{name}: psnr fill {psnr_fill:.2} dB, mean fill {psnr_mean:.2} dB, gradient energy ratio {energy_ratio:.2} (truth {truth_ratio:.2})"
    );
    assert!(
        psnr_fill >= psnr_mean - 3.0,
        "{name}: fill PSNR {psnr_fill:.2} dB vs mean-colour {psnr_mean:.2} dB"
    );
    assert!(
        (0.5..=2.0).contains(&energy_ratio),
        "{name}: gradient energy ratio {energy_ratio:.2} (blur or noise)"
    );
}

#[test]
fn fills_grass_with_grass_texture() {
    check_texture_fill("grass.png", 200, 220, 64);
}

#[test]
fn fills_brick_wall_with_bricks() {
    check_texture_fill("brick.png", 230, 180, 64);
}

#[test]
fn fills_gravel_with_gravel() {
    check_texture_fill("gravel.png", 300, 120, 64);
}

#[test]
fn fills_wood_grain_on_the_coffee_table() {
    // Right of the saucer, coffee.png shows only the wooden table top.
    check_texture_fill("coffee.png", 505, 240, 48);
}
