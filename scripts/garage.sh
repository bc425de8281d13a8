#!/usr/bin/env bash
# Runs a command next to a throwaway single-node Garage (S3-compatible), then stops Garage:
#   bash scripts/garage.sh cargo test --workspace --locked -- blobs
# Garage listens on free local ports, keeps its data in a temporary directory (removed on exit),
# and gets one bucket and one key. The command sees:
#   LIFTMASK_TEST_S3_URL=s3://liftmask-test   LIFTMASK_TEST_S3_ENDPOINT=http://127.0.0.1:PORT
#   LIFTMASK_TEST_S3_REGION=garage            AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
garage_bin="$(command -v garage || echo "${CARGO_HOME:-$HOME/.cargo}/bin/garage")"
if [[ ! -x "$garage_bin" ]]; then
  echo "garage is not installed: run bash scripts/setup-garage.sh" >&2
  exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/liftmask-garage.XXXXXX")"
pid=""
stop() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two ports held open together, so they differ; released just before Garage binds them.
read -r s3_port rpc_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

touch "$dir/garage.toml" && chmod 600 "$dir/garage.toml"
cat >"$dir/garage.toml" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc_port"
rpc_public_addr = "127.0.0.1:$rpc_port"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3_port"
TOML
g() { "$garage_bin" -c "$dir/garage.toml" "$@"; }

RUST_LOG="${GARAGE_LOG:-warn}" "$garage_bin" -c "$dir/garage.toml" server >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  g status >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; echo "garage did not start" >&2; exit 1; }
  sleep 0.1
done

node="$(g node id -q 2>/dev/null)"
node="${node%%@*}"
g layout assign -z dc1 -c 1G "$node" >/dev/null
g layout apply --version 1 >/dev/null
key="$(g key create liftmask-test)"
g bucket create liftmask-test >/dev/null
g bucket allow --read --write liftmask-test --key liftmask-test >/dev/null

export LIFTMASK_TEST_S3_URL="s3://liftmask-test"
export LIFTMASK_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export LIFTMASK_TEST_S3_REGION="garage"
AWS_ACCESS_KEY_ID="$(awk -F': *' '/Key ID/ {print $2; exit}' <<<"$key")"
AWS_SECRET_ACCESS_KEY="$(awk -F': *' '/Secret key/ {print $2; exit}' <<<"$key")"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
if [[ -z "$AWS_ACCESS_KEY_ID" || -z "$AWS_SECRET_ACCESS_KEY" ]]; then
  echo "could not read the key garage made:" >&2
  echo "$key" >&2
  exit 1
fi
echo "== garage up: $LIFTMASK_TEST_S3_ENDPOINT, bucket liftmask-test (data in $dir)"

# Not exec: the EXIT trap must outlive the command to stop Garage.
status=0
"$@" || status=$?
exit "$status"
