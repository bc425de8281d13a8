//! The two binaries: `liftmask` links no libtorch and hands the commands that render to
//! `liftmask-engine`, which must sit beside it.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a test or bench binary fails loudly")]

use std::path::Path;
use std::process::{Command, Output};

use image::{GrayImage, Luma, Rgb, RgbImage};

/// The shared libraries an executable names as NEEDED, from `readelf -d` (binutils, which the
/// linker comes with).
fn needed(exe: &str) -> Vec<String> {
    let out = Command::new("readelf").args(["-d", exe]).output().expect("run readelf");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.trim_end_matches(']').to_owned()))
        .collect()
}

fn run(exe: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("absent.toml"))
        .env_remove("LIFTMASK_DATABASE_URL")
        .env_remove("LIFTMASK_DATA_DIR")
        .output()
        .expect("run")
}

#[test]
fn only_the_engine_binary_links_libtorch() {
    let plain = needed(env!("CARGO_BIN_EXE_liftmask"));
    assert!(plain.iter().any(|l| l.starts_with("libc.so")), "{plain:?}");
    assert!(!plain.iter().any(|l| l.contains("torch") || l.contains("c10")), "{plain:?}");
    let engine = needed(env!("CARGO_BIN_EXE_liftmask-engine"));
    assert!(engine.iter().any(|l| l.starts_with("libtorch")), "{engine:?}");
}

#[test]
fn liftmask_inpaint_runs_in_the_engine_binary() {
    let dir = tempfile::tempdir().unwrap();
    let photo = RgbImage::from_fn(96, 64, |x, y| Rgb([(x * 2) as u8, (y * 3) as u8, 90]));
    let mask = GrayImage::from_fn(96, 64, |x, y| {
        Luma([if (40..52).contains(&x) && (24..36).contains(&y) { 255 } else { 0 }])
    });
    let (image_path, mask_path, out_path) =
        (dir.path().join("in.png"), dir.path().join("mask.png"), dir.path().join("out.png"));
    photo.save(&image_path).unwrap();
    mask.save(&mask_path).unwrap();
    let args = [
        "inpaint",
        "--image",
        image_path.to_str().unwrap(),
        "--mask",
        mask_path.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
        "--device",
        "cpu",
    ];
    let out = run(Path::new(env!("CARGO_BIN_EXE_liftmask")), dir.path(), &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("patchfill: filled 144 px"), "{stdout}");
    assert!(stdout.contains("0 px changed outside the mask"), "{stdout}");
    let filled = image::open(&out_path).unwrap().to_rgb8();
    let changed = photo.pixels().zip(filled.pixels()).filter(|(a, b)| a != b).count();
    assert!((1..=144).contains(&changed), "{changed} px changed");
}

#[test]
fn without_the_engine_beside_it_liftmask_says_what_is_missing() {
    // A hard link, not a symlink: the engine is looked up beside the resolved executable.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let lonely = dir.path().join("liftmask");
    std::fs::hard_link(env!("CARGO_BIN_EXE_liftmask"), &lonely).unwrap();
    let out = run(&lonely, dir.path(), &["worker", "--processes", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("needs the inpainting engine"), "{stderr}");
    assert!(stderr.contains(&dir.path().join("liftmask-engine").display().to_string()), "{stderr}");
    // Commands that do not render still run without it.
    let migrated = run(&lonely, dir.path(), &["migrate"]);
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
}
