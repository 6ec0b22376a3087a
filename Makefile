# lidecm — the two set-up commands are `make demo` and `make test` (see README).
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
WERROR ?= ON
CMAKE_FLAGS ?=
# Debian's interpreter, whatever python3 comes first on PATH (its pybind11, numpy, pytest).
PYTHON ?= /usr/bin/python3
VENV ?= .venv

.PHONY: all deps samples configure build python test demo bench ablation report-screenshot fuzz fuzz-run sanitize ci clean

all: build

deps:
	@bash scripts/deps.sh

samples: deps
	@bash scripts/samples.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIDECM_WERROR=$(WERROR) \
	  -DLIDECM_BUILD_PYTHON=ON -DLIDECM_WITH_MPI=ON -DPython_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD)

# The Python module installed into $(VENV) (made with --system-site-packages, so Debian's
# numpy is used) by pip, from the build folder make already built.
python: build
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(VENV)
	@LIDECM_BUILD_DIR=$(BUILD) $(VENV)/bin/python -m pip install --quiet --no-build-isolation --no-deps --no-index . \
	  && echo "python: lidecm installed into $(VENV) ($(VENV)/bin/python -c 'import lidecm')"

# Two test processes share the 2 cores: an OpenMP thread that spins while it waits for work
# takes the other process's core (libomp spins 200 ms by default), so the tests run with the
# passive wait policy (ModelPrior/Trainer/CLI tests: 97 → 84 s under the sanitizers, 63 → 59 s
# in release). The library's own default is left to OpenMP.
TEST_ENV = OMP_WAIT_POLICY=passive

test: build samples python
	@$(TEST_ENV) ctest --test-dir $(BUILD) --output-on-failure -j 2
	@cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/python/examples/readme_example.py

demo: build samples
	@bash scripts/demo.sh $(BUILD)

bench: build samples python
	@PYTHONPATH=$(BUILD)/python $(PYTHON) experiments/python_call_cost/python_bindings.py $(BUILD)
	@$(BUILD)/bench/perf/bench_graph --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@$(BUILD)/bench/perf/bench_collaborative --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@$(BUILD)/experiments/denoise_quality
	@$(BUILD)/experiments/denoise_quality --dev

# docs/report.png: the demo run's report as headless Chromium renders it (the browser test's flags).
report-screenshot: demo
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir=$$(mktemp -d) \
	  --window-size=1360,1500 --screenshot=docs/report.png file://$(CURDIR)/runs/demo/report.html

# One clang build with ASan + UBSan (FUZZ_BUILD) serves both the tests under the sanitizers
# (`make sanitize`) and the libFuzzer targets (fuzz/): the library also carries libFuzzer's
# coverage counters, which change no behaviour, so CI compiles it once instead of twice.
# fuzz-run runs the targets (FUZZ_TARGETS, see scripts/fuzz_run.sh) for FUZZ_SECONDS on
# their committed corpus, two at a time, and fails on any finding (crash inputs in $(FUZZ_BUILD)/findings).
SANITIZE_CONFIGURE = CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIDECM_FUZZ=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" -DLIDECM_WERROR=ON \
  -DLIDECM_BUILD_BENCH=OFF -DLIDECM_WITH_MPI=ON $(CMAKE_FLAGS) >/dev/null

fuzz: deps
	@$(SANITIZE_CONFIGURE)
	@cmake --build $(FUZZ_BUILD) --target lidecm_fuzzers

fuzz-run: fuzz
	@bash scripts/fuzz_run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The learner ablation (issues #4, #13): four variants x four datasets x 5 seeds, ~19 minutes on 2 cores;
# tables on stdout, runs.csv and SVG plots in docs/ablation.
ablation: build samples
	./$(BUILD)/experiments/ablation --out docs/ablation

# All tests under AddressSanitizer + UndefinedBehaviorSanitizer (the build above).
sanitize: deps samples
	@$(SANITIZE_CONFIGURE)
	@cmake --build $(FUZZ_BUILD)
	@$(TEST_ENV) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(FUZZ_BUILD) --output-on-failure -j 2 --label-exclude accuracy

ci: test sanitize

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
