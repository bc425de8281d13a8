#!/usr/bin/env bash
# Many app instances and workers on one PostgreSQL, checked through the real HTTP API.
#
#   scripts/cluster-check.sh
#
# Creates a fresh database on the PostgreSQL server at 127.0.0.1:5432 (trust auth, user postgres;
# PGHOST/PGPORT/PGUSER override), starts two `liftmask serve` instances (A and B, no workers of
# their own) together on it, and three `liftmask worker` processes. Then:
#   1. logs in on A and opens /account on B with the same cookie (one session key);
#   2. uploads a master on A and creates CLUSTER_VARIANTS erase variants on B;
#   3. waits for a render to be under way, finds the worker holding it (jobs.claimed_by names its
#      supervisor's pid) and `kill -9`s that `liftmask worker` and its engine process, as if the
#      machine went away: only the other workers' stale-job recovery can bring the job back;
#   4. waits for every job, and fails unless each one is done, was completed by exactly one worker
#      (the workers' "job done … finished=true" log lines, one per job), was claimed once more
#      than it crashed, the killed job was finished by another worker, and every variant's image
#      reads the same bytes from A and B.
# It exits non-zero on any loss or duplicate and stops everything it started on exit.
#
# Knobs: CLUSTER_BIN (skip the build and use this binary; not LIFTMASK_*, which the app reads), CLUSTER_VARIANTS (default 6),
# CLUSTER_SIZE (master WxH, default 800x600: its hole takes seconds to fill in the dev build), CLUSTER_STALE_SECS (default 10),
# CLUSTER_KEEP=1 (keep the work directory and the database), CLUSTER_BLOBS (garage, the default: a
# local Garage and a data directory per process; local: one shared blob directory).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

# The blobs live on the object store: run once more inside a throwaway Garage (scripts/garage.sh
# starts it, sets LIFTMASK_TEST_S3_* and the AWS key, and stops it afterwards).
if [[ "${CLUSTER_BLOBS:-garage}" == garage && -z "${LIFTMASK_TEST_S3_URL:-}" ]]; then
  bash scripts/setup-garage.sh
  exec bash scripts/garage.sh bash "$0" "$@"
fi

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
variants="${CLUSTER_VARIANTS:-6}"
size="${CLUSTER_SIZE:-800x600}"
stale="${CLUSTER_STALE_SECS:-10}"
db="liftmask_cluster_$$"
url="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${db}?sslmode=disable"
work="$(mktemp -d "${TMPDIR:-/tmp}/liftmask-cluster.XXXXXX")"
pids=()
status=1

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
for tool in curl jq python3 psql createdb dropdb; do
  command -v "$tool" >/dev/null || fail "$tool is needed (apt-get install curl jq postgresql-client)"
done

cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  # Engine processes end when their supervisor's pipe closes; give them a moment.
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  if [[ $status != 0 ]]; then
    for log in "$work"/*.log; do
      [[ -f $log ]] || continue
      echo "---- tail of $log"; tail -n 15 "$log"
    done
  fi
  if [[ "${CLUSTER_KEEP:-}" == 1 ]]; then
    echo "kept $work and database $db"
  else
    dropdb --if-exists --force "$db" 2>/dev/null
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build (the debug build the tests use, so the tree is compiled once)
if [[ -n "${CLUSTER_BIN:-}" ]]; then
  bin="$CLUSTER_BIN"
else
  [[ -n "${LIBTORCH:-}" ]] || bash scripts/setup-libtorch.sh
  say "building (cargo build --tests --workspace --locked)"
  cargo build --tests --workspace --locked
  bin="$root/target/debug/liftmask"
fi
[[ -x "$bin" ]] || fail "no binary at $bin"

# ---- the blob store: every process must read what another wrote.
# garage (the default): blobs in a bucket of the local Garage that scripts/garage.sh started, as
# separate machines would share them; each process has a data directory of its own, so nothing
# else is shared through the disk, and all get one session key.
# local: one directory shared by all processes (one machine), which also shares the session key.
blob_env=()
case "${CLUSTER_BLOBS:-garage}" in
  garage)
    data_dir() { mkdir -p "$work/$1"; echo "$work/$1"; }
    blob_env=(
      "LIFTMASK_BLOBS__URL=${LIFTMASK_TEST_S3_URL}/cluster-$$"
      "LIFTMASK_BLOBS__ENDPOINT=${LIFTMASK_TEST_S3_ENDPOINT}"
      "LIFTMASK_BLOBS__REGION=${LIFTMASK_TEST_S3_REGION}"
      "LIFTMASK_BLOBS__ALLOW_HTTP=true"
      "LIFTMASK_SESSION_KEY=$(head -c 64 /dev/urandom | base64 -w0)"
    )
    ;;
  local) data_dir() { echo "$work/shared"; } ;;
  *) fail "CLUSTER_BLOBS=${CLUSTER_BLOBS} is not supported (garage, local)" ;;
esac

# Settings every process gets: the database, the check's short stale-job timeout, plain logs.
common_env=(
  "LIFTMASK_DATABASE_URL=$url" "LIFTMASK_JOBS__STALE_AFTER_SECS=$stale" "NO_COLOR=1"
  # libgomp's spinning threads crawl when the cores are shared with other processes.
  "OMP_WAIT_POLICY=PASSIVE"
  "LIFTMASK_LOG=info" "${blob_env[@]}"
)
lm() { env "${common_env[@]}" "$bin" --data-dir "$(data_dir "$1")" "${@:2}"; }
# The same in the background (`lm_bg NAME … &`): the subshell becomes liftmask, so $! is its pid.
lm_bg() { exec env "${common_env[@]}" "$bin" --data-dir "$(data_dir "$1")" "${@:2}"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

say "database $db on $PGHOST:$PGPORT"
createdb "$db"

# ---- two instances, started together on the empty database (they migrate and create the first
# admin one at a time), with no engine workers of their own.
port_a="$(free_port)"; port_b="$(free_port)"
while [[ $port_b == "$port_a" ]]; do port_b="$(free_port)"; done
for i in a b; do
  port_var="port_$i"
  LIFTMASK_WORKERS=0 lm_bg "$i" serve --bind "127.0.0.1:${!port_var}" >"$work/serve-$i.log" 2>&1 &
  pids+=("$!")
done
A="http://127.0.0.1:$port_a"; B="http://127.0.0.1:$port_b"
for base in "$A" "$B"; do
  for _ in $(seq 1 240); do
    curl -sf "$base/healthz" >/dev/null && break
    sleep 0.5
  done
  curl -sf "$base/healthz" >/dev/null || fail "$base did not come up"
done
say "serve A on $A, serve B on $B"
admins="$(psql -XAtq -d "$db" -c "SELECT count(*) FROM users WHERE role = 'admin'")"
[[ $admins == 1 ]] || fail "the two instances created $admins admin accounts, not 1"

# ---- users: a creator with an API token and a password for the browser check.
password="cluster check password"
printf '%s' "$password" | lm a user add --email creator@cluster.test --role growth --password-stdin >/dev/null
token="$(lm a token create --email creator@cluster.test --name cluster-check)"
auth=(-H "Authorization: Bearer $token")

# A browser session opened on A is valid on B.
jar="$work/cookies"
csrf="$(curl -sf -c "$jar" -b "$jar" "$A/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
[[ -n $csrf ]] || fail "no CSRF token on $A/login"
login="$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=creator@cluster.test" \
  --data-urlencode "password=$password" "$A/login")"
[[ $login == 303 ]] || fail "login on A answered $login"
account_b="$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$B/account")"
[[ $account_b == 200 ]] || fail "the session made on A is not valid on B (/account answered $account_b)"
say "a login on A is valid on B"

# ---- three workers, one engine process each.
worker_pids=()
for i in 1 2 3; do
  lm_bg "w$i" worker --processes 1 >"$work/worker-$i.log" 2>&1 &
  pids+=("$!"); worker_pids+=("$!")
done
for i in 1 2 3; do
  for _ in $(seq 1 240); do
    grep -q "worker process ready" "$work/worker-$i.log" && break
    sleep 0.5
  done
  grep -q "worker process ready" "$work/worker-$i.log" || fail "worker $i did not get ready"
done
say "workers ready: supervisor pids ${worker_pids[*]}"

# ---- the images: a textured master and a large elliptical hole, slow enough to kill mid-render.
python3 - "$work" "$size" <<'PY'
import math, random, struct, sys, zlib
out, size = sys.argv[1], sys.argv[2]
w, h = (int(v) for v in size.split("x"))

def png(path, rows, color):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows)
    head = struct.pack(">IIBBBBB", w, h, 8, 2 if color else 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

rng = random.Random(17)
rows = []
for y in range(h):
    r = bytearray(3 * w)
    for x in range(w):
        tile = ((x // 96) + (y // 96)) % 2
        n = rng.randrange(24)
        r[3 * x] = min(255, 60 + 90 * tile + n + (x * 60) // w)
        r[3 * x + 1] = min(255, 80 + 40 * tile + n + (y * 60) // h)
        r[3 * x + 2] = min(255, 120 - 40 * tile + n)
    rows.append(bytes(r))
png(f"{out}/master.png", rows, True)
cx, cy, rx, ry = w / 2, h / 2, w * 0.2, h * 0.2
png(f"{out}/mask.png", [bytes(255 if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1 else 0 for x in range(w)) for y in range(h)], False)
PY

# ---- a master on A, variants on B.
master="$(curl -sf "${auth[@]}" -F name="Cluster check" -F image=@"$work/master.png" "$A/api/v1/masters" | jq -er .id)"
say "master $master uploaded on A"
variant_ids=(); job_ids=()
for i in $(seq 1 "$variants"); do
  body="$(curl -sf "${auth[@]}" -F parent_kind=master -F parent_id="$master" -F variable=background \
    -F value="plain $i" -F operation=erase -F params="{\"seed\":$i}" -F mask=@"$work/mask.png" \
    "$B/api/v1/variants")" || fail "creating variant $i on B failed"
  variant_ids+=("$(jq -er .id <<<"$body")"); job_ids+=("$(jq -er .job_id <<<"$body")")
done
say "variants ${variant_ids[*]} created on B (jobs ${job_ids[*]})"

# ---- kill -9 the worker holding a render that has been running a while.
q() { psql -XAtq -d "$db" -c "$1"; }
victim=""; seen=""; since=0
for _ in $(seq 1 1500); do
  running="$(q "SELECT id || ' ' || claimed_by FROM jobs WHERE status = 'running' ORDER BY id LIMIT 1")"
  if [[ -n $running && $running == "$seen" ]]; then
    (( SECONDS - since >= 2 )) && { victim="$running"; break; }
  else
    seen="$running"; since=$SECONDS
  fi
  sleep 0.2
done
[[ -n $victim ]] || fail "no render was running for 2 s"
read -r killed_job killed_name <<<"$victim"
# Worker names are HOST-SUPERVISORPID-pSLOT.GENERATION.
supervisor="$(sed -E 's/.*-([0-9]+)-p[0-9]+\.[0-9]+$/\1/' <<<"$killed_name")"
[[ " ${worker_pids[*]} " == *" $supervisor "* ]] || fail "job $killed_job is held by $killed_name, not one of our workers"
engine="$(pgrep -P "$supervisor" || true)"
kill -9 "$supervisor" $engine
killed_at=$SECONDS
wait "$supervisor" 2>/dev/null || true
state="$(q "SELECT status || ', progress ' || round(progress::numeric, 2) FROM jobs WHERE id = $killed_job")"
[[ $state == running* ]] || fail "job $killed_job was no longer running when its worker died ($state)"
say "killed worker $killed_name (pids $supervisor $engine) in the middle of job $killed_job ($state)"

# Nobody watches a worker that went away with its supervisor: the job comes back once its
# heartbeat is jobs.stale_after_secs old and another worker's periodic recovery sees it.
for _ in $(seq 1 600); do
  [[ "$(q "SELECT crashes FROM jobs WHERE id = $killed_job")" == 1 ]] && break
  sleep 0.5
done
[[ "$(q "SELECT crashes FROM jobs WHERE id = $killed_job")" == 1 ]] || fail "job $killed_job was never recovered"
say "job $killed_job requeued $((SECONDS - killed_at)) s after the kill (stale after ${stale} s)"

# ---- wait for every job, reading progress from both instances in turn.
deadline=$((SECONDS + 900))
while :; do
  open=0; n=0
  for id in "${job_ids[@]}"; do
    base=$([[ $((n % 2)) == 0 ]] && echo "$A" || echo "$B"); n=$((n + 1))
    st="$(curl -sf "${auth[@]}" "$base/api/v1/jobs/$id" | jq -r .status)"
    case "$st" in
      done) ;;
      failed) fail "job $id failed: $(q "SELECT error FROM jobs WHERE id = $id")" ;;
      *) open=$((open + 1)) ;;
    esac
  done
  [[ $open == 0 ]] && break
  (( SECONDS < deadline )) || fail "$open jobs still open after 15 minutes"
  sleep 1
done
say "every job is done"

# ---- exactly once: one completion per job in the logs of all workers together.
completions="$(cat "$work"/worker-*.log | sed 's/\x1b\[[0-9;]*m//g' | grep 'job done' | grep 'finished=true' \
  | sed -E 's/.* job=([0-9]+).*/\1/' | sort -n | uniq -c)"
