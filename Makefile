# One entry point for every language. `make demo` runs the main job, `make test` passes all tests.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
export GOTOOLCHAIN := local
export GOFLAGS := -mod=mod


.PHONY: setup setup-test demo bench test browser prometheus build-native test-python test-c test-go test-rust test-java test-ts test-conformance check-generated clean

# setup: what the tools need; setup-test: also the test extras (pytest, hypothesis, selenium).
$(VENV)/.installed: pyproject.toml setup.py mmstats/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.test-installed

demo: setup
	$(VENV)/bin/mmstats demo --seconds 5

test: browser prometheus test-c test-go test-rust test-java test-ts test-python check-generated test-conformance
	@echo "make test: all suites passed"

# Debian's chromium and chromium-driver for the mmash browser test (missing: that test fails).
browser:
	sh examples/install-browser.sh

# Debian's prometheus and promtool: the tests run the real server and promtool (missing: those tests fail).
prometheus:
	sh examples/install-prometheus.sh

# What the Python suite drives as subprocesses: every codec's commands and the torture readers.
build-native:
	$(MAKE) -C writers/c
	$(MAKE) -C readers/c
	cd readers/go && go build -o bin/ ./cmd/...
	cd writers/go && go build -o bin/ ./cmd/...
	cargo build --quiet --release --manifest-path readers/rust/Cargo.toml
	cargo build --quiet --release --manifest-path writers/rust/Cargo.toml
	mvn -q -B -f pom.xml compile
	cd readers/ts && npm ci --no-audit --no-fund --silent && npm run --silent build
	$(MAKE) -C torture

test-python: setup-test build-native
	$(VPY) -m pytest -q
	MMSTATS_PURE_PYTHON=1 $(VPY) -m pytest -q tests/test_writer_*.py tests/test_perf_paths.py tests/test_v2_readers.py tests/test_mapped_reader.py tests/test_directory_poll.py tests/test_v2_copy_used.py

test-c:
	$(MAKE) -C writers/c test
	$(MAKE) -C readers/c test

test-go: setup
	cd readers/go && go vet ./... && go test ./...
	cd writers/go && go vet ./... && go test ./...

test-java: setup
	mvn -B --no-transfer-progress -f pom.xml test

test-ts:
	cd readers/ts && npm ci && npm test

test-rust: setup
	cargo test --quiet --manifest-path readers/rust/Cargo.toml
	cargo test --quiet --manifest-path writers/rust/Cargo.toml

# Generated files must be current: the spec's tables and the conformance corpus.
check-generated: setup
	$(VPY) -m mmstats_build.derive --check
	$(VPY) -m mmstats_build.spec_tables --check
	$(VPY) -m mmstats_build.derive_v2 --check
	$(VPY) -m mmstats_build.spec_v2 --check
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
	$(MAKE) -C readers/c clean
	rm -rf $(VENV) readers/go/bin writers/go/bin readers/rust/target writers/rust/target readers/java/target writers/java/target readers/ts/dist readers/ts/node_modules
