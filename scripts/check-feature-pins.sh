#!/usr/bin/env bash
# Fails when `cargo build` and `cargo test` would resolve a dependency with different features,
# which makes `make test` recompile what `make run` already built. Fix a report by adding the
# listed features to the pins in Cargo.toml (the block above [dev-dependencies]).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
features() { cargo tree --workspace --locked --prefix none -f '{p} {f}' "$@" | sed 's/ (\*)//' | sort -u; }
drift=$(comm -23 <(features -e normal,build) <(features))
if [[ -n "$drift" ]]; then
  echo "features differ between cargo build and cargo test for:" >&2
  echo "$drift" >&2
  exit 1
fi
echo "feature pins: cargo build and cargo test resolve the same features"
