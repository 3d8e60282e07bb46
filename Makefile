# Handoff: `make run` and `make test` are all anyone needs to type.
SHELL := bash
CARGO ?= cargo

.PHONY: run test bench setup

## Installs what is missing, builds, and shows the CLI at work.
run: setup
	$(CARGO) build --release -p handoff-cli
	@scripts/walkthrough.sh target/release/handoff

## Every test: formatting, lints, unit and integration tests.
test: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

## Benchmarks against cp, measured in the same run.
bench: setup
	$(CARGO) bench -p handoff-cli --bench ingest

setup:
	@scripts/setup.sh
