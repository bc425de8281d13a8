#!/usr/bin/env bash
# Installs the Debian packages the build needs (SQLite and PostgreSQL client libraries), and with
# `--browser` the headless Chromium and chromedriver the end-to-end test drives. Only what is missing
# is installed; without apt-get or root it says what to install instead.
set -euo pipefail

need=()
for pkg in libsqlite3-dev libpq-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [[ "${1:-}" == "--browser" ]] && ! command -v chromedriver >/dev/null 2>&1; then
  need+=(chromium chromium-driver)
fi
((${#need[@]})) || exit 0

if ! command -v apt-get >/dev/null 2>&1 || [[ "$(id -u)" != 0 ]]; then
  echo "setup-system: please install: ${need[*]}" >&2
  exit 1
fi
echo "setup-system: installing ${need[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
