# fixedpoints — the two commands a fresh machine needs:
#   make analyze   set up, build (release), run the main job on the bundled model
#   make test      set up, build, run every test (Swift and Python)
SWIFT  ?= swift
PYTHON ?= python3
# Monte-Carlo-heavy suites run ~30x faster optimised; -enable-testing keeps
# @testable imports working in release.
RELEASE = -c release -Xswiftc -enable-testing

.PHONY: setup build test test-swift test-python verify verify-built analyze bench clean fuzz-codec \
	notebooks notebooks-built figures

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build $(RELEASE)

test: setup test-swift test-python notebooks-built verify-built

# Every test is XCTest; without this flag the empty Swift Testing run prints
# "Test run with 0 tests" after XCTest's summary.
test-swift:
	$(SWIFT) test $(RELEASE) --disable-swift-testing

# pytest exits 5 when it collects nothing; that is not a failure here.
# The Python cross-checks drive the release binary built by test-swift.
test-python:
	@if [ -d Tests/python ]; then \
	  FIXEDPOINTS_BIN="$$($(SWIFT) build $(RELEASE) --show-bin-path)/fixedpoints" \
	  $(PYTHON) -m pytest -q -rs Tests/python; rc=$$?; \
	  if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then exit $$rc; fi; \
	fi

# Every notebook in Notebooks/ top to bottom, on the release binary; the
# figures go to Notebooks/figures/. A failing cell fails the target.
notebooks: build
	@$(MAKE) --no-print-directory notebooks-built

# Within `make test`: the binary test-swift built.
notebooks-built:
	FIXEDPOINTS_BIN="$$($(SWIFT) build $(RELEASE) --show-bin-path)/fixedpoints" \
	  $(PYTHON) scripts/run_notebooks.py

# The standard figures (PNG and PDF) of CLI output, written beside it:
#   make figures DIR=results/   (an `analyze --out` directory, or a
#   paradox/merge/mechanism --json file; see scripts/figures.py)
figures: setup
	@test -n "$(DIR)" || { echo "make figures: give DIR=<analyze --out directory or result file>" >&2; exit 2; }
	$(PYTHON) scripts/figures.py $(DIR)

verify: setup
	$(SWIFT) run $(RELEASE) fixedpoints verify

# Within `make test`: the binary test-swift built (`swift run` after
# `swift test` rebuilds every target first).
verify-built:
	"$$($(SWIFT) build $(RELEASE) --show-bin-path)/fixedpoints" verify

# The main job: the full report on the bundled default model
# (Data/function-relu-noise-in.ckpt), every stage of it.
analyze: setup
	$(SWIFT) run $(RELEASE) fixedpoints analyze

bench: setup
	$(SWIFT) run $(RELEASE) fixedpoints bench moments
	$(SWIFT) run $(RELEASE) fixedpoints bench analyze

# libFuzzer on the safetensors codec (Fuzz/, a package of its own so the
# sanitizer flags never reach the main build). Seeds: Fuzz/corpus
# (committed, read only); inputs found while fuzzing go to
# Fuzz/.build/corpus, crashes to Fuzz/.build/crash-*. Runs FUZZ_SECONDS
# (default 600); any finding stops it with a non-zero status.
FUZZ_SECONDS ?= 600
fuzz-codec:
	cd Fuzz && $(SWIFT) build -c debug -Xswiftc -sanitize=fuzzer,address
	mkdir -p Fuzz/.build/corpus
	Fuzz/.build/debug/FuzzCodec -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	  -artifact_prefix=Fuzz/.build/ Fuzz/.build/corpus Fuzz/corpus

clean:
	rm -rf .build Fuzz/.build
