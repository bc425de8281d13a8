//! Fills a rectangle of a photo and writes the result, for looking at the engine's output
//! without the app: `cargo run -p inpaint-torch --example fill -- IN.png X Y W H OUT.png [SEED]`.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::time::Instant;

use image::{GrayImage, Luma};
use inpaint::{DecodeLimits, DevicePreference, InpaintOptions, load_image, run};
use inpaint_torch::{PatchFill, select_device};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 6 {
        return Err("usage: fill IN.png X Y W H OUT.png [SEED]".into());
    }
    let img = load_image(&std::fs::read(&args[0])?, &DecodeLimits::default())?;
    let n: Vec<u32> = args[1..5].iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    let (x, y, w, h) = (n[0], n[1], n[2], n[3]);
    let mask = GrayImage::from_fn(img.width(), img.height(), |px, py| {
        Luma([if px >= x && px < x + w && py >= y && py < y + h { 255 } else { 0 }])
    });
    let seed = args.get(6).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let device = select_device(DevicePreference::Auto)?;
    let started = Instant::now();
    let out =
        run(&PatchFill::new(device), &img, &mask, &InpaintOptions { seed, ..Default::default() })?;
    eprintln!(
        "filled in {:.0} ms (window {:?})",
        started.elapsed().as_secs_f64() * 1e3,
        out.window
    );
    out.image.save(&args[5])?;
    Ok(())
}
