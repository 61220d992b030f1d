# svipc: build, run, test.  `make run` is the main job, `make check` the
# project's own tests; both install missing Debian packages first.
CC      ?= cc
PYTHON  ?= /usr/bin/python3
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror
# -j1 is fastest on the 2-core VM this was measured on (the catalog on kernel
# and ref: 76 s against 103 s at -j2): forks, exits and page faults of two
# runners at once contend in this paravirtualised kernel.
JOBS    ?= 1
BUILD   := build
BASELINE ?= ci/baseline/linux.txt
RESULTS := $(BUILD)/results.jsonl
# The whole catalog's traces recorded on Linux (make golden), for --golden.
GOLDEN  := suites/golden/linux.jsonl

HARNESS := names scenario ops region parse catalog request outcome calls verdict wire runner puppet backend_kernel backend_ref exec_puppet exec_model engine jsonl trace results output pool coverage
HARNESS_OBJ := $(HARNESS:%=$(BUILD)/harness/%.o)
IMPL    := heap ns ids perm user msg sem shm proc ctl_cmd apply cred ref_arena ref_keeper ref_runtime
IMPL_OBJ := $(IMPL:%=$(BUILD)/impl/%.o)
# the same, position-independent, for the preload library
PIC_OBJ := $(IMPL:%=$(BUILD)/pic/%.o) $(BUILD)/pic/preload.o
PRELOAD := $(BUILD)/libsvipc-ref.so
TESTS   := test_parse test_outcome test_trace test_engine test_model test_model_edges test_model_blocking test_ref \
           test_ref_arena test_ref_killstorm test_preload test_coverage
TEST_BIN := $(TESTS:%=$(BUILD)/tests/%)
DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all run check unit pytest suites-check coverage generate golden bench report gate clean deps

all: $(BUILD)/svipc $(PRELOAD)

# Debian packages: ci/install-deps.sh is idempotent; the stamp keeps it to
# one call per build tree, and `make deps` forces it.
$(DEPS_STAMP): ci/install-deps.sh
	@mkdir -p $(BUILD)
	./ci/install-deps.sh
	@touch $@

deps:
	./ci/install-deps.sh
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(BUILD)/harness/%.o: harness/%.c harness/*.h impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iharness -Iimpl -c $< -o $@

$(BUILD)/impl/%.o: impl/%.c impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iimpl -c $< -o $@

$(BUILD)/pic/%.o: impl/%.c impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -Iimpl -c $< -o $@

# Symbols bound at start-up (-z now): every puppet, fork and keeper of a run
# inherits them resolved instead of resolving each again lazily.
$(BUILD)/svipc: $(BUILD)/harness/svipc.o $(HARNESS_OBJ) $(IMPL_OBJ)
	$(CC) $(CFLAGS) -Wl,-z,now -o $@ $^ -ljansson -ldl

# An ordinary program of System V IPC, run on the kernel and on the preload library.
$(BUILD)/ipc_demo: tests/programs/ipc_demo.c $(DEPS_STAMP)
	$(CC) $(CFLAGS) -o $@ $<

# The reference runtime as a drop-in for the C library's IPC calls.
$(PRELOAD): $(PIC_OBJ)
	$(CC) $(CFLAGS) -shared -o $@ $^ -ldl

# The library again with another arena layout: an arena of one build must
# be refused by the other (tests/test_ref_arena.c).
$(BUILD)/tests/libsvipc-ref-other.so: impl/*.c impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -shared -Iimpl '-DREF_LOG_SIZE=(2UL << 20)' -o $@ \
	  $(IMPL:%=impl/%.c) impl/preload.c -ldl

$(BUILD)/tests/test_ref_arena: $(BUILD)/tests/libsvipc-ref-other.so

$(BUILD)/tests/%: tests/%.c $(HARNESS_OBJ) $(IMPL_OBJ) $(BUILD)/svipc $(PRELOAD) $(BUILD)/ipc_demo
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iharness -Iimpl -o $@ $< $(HARNESS_OBJ) $(IMPL_OBJ) -ljansson -lcriterion -ldl

# The main job: every suite on every backend (the kernel, the sequential
# model, the multi-process reference runtime), each trace compared with the
# kernel's, then the report; the exit status is svipc's.
run: $(BUILD)/svipc
	@status=0; ./$(BUILD)/svipc run suites --backend kernel,model,ref -j $(JOBS) --json $(RESULTS) || status=$$?; \
	./$(BUILD)/svipc coverage --results $(RESULTS) | tail -1 || status=1; \
	$(PYTHON) reports/report.py --out $(BUILD)/report $(RESULTS) $(wildcard $(BUILD)/bench.jsonl) \
	  | sed 's|^|report: |' || status=2; exit $$status

# The HTML report, JUnit XML and Markdown summary of the last `make run`.
report: $(DEPS_STAMP)
	$(PYTHON) reports/report.py --out $(BUILD)/report $(RESULTS) $(wildcard $(BUILD)/bench.jsonl)

# The CI gate: the last run against the target's baseline of known failures
# and the reference runtime's known divergences.
gate: $(DEPS_STAMP)
	$(PYTHON) ci/gate.py --baseline $(BASELINE) --baseline ci/known-divergences.txt $(RESULTS)

unit: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; SVIPC=./$(BUILD)/svipc ./$$t; done

pytest: $(DEPS_STAMP)
	$(PYTHON) -m pytest -q -p no:cacheprovider reports/tests ci/tests suites/gen

# The catalog on the kernel, and on the model and the reference runtime with
# every trace compared with the kernel's entry by entry, and each with the
# traces recorded in the repository (a scenario added without `make golden`
# fails: it has no recorded trace).
suites-check: $(BUILD)/svipc
	./$(BUILD)/svipc run suites --backend kernel,model,ref -j $(JOBS) --golden $(GOLDEN) --json $(BUILD)/check.jsonl
	./$(BUILD)/svipc coverage --results $(BUILD)/check.jsonl

# The coverage map (suites/coverage.map) against the catalog run on the kernel:
# every documented errno, flag and command exercised, or said why not.
coverage: $(BUILD)/svipc
	./$(BUILD)/svipc run suites --backend kernel -j $(JOBS) --json $(BUILD)/coverage.jsonl | tail -1
	./$(BUILD)/svipc coverage --results $(BUILD)/coverage.jsonl -v

# Rewrite the generated scenario files (suites/gen/generate.py); make check
# fails when one is stale.
generate:
	$(PYTHON) suites/gen/generate.py

# Record the catalog's traces on this kernel into the repository's golden file.
golden: $(BUILD)/svipc
	./$(BUILD)/svipc run suites --backend kernel -j $(JOBS) --record $(GOLDEN)

check: unit pytest suites-check

$(BUILD)/svipc-bench: bench/engine_bench.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -ljansson

$(BUILD)/svipc-ref-bench: bench/ref_bench.c $(IMPL_OBJ) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iimpl -o $@ $< $(IMPL_OBJ) -ljansson -ldl

# Benchmarks, not tests: the engine beside the raw floor, and the reference
# runtime beside the kernel, each side by side in one run.
bench: $(BUILD)/svipc $(BUILD)/svipc-bench $(BUILD)/svipc-ref-bench
	rm -f $(BUILD)/bench.jsonl
	./$(BUILD)/svipc-bench ./$(BUILD)/svipc --json $(BUILD)/bench.jsonl
	./$(BUILD)/svipc-ref-bench --json $(BUILD)/bench.jsonl

clean:
	rm -rf $(BUILD) .svipc
