//! `cargo bench -p inpaint-torch`: milliseconds per image for each backend and available device.
//!
//! Patchfill runs on coffee.png (wood, porcelain, coffee) resized to 512² and 1024², and at its
//! native 600×400, each with a centred square hole of 10 % of the area. The torchscript backend
//! runs a tiny traced pass-through model, so its line measures the backend's own overhead
//! (padding, transfers, compositing), not a real network. `INPAINT_BENCH_RUNS` sets the runs.
//!
//! On a CPU shared with other busy processes, libgomp's default spin-waiting makes libtorch's
//! 2-thread ops several times slower; run with `OMP_WAIT_POLICY=PASSIVE` (or
//! `OMP_NUM_THREADS=1`) there, and compare numbers only under the same setting.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::{GrayImage, Luma, RgbImage, imageops::FilterType};
use inpaint::{DecodeLimits, InpaintOptions, Inpainter, load_image, run};
use inpaint_torch::{PatchFill, TorchScriptInpainter};
use tch::{CModule, Device, Kind, Tensor};

fn fixture(name: &str) -> Result<RgbImage, Box<dyn Error>> {
    let dir = std::env::var_os("INPAINT_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures"));
    let bytes = std::fs::read(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
    Ok(load_image(&bytes, &DecodeLimits::default())?)
}

/// A centred square covering `fraction` of the image.
fn centred_hole(w: u32, h: u32, fraction: f64) -> GrayImage {
    let side = (f64::from(w * h) * fraction).sqrt().round() as u32;
    let (x0, y0) = ((w - side) / 2, (h - side) / 2);
    GrayImage::from_fn(w, h, |x, y| {
        Luma([if x >= x0 && x < x0 + side && y >= y0 && y < y0 + side { 255 } else { 0 }])
    })
}

fn time(
    engine: &dyn Inpainter,
    img: &RgbImage,
    mask: &GrayImage,
    runs: usize,
) -> Result<(Duration, Duration), Box<dyn Error>> {
    let opts = InpaintOptions { seed: 1, ..Default::default() };
    // One warm-up run: first CUDA calls pay for context creation and kernel loading.
    run(engine, img, mask, &opts)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        run(engine, img, mask, &opts)?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[0], times[times.len() / 2]))
}

fn tiny_model() -> Result<PathBuf, Box<dyn Error>> {
    let path = std::env::temp_dir().join(format!("inpaint-bench-tiny-{}.pt", std::process::id()));
    let img = Tensor::rand([1, 3, 16, 16], (Kind::Float, Device::Cpu));
    let mask = Tensor::zeros([1, 1, 16, 16], (Kind::Float, Device::Cpu));
    let mut f = |i: &[Tensor]| vec![&i[0] * (i[1].ones_like() - &i[1]) + &i[1] * 0.5];
    CModule::create_by_tracing("Tiny", "forward", &[img, mask], &mut f)?.save(&path)?;
    Ok(path)
}

fn main() -> Result<(), Box<dyn Error>> {
    let runs: usize =
        std::env::var("INPAINT_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut devices = vec![Device::Cpu];
    if tch::Cuda::is_available() {
        devices.push(Device::Cuda(0));
    }
    if std::env::var("INPAINT_BENCH_DEVICE").as_deref() == Ok("cuda") {
        devices.retain(|d| d.is_cuda());
    }
    let coffee = fixture("coffee.png")?;
    let cases: Vec<(String, RgbImage)> = vec![
        ("512x512".into(), image::imageops::resize(&coffee, 512, 512, FilterType::Lanczos3)),
        ("1024x1024".into(), image::imageops::resize(&coffee, 1024, 1024, FilterType::Lanczos3)),
        ("600x400".into(), coffee.clone()),
    ];
    let model = tiny_model()?;
    println!("threads: {}, runs per case: {runs} (after one warm-up)", tch::get_num_threads());
    println!(
        "{:<12} {:<8} {:<10} {:>10} {:>10}",
        "backend", "device", "size", "min ms", "median ms"
    );
    for device in devices {
        let dev = if device.is_cuda() { "cuda" } else { "cpu" };
        let patchfill = PatchFill::new(device);
        let torchscript = TorchScriptInpainter::load(&model, device)?;
        let engines: [&dyn Inpainter; 2] = [&patchfill, &torchscript];
        for engine in engines {
            for (label, img) in &cases {
                let mask = centred_hole(img.width(), img.height(), 0.10);
                let (min, median) = time(engine, img, &mask, runs)?;
                println!(
                    "{:<12} {:<8} {:<10} {:>10.1} {:>10.1}",
                    engine.name(),
                    dev,
                    label,
                    min.as_secs_f64() * 1e3,
                    median.as_secs_f64() * 1e3
                );
            }
        }
    }
    std::fs::remove_file(&model)?;
    Ok(())
}
