# liftmask — the two commands a new user needs are `make run` and `make test`.
CARGO ?= cargo
# `liftmask` links no libtorch; for serve, worker, inpaint and demo it execs
# target/release/liftmask-engine, which `build` makes beside it.
BIN := target/release/liftmask
DATA_DIR ?= data
BIND ?= 127.0.0.1:8080

.PHONY: setup system build run test lint fmt bench clean-data

## Install the system libraries (apt, when missing) and libtorch (CPU) into .libtorch, once.
setup: system .libtorch/build-version

system:
	bash scripts/setup-system.sh

.libtorch/build-version: scripts/setup-libtorch.sh
	bash scripts/setup-libtorch.sh

## Build the release binaries (liftmask, and liftmask-engine beside it).
build: setup
	$(CARGO) build --release --bins

## Set up, build, migrate, seed the demo and serve on http://127.0.0.1:8080 (SQLite under ./data).
run: build
	$(BIN) --data-dir $(DATA_DIR) migrate
	LIFTMASK_DEMO=true $(BIN) --data-dir $(DATA_DIR) serve --bind $(BIND)

## Set up (plus headless Chromium for the browser test) and run the whole test suite (SQLite, then
## PostgreSQL when reachable).
test: setup
	bash scripts/setup-system.sh --browser
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

clean-data:
	rm -rf $(DATA_DIR)
