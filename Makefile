# liftmask — the two commands a new user needs are `make run` and `make test`.
CARGO ?= cargo
# The dev build: `make test` compiles the same profile and features, so it reuses this tree
# (deps are optimised, see Cargo.toml). `cargo build --release` is for deployments.
# `liftmask` links no libtorch; for serve, worker, inpaint and demo it execs the
# liftmask-engine that `build` makes beside it.
BIN := target/debug/liftmask
DATA_DIR ?= data
BIND ?= 127.0.0.1:8080

.PHONY: setup system build run test lint fmt bench bench-blobs clean-data

## Install the system libraries (apt, when missing) and libtorch (CPU) into .libtorch, once.
setup: system .libtorch/build-version

system:
	bash scripts/setup-system.sh

.libtorch/build-version: scripts/setup-libtorch.sh
	bash scripts/setup-libtorch.sh

## Build the binaries (liftmask, and liftmask-engine beside it).
build: setup
	$(CARGO) build --locked --bins

## Set up, build, migrate, seed the demo and serve on http://127.0.0.1:8080 (SQLite under ./data).
run: build
	$(BIN) --data-dir $(DATA_DIR) migrate
	LIFTMASK_DEMO=true $(BIN) --data-dir $(DATA_DIR) serve --bind $(BIND)

## Set up (plus headless Chromium for the browser test and Garage, an S3-compatible server, for
## the object-storage tests) and run the whole test suite (SQLite, then PostgreSQL when reachable).
test: setup
	bash scripts/setup-system.sh --browser
	bash scripts/setup-garage.sh
	bash scripts/test.sh

## Formatting and lints, as CI runs them.
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Benchmarks (release).
bench: setup
	$(CARGO) bench --workspace

## Blob put/get throughput, the local directory next to a throwaway local Garage (release).
bench-blobs: build
	bash scripts/setup-garage.sh
	bash scripts/garage.sh sh -c 'LIFTMASK_BLOBS__URL=$$LIFTMASK_TEST_S3_URL \
	  LIFTMASK_BLOBS__ENDPOINT=$$LIFTMASK_TEST_S3_ENDPOINT LIFTMASK_BLOBS__REGION=garage \
	  LIFTMASK_BLOBS__ALLOW_HTTP=true $(BIN) bench blobs'

clean-data:
	rm -rf $(DATA_DIR)
