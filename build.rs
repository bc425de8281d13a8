//! Build script for the `liftmask` and `liftmask-engine` binaries.
//!
//! 1. torch-sys links libtorch without an rpath, and the default `--as-needed` drops libtorch_cuda
//!    because nothing references it directly, which would hide CUDA on GPU machines. Embedding the
//!    rpath (every target, so tests that render run with no environment) and forcing the link of
//!    `liftmask-engine` only keeps `target/release/liftmask-engine` runnable with no environment,
//!    while `liftmask` loads no libtorch at all.
//! 2. Templates and static assets are embedded, so the binary runs from any directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={lib}");
        println!("cargo:rustc-link-arg-bin=liftmask-engine=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg-bin=liftmask-engine=-ltorch");
    }
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");

    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    embed(&manifest.join("templates"), &out.join("templates.rs"), "TEMPLATES", true);
    embed(&manifest.join("static"), &out.join("static_files.rs"), "STATIC_FILES", false);
}

/// Writes `pub static NAME: &[(&str, &str|&[u8])]` listing every file under `dir`.
fn embed(dir: &Path, out: &Path, name: &str, text: bool) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    let kind = if text { "&str" } else { "&[u8]" };
    let macro_name = if text { "include_str" } else { "include_bytes" };
    let mut src = format!(
        "/// Embedded files under `{}`.\npub static {name}: &[(&str, {kind})] = &[\n",
        dir.display()
    );
    for (rel, abs) in files {
        println!("cargo:rerun-if-changed={}", abs.display());
        let _ = writeln!(src, "    ({rel:?}, {macro_name}!({:?})),", abs.display().to_string());
    }
    src.push_str("];\n");
    if let Err(e) = std::fs::write(out, src) {
        println!("cargo:warning=could not write {}: {e}", out.display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            files.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
}
