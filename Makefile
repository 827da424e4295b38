# One entry point for every language. `make demo` runs the main job, `make test` passes all tests.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
export GOTOOLCHAIN := local
export GOFLAGS := -mod=mod


.PHONY: setup demo bench test browser build-native test-python test-c test-go test-rust test-java test-conformance check-generated clean

$(VENV)/.installed: pyproject.toml setup.py mmstats/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/mmstats demo --seconds 5

test: browser test-c test-go test-rust test-java test-python check-generated test-conformance
	@echo "make test: all suites passed"

# Debian's chromium for the mmash browser test; without it that one test skips and says why.
browser:
	-sh examples/install-browser.sh

# What the Python suite drives as subprocesses: every codec's commands and the torture readers.
build-native:
	$(MAKE) -C writers/c
	cd readers/go && go build -o bin/ ./cmd/...
	cargo build --quiet --release --manifest-path readers/rust/Cargo.toml
	cargo build --quiet --release --manifest-path writers/rust/Cargo.toml
	mvn -q -B -f readers/java/pom.xml compile
	mvn -q -B -f writers/java/pom.xml compile
	$(MAKE) -C torture

test-python: setup build-native
	$(VPY) -m pytest -q
	MMSTATS_PURE_PYTHON=1 $(VPY) -m pytest -q tests/test_writer_*.py

test-c:
	$(MAKE) -C writers/c test

test-go: setup
	cd readers/go && go vet ./... && go test ./...

test-java:
	mvn -B --no-transfer-progress -f readers/java/pom.xml test
	mvn -B --no-transfer-progress -f writers/java/pom.xml test

test-rust:
	cargo test --quiet --manifest-path readers/rust/Cargo.toml
	cargo test --quiet --manifest-path writers/rust/Cargo.toml

# Generated files must be current: the spec's tables and the conformance corpus.
check-generated: setup
	$(VPY) -m mmstats_format._derive --check
	$(VPY) -m mmstats_format.spec_tables --check
	$(VPY) -m mmstats_conformance generate --check

# Every registered implementation against the corpus, and every writer x every reader.
test-conformance: setup
	$(VPY) -m mmstats_conformance matrix

# The OpenTelemetry Collector with the mmstats receiver (otelcol/); its modules come from the Go module proxy.
.PHONY: otelcol test-otelcol
test: test-otelcol
otelcol:
	cd otelcol/distribution && go build -trimpath -o ../../build/otelcol-mmstats .

test-otelcol: setup otelcol
	$(MAKE) -C writers/c build/mmstats-c-write
	cd otelcol/mmstatsreceiver && go vet ./... && go test ./...
	cd otelcol/distribution && go vet ./... && go test ./...

# Speed and memory against baselines measured in the same run; writes the table into bench/README.md.
bench: setup
	$(MAKE) -C writers/c build/mmstats-c-write
	$(VPY) bench/run.py

clean:
	$(MAKE) -C writers/c clean
	rm -rf $(VENV) readers/go/bin readers/rust/target writers/rust/target readers/java/target writers/java/target
