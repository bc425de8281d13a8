#!/usr/bin/env bash
# Runs every test: the whole workspace on SQLite, then the HTTP suite again on PostgreSQL when a
# server answers on 127.0.0.1:5432 (each test makes and drops its own database there), with a
# local Garage for the S3 blob-store tests when it is installed (required under CI=true).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The blob-store tests also run against a real S3-compatible server: unless one is configured,
# run this whole script again next to a throwaway Garage (scripts/garage.sh stops it afterwards).
if [[ -z "${LIFTMASK_TEST_S3_URL:-}" ]]; then
  if command -v garage >/dev/null 2>&1 || [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/garage" ]]; then
    exec bash scripts/garage.sh bash scripts/test.sh "$@"
  fi
  echo "== garage not installed (bash scripts/setup-garage.sh): S3 blob tests skipped"
  if [[ "${CI:-}" == "true" ]]; then echo "CI requires Garage" >&2; exit 1; fi
fi

pg_url="${LIFTMASK_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
pg_up() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi

echo "== tests on SQLite"
env -u LIFTMASK_TEST_DATABASE_URL cargo test --workspace --locked "$@"

if pg_up; then
  echo "== HTTP tests on PostgreSQL ($pg_url)"
  LIFTMASK_TEST_DATABASE_URL="$pg_url" cargo test -p liftmask --locked --test api "$@"
else
  echo "== PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL pass skipped"
  if [[ "${CI:-}" == "true" ]]; then echo "CI requires PostgreSQL" >&2; exit 1; fi
fi