for id in "${job_ids[@]}"; do
  count="$(awk -v id="$id" '$2 == id { print $1 }' <<<"$completions")"
  [[ "${count:-0}" == 1 ]] || fail "job $id was completed ${count:-0} times"
done
extra="$(awk '{ s += $1 } END { print s + 0 }' <<<"$completions")"
[[ $extra == "${#job_ids[@]}" ]] || fail "$extra completions for ${#job_ids[@]} jobs"

# The queue agrees: each claim beyond the first is explained by a crash, and only the killed job
# crashed, once, and was finished by another worker.
ids_csv="$(IFS=,; echo "${job_ids[*]}")"
bad="$(q "SELECT id FROM jobs WHERE id IN ($ids_csv) AND (status <> 'done' OR attempts <> crashes + 1)")"
[[ -z $bad ]] || fail "jobs with unexplained claims: $bad"
crashed="$(q "SELECT id FROM jobs WHERE id IN ($ids_csv) AND crashes > 0")"
[[ $crashed == "$killed_job" ]] || fail "crashed jobs: '${crashed//$'\n'/ }', expected only $killed_job"
finisher="$(q "SELECT claimed_by FROM jobs WHERE id = $killed_job")"
[[ -n $finisher && $finisher != *"-$supervisor-p"* ]] || fail "job $killed_job was finished by '$finisher'"
say "job $killed_job: 2 claims, 1 crash, finished by $finisher; every other job: 1 claim"

# ---- every result is readable, with the same bytes, from both instances.
for id in "${variant_ids[@]}"; do
  audit="$(curl -sf "${auth[@]}" "$A/api/v1/variants/$id" | jq -r .audit.changed_outside_mask_px)"
  [[ $audit == 0 ]] || fail "variant $id: changed_outside_mask_px is '$audit'"
  sum_a="$(curl -sf "${auth[@]}" "$A/api/v1/variants/$id/image" | sha256sum | cut -d' ' -f1)"
  sum_b="$(curl -sf "${auth[@]}" "$B/api/v1/variants/$id/image" | sha256sum | cut -d' ' -f1)"
  empty="$(printf '' | sha256sum | cut -d' ' -f1)"
  [[ $sum_a == "$sum_b" && $sum_a != "$empty" ]] || fail "variant $id reads differently from A and B"
done
say "all ${#variant_ids[@]} variant images read the same from A and B"
echo "cluster check passed: ${#job_ids[@]} jobs, each completed exactly once; worker $killed_name killed mid-job"
status=0
