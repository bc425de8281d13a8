#!/usr/bin/env bash
# Import speed and memory, liftmask against Polars from Python, on one generated Meta export.
#
#   scripts/bench-import.sh [ROWS] [RUNS]        (defaults: 1000000 rows, 5 runs)
#
# Generates the file `liftmask bench import` generates (14 columns, byte-order mark, quoted
# thousands, currency in the spend header) under .cache/bench-import/, then alternates, RUNS
# times: `liftmask import FILE --dry-run --json`, the same work in Polars from Python
# (scripts/bench_import_polars.py, in its own virtualenv under .cache/), and two full imports
# into a fresh SQLite database (every row new, then every row an update). With
# BENCH_DATABASE_URL=postgres://… it also imports into fresh PostgreSQL databases. Prints the
# median wall time, CPU time and peak memory (RSS) of each, and the ratios.
#
# Environment: LIFTMASK_BIN (default target/release/liftmask, built when missing),
# POLARS_VERSION (default 2.1.0), BENCH_DATABASE_URL (optional, a PostgreSQL server URL),
# BEFORE_BIN (optional, another build, e.g. a copy of an older target/release/liftmask, or
# target/release/liftmask-engine to see what loading libtorch costs): its dry run and SQLite
# imports are measured too, in the same alternation, with their own ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-1000000}
RUNS=${2:-5}
CACHE=.cache/bench-import
VENV=.cache/bench-venv
POLARS_VERSION=${POLARS_VERSION:-2.1.0}
BIN=${LIFTMASK_BIN:-target/release/liftmask}
mkdir -p "$CACHE"

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "installing python3-venv" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import polars, sys; sys.exit(polars.__version__ != '$POLARS_VERSION')" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet "polars==$POLARS_VERSION"
fi
PY="$VENV/bin/python"

if [ ! -x "$BIN" ]; then
  cargo build --release --bins
fi
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

FILE="$CACHE/meta-$ROWS.csv"
if [ ! -s "$FILE" ]; then
  "$BIN" bench import --rows "$ROWS" --csv-out "$FILE"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.tsv"
: >"$RESULTS"

# measure NAME CMD...: runs CMD once, appends "NAME wall cpu maxrss_kb" to the results.
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    echo "$name failed:" >&2
    cat "$WORK/err" >&2
    exit 1
  }
  read -r wall user sys rss <"$WORK/time"
  awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN { printf "%s\t%s\t%.2f\t%s\n", n, w, u + s, r }' >>"$RESULTS"
}

pg_db() { echo "${BENCH_DATABASE_URL%/*}/$1"; }

echo "file: $FILE ($ROWS rows, $(du -m "$FILE" | cut -f1) MB); $RUNS runs each, alternating" >&2
# sqlite_pair PREFIX BIN: a dry run, then full imports into a fresh SQLite database.
sqlite_pair() {
  measure "${1}liftmask --dry-run" "$2" --data-dir "$WORK/dry" import "$FILE" --dry-run --json
  rm -rf "$WORK/sqlite"
  measure "${1}sqlite import, all new" "$2" --data-dir "$WORK/sqlite" import "$FILE" --json
  measure "${1}sqlite import, all updated" "$2" --data-dir "$WORK/sqlite" import "$FILE" --json
}

for run in $(seq "$RUNS"); do
  echo "run $run/$RUNS" >&2
  measure "polars-python" "$PY" scripts/bench_import_polars.py "$FILE"
  sqlite_pair "" "$BIN"
  if [ -n "${BEFORE_BIN:-}" ]; then
    sqlite_pair "before: " "$BEFORE_BIN"
  fi
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    db="liftmask_bench_$$"
    psql -q "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    url=$(pg_db "$db")
    "$BIN" --database-url "$url" migrate >/dev/null
    measure "postgres import, all new" "$BIN" --database-url "$url" import "$FILE" --json
    measure "postgres import, all updated" "$BIN" --database-url "$url" import "$FILE" --json
    psql -q "$BENCH_DATABASE_URL" -c "DROP DATABASE $db"
  fi
done

"$PY" - "$RESULTS" <<'EOF'
import statistics, sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, cpu, rss = line.rstrip("\n").split("\t")
    runs[name].append((float(wall), float(cpu), int(rss) / 1024))
med = {n: tuple(statistics.median(r[i] for r in rs) for i in range(3)) for n, rs in runs.items()}
print(f"{'':30} {'wall (median)':>14} {'CPU':>8} {'peak RSS':>10}  runs (wall)")
for name, (wall, cpu, rss) in med.items():
    walls = " ".join(f"{r[0]:.2f}" for r in runs[name])
    print(f"{name:30} {wall:12.3f} s {cpu:6.2f} s {rss:7.0f} MB  {walls}")
py = med["polars-python"]
for prefix in ("", "before: "):
    lm = med.get(prefix + "liftmask --dry-run")
    if lm is None:
        continue
    print(f"\n{prefix}liftmask --dry-run vs Polars-Python: {py[0] / lm[0]:.2f}x its speed (wall), "
          f"{lm[1] / py[1]:.2f}x its CPU, {lm[2] / py[2]:.0%} of its peak memory")
    for name in med:
        if "import" in name and name.startswith(prefix) and (prefix or not name.startswith("before: ")):
            print(f"{name}: {med[name][0] / lm[0]:.2f}x the dry run's wall time, peak {med[name][2]:.0f} MB")
EOF
