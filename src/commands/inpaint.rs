//! `liftmask inpaint`: one masked fill from the command line, with the same engine as the app.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use inpaint::{BackendKind, Backends, DecodeLimits, DevicePreference, InpaintOptions};

use crate::config::Settings;

/// `inpaint` flags.
#[derive(Debug, Args)]
pub struct InpaintArgs {
    /// Input photo (PNG, JPEG or WebP).
    #[arg(long)]
    pub image: PathBuf,
    /// Mask PNG: white (or alpha > 127) marks what to fill.
    #[arg(long)]
    pub mask: PathBuf,
    /// Where to write the result; the extension picks the format (png, jpg, webp).
    #[arg(long)]
    pub out: PathBuf,
    /// patchfill (built in) or torchscript (needs --model).
    #[arg(long, default_value = "patchfill")]
    pub backend: BackendKind,
    /// TorchScript model for the torchscript backend (e.g. LaMa's big-lama.pt).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    pub device: DevicePreference,
    /// Dilate the mask by this many pixels first.
    #[arg(long, default_value_t = 0)]
    pub grow: u32,
    /// Feather the mask edge over this many pixels.
    #[arg(long, default_value_t = 0)]
    pub feather: u32,
    /// Seed of the randomised search; the same seed gives the same output.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs the fill and reports what changed.
pub fn run(args: InpaintArgs, settings: &Settings, backends: &dyn Backends) -> anyhow::Result<()> {
    let limits = DecodeLimits {
        max_width: settings.max_image_side,
        max_height: settings.max_image_side,
        max_pixels: settings.max_image_pixels,
        ..DecodeLimits::default()
    };
    let image_bytes =
        std::fs::read(&args.image).with_context(|| format!("reading {}", args.image.display()))?;
    let mask_bytes =
        std::fs::read(&args.mask).with_context(|| format!("reading {}", args.mask.display()))?;
    let image = inpaint::load_image(&image_bytes, &limits)
        .with_context(|| format!("image {}", args.image.display()))?;
    let mask = inpaint::load_mask(&mask_bytes, &limits)
        .with_context(|| format!("mask {}", args.mask.display()))?;
    let engine = backends.build(args.backend, args.model.as_deref(), args.device)?;
    let opts = InpaintOptions {
        seed: args.seed,
        grow: args.grow,
        feather: args.feather,
        ..InpaintOptions::default()
    };
    let started = Instant::now();
    let outcome = inpaint::run(engine.as_ref(), &image, &mask, &opts)?;
    let elapsed = started.elapsed();
    outcome.image.save(&args.out).with_context(|| format!("writing {}", args.out.display()))?;
    let outside_changed = image
        .pixels()
        .zip(outcome.image.pixels())
        .zip(outcome.alpha.pixels())
        .filter(|((a, b), alpha)| alpha.0[0] == 0 && a != b)
        .count();
    let filled = outcome.alpha.pixels().filter(|a| a.0[0] > 0).count();
    println!(
        "{}: filled {filled} px ({:.1} % of the image) in {} ms; {outside_changed} px changed outside the mask; wrote {}",
        outcome.backend,
        100.0 * filled as f64 / f64::from(image.width() * image.height()).max(1.0),
        elapsed.as_millis(),
        args.out.display()
    );
    Ok(())
}
