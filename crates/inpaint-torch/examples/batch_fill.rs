//! Runs patchfill over a manifest of cases in one process and prints one JSON line per case with
//! its wall and CPU time, so `scripts/compare-inpaint.py` can time the engine without counting
//! libtorch's start-up once per image.
//!
//! `batch_fill MANIFEST` where each manifest line is `IMAGE<TAB>MASK<TAB>OUT`; the fill uses the
//! app's pipeline with no grow and no feather, so the hole is exactly the mask, unless `GROW` and
//! `FEATHER` (px) say otherwise, e.g. to reproduce a variant as the app renders it.
//!
//! For tuning, `PATCHFILL=key=value,...` overrides [`PatchFillParams`] fields, e.g.
//! `PATCHFILL=poisson_blend=false,colour_tolerance=inf`.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::error::Error;
use std::time::Instant;

use inpaint::{DecodeLimits, DevicePreference, InpaintOptions, load_image, load_mask, run};
use inpaint_torch::{PatchFill, PatchFillParams, select_device};

fn params_from_env() -> Result<PatchFillParams, Box<dyn Error>> {
    let mut p = PatchFillParams::default();
    for pair in std::env::var("PATCHFILL").unwrap_or_default().split(',').filter(|s| !s.is_empty())
    {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| format!("bad PATCHFILL entry {pair}"))?;
        match key {
            "patch_size" => p.patch_size = value.parse()?,
            "coarsest_iters" => p.coarsest_iters = value.parse()?,
            "level_iters" => p.level_iters = value.parse()?,
            "finest_iters" => p.finest_iters = value.parse()?,
            "patchmatch_passes" => p.patchmatch_passes = value.parse()?,
            "exhaustive_budget" => p.exhaustive_budget = value.parse()?,
            "texture_weight" => p.texture_weight = value.parse()?,
            "colour_tolerance" => p.colour_tolerance = value.parse()?,
            "best_patch_final" => p.best_patch_final = value.parse()?,
            "final_sharpness" => p.final_sharpness = value.parse()?,
            "poisson_blend" => p.poisson_blend = value.parse()?,
            "region_guide_weight" => p.region_guide_weight = value.parse()?,
            _ => return Err(format!("unknown PATCHFILL key {key}").into()),
        }
    }
    Ok(p)
}

fn options() -> Result<InpaintOptions, Box<dyn Error>> {
    let px = |name: &str| -> Result<u32, Box<dyn Error>> {
        Ok(std::env::var(name).ok().map(|v| v.parse()).transpose()?.unwrap_or(0))
    };
    Ok(InpaintOptions { seed: 1, grow: px("GROW")?, feather: px("FEATHER")?, ..Default::default() })
}

/// User plus system CPU time of this process in seconds, from /proc (Linux only).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // Linux reports these in USER_HZ, which is 100 on every mainstream build.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = std::env::args().nth(1).ok_or("usage: batch_fill MANIFEST")?;
    let device = select_device(DevicePreference::Auto)?;
    let engine = match std::env::var_os("PATCHFILL") {
        Some(_) => PatchFill::with_params(device, params_from_env()?),
        None => PatchFill::new(device),
    };
    for line in std::fs::read_to_string(manifest)?.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('\t').collect();
        let [image, mask, out] = parts[..] else {
            return Err(format!("bad manifest line: {line}").into());
        };
        let img = load_image(&std::fs::read(image)?, &DecodeLimits::default())?;
        let mask_img = load_mask(&std::fs::read(mask)?, &DecodeLimits::default())?;
        let (cpu0, wall0) = (cpu_seconds(), Instant::now());
        let outcome = run(&engine, &img, &mask_img, &options()?)?;
        let (wall, cpu) = (wall0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
        outcome.image.save(out)?;
        println!("{{\"out\":{out:?},\"wall_s\":{wall:.4},\"cpu_s\":{cpu:.3}}}");
    }
    Ok(())
}
