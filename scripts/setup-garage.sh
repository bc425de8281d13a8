#!/usr/bin/env bash
# Installs Garage, the S3-compatible server the object-storage tests run against, into the cargo
# home (`~/.cargo/bin/garage`). The build is long (see README, "Blobs on S3-compatible storage"),
# so it happens once: with the right version in place this returns at once.
set -euo pipefail

version="2.5.0"
bin="${CARGO_HOME:-$HOME/.cargo}/bin/garage"

# `garage --version` says `garage cargo:2.5.0 […]` for a cargo build, `garage v2.5.0 […]` for a release.
if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -qE "[:v]${version//./\\.}( |$)"; then
  echo "garage $version already in $bin"
  exit 0
fi
echo "building garage $version into $bin (once)"
# SQLite for metadata and the C libraries bundled: nothing to install from apt.
cargo install garage --version "$version" --locked --no-default-features \
  --features bundled-libs,sqlite
