# Handoff: `make run` and `make test` are all anyone needs to type.
SHELL := bash
CARGO ?= cargo
XVFB := xvfb-run -a -s "-screen 0 1400x900x24"
# One build of the workspace's programs serves `make run` and `make test`.
BUILD := $(CARGO) build --workspace --bins

.PHONY: run test bench bindings setup ui package

## Installs what is missing, builds the UI and the app, and starts it.
run: setup ui
	$(BUILD)
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  target/debug/handoff-app; \
	else \
	  echo "No display: showing the command-line tour instead (the app needs a desktop)."; \
	  scripts/walkthrough.sh target/debug/handoff; \
	fi

## Every test: formatting, lints, Rust tests, UI tests, end-to-end tests under Xvfb.
test: setup ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace --exclude handoff-e2e
	cd ui && npm run check && npm test
	$(BUILD) --features handoff-app/e2e
	$(XVFB) $(CARGO) test -p handoff-e2e -- --test-threads=1
	CARGO="$(CARGO)" scripts/one-build.sh
	CARGO="$(CARGO)" scripts/package.sh target/package
	tests/package/installed.sh target/package

## The release .deb and .rpm, in target/package.
package: setup ui
	CARGO="$(CARGO)" scripts/package.sh target/package

## Benchmarks against cp, measured in the same run.
bench: setup ui
	$(CARGO) bench -p handoff-cli --bench ingest
	$(CARGO) bench -p handoff-cli --bench remote
	$(CARGO) bench -p handoff-cli --bench agents
	$(CARGO) bench -p handoff-cli --bench share
	$(CARGO) bench -p handoff-cli --bench outputs
	$(CARGO) build --release -p handoff-app --bins --example empty_window
	$(XVFB) $(CARGO) bench -p handoff-cli --bench launch

## Regenerates the page's TypeScript bindings from the Rust commands.
bindings:
	HANDOFF_WRITE_BINDINGS=1 $(CARGO) test -p handoff-app typescript_bindings

ui:
	cd ui && npm run build

setup:
	@scripts/setup.sh
