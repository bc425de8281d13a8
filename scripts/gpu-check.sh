#!/usr/bin/env bash
# GPU check for the inpainting engines (crates/inpaint-torch, with crates/inpaint): run their
# tests on CUDA, then print the benchmark.
#
#   scripts/gpu-check.sh                  On a GPU machine with Rust and PyTorch 2.11: build only
#                                         crates/inpaint-torch against the installed CUDA torch
#                                         (LIBTORCH_USE_PYTORCH=1), test on cuda, bench.
#   scripts/gpu-check.sh --prebuild DIR   On a build machine (CPU libtorch is fine: the ABI is the
#                                         same): build the test and bench binaries, copy them to DIR.
#   scripts/gpu-check.sh --prebuilt DIR   On a GPU machine without Rust: run the binaries in DIR
#                                         against python3's torch/lib (LD_LIBRARY_PATH overrides
#                                         their RUNPATH, so the CUDA libtorch is the one loaded).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-cargo}"
dir="${2:-$root/gpu-bin}"
export INPAINT_TEST_DEVICE="${INPAINT_TEST_DEVICE:-cuda}"
export INPAINT_FIXTURES="$root/tests/fixtures"

torch_lib() {
  python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))'
}

preflight() {
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
}

# Prints the executables cargo reports for a --no-run build, one per line.
executables() {
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
        print(msg["target"]["kind"][0], msg["target"]["name"], msg["executable"])
'
}

case "$mode" in
  cargo)
    preflight
    cd "$root"
    export LIBTORCH_USE_PYTORCH=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/gpu-check}"
    cargo test -p inpaint -p inpaint-torch -j"$(nproc)"
    cargo bench -p inpaint-torch -j"$(nproc)"
    ;;
  --prebuild)
    cd "$root"
    rm -rf "$dir" && mkdir -p "$dir"
    {
      cargo test -p inpaint -p inpaint-torch --no-run -j2 --message-format=json
      cargo bench -p inpaint-torch --no-run -j2 --message-format=json
    } | executables | while read -r kind name exe; do
      cp "$exe" "$dir/$kind-$name"
      strip --strip-debug "$dir/$kind-$name"
      echo "prebuilt $dir/$kind-$name ($(du -h "$dir/$kind-$name" | cut -f1))"
    done
    ;;
  --prebuilt)
    preflight
    lib="$(torch_lib)"
    export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    ldd --version 2>&1 | sed -n 1p
    for bin in "$dir"/*; do
      if ldd "$bin" | grep -q "not found"; then
        echo "missing libraries for $bin:" && ldd "$bin" | grep "not found"
      fi
    done
    status=0
    for test in "$dir"/lib-* "$dir"/test-*; do
      [[ -x "$test" ]] || continue
      echo "== $(basename "$test") (INPAINT_TEST_DEVICE=$INPAINT_TEST_DEVICE)"
      "$test" --nocapture --test-threads=2 || status=1
    done
    for bench in "$dir"/bench-*; do
      [[ -x "$bench" ]] || continue
      echo "== $(basename "$bench")"
      "$bench" --bench || status=1
    done
    exit "$status"
    ;;
  *)
    echo "usage: $0 [--prebuild DIR | --prebuilt DIR]" >&2
    exit 2
    ;;
esac
