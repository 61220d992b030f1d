# svipc: build, run, test.  `make run` is the main job, `make check` the
# project's own tests (with sanitizers, fuzzing and the mutation experiment:
# clang 14, see the last section); both install missing Debian packages first.
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
# svipc --version: this version, and the catalog's commit when built (git
# describe, in a git checkout of this tree; none in a tarball).
VERSION := 0.1.0
COMMIT  := $(shell test "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" && \
             git describe --always --dirty --tags 2>/dev/null)
# make install: PREFIX/bin/svipc, PREFIX/lib/svipc/ (the preload library, the
# puppets built for other architectures), PREFIX/share/svipc/suites/ (the
# catalog, its coverage map and golden traces), PREFIX/share/man/man1/svipc.1.
PREFIX  ?= /usr/local
DESTDIR ?=

HARNESS := names scenario ops clock_tick abi region procfs parse catalog request outcome tool_output tool_run calls kernel_calls verdict wire idmap userns runner puppet backend_kernel backend_ref exec_puppet exec_model engine jsonl trace results output serve pool target coverage progress shard paths \
           observe_load \
           stress_history stress_history_read stress_workload stress_fifo stress_check stress_shrink stress_summary stress_target child_wait stress
HARNESS_OBJ := $(HARNESS:%=$(BUILD)/harness/%.o)
IMPL    := heap ns ids perm user msg sem shm proc ctl_cmd apply cred check host_facts wait_hint ref_arena ref_keeper ref_runtime ref_signals
IMPL_OBJ := $(IMPL:%=$(BUILD)/impl/%.o)
# the same, position-independent, for the preload library
PIC_OBJ := $(IMPL:%=$(BUILD)/pic/%.o) $(BUILD)/pic/preload.o $(BUILD)/pic/ref_procfs.o
PRELOAD := $(BUILD)/libsvipc-ref.so
TESTS   := test_parse test_outcome test_trace test_engine test_model test_model_edges test_model_blocking test_ref \
           test_ref_arena test_ref_lock test_ref_killstorm test_preload test_coverage test_abi test_targets test_idmap test_stress_check
TEST_BIN := $(TESTS:%=$(BUILD)/tests/%)
DEPS_STAMP := $(BUILD)/.deps-installed
# The kernel-side observer (observe/: a CO-RE BPF program built with clang
# -target bpf, its skeleton by bpftool, libbpf) when this machine has the
# toolchain and the kernel's BTF (ci/install-deps.sh bench): linked into
# svipc-bench, and libsvipc-observe.so, which svipc loads for run
# --observe only; else observe_none.c and no library, and both say why not.
BPF_TOOLS := $(and $(wildcard /usr/include/bpf/libbpf.h),$(wildcard /sys/kernel/btf/vmlinux),\
               $(shell command -v clang 2>/dev/null),$(shell command -v bpftool 2>/dev/null))
OBSERVE_BUILD := $(BUILD)/observe
ifneq ($(BPF_TOOLS),)
OBSERVE_SRC  := observe/observe.c
OBSERVE_DEPS := $(OBSERVE_BUILD)/observe.skel.h
OBSERVE_LIBS := -lbpf
OBSERVER_LIB := $(BUILD)/libsvipc-observe.so
else
OBSERVE_SRC  := observe/observe_none.c
endif

.PHONY: all run check unit pytest suites-check stress-sample stress coverage generate golden bench report gate clean deps puppets vm \
        bench-smoke bench-parity bench-dropin bench-workers stress-matrix stress-targets \
        targets targets-deps targets-smoke repros sanitize fuzz fuzz-long fuzz-corpus mutate mutate-sample toolchain \
        mutants mutants-sample faults install uninstall lint-ci FORCE

all: $(BUILD)/svipc $(PRELOAD) $(OBSERVER_LIB)

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
$(BUILD)/harness/observe_load.o: observe/observe.h

# The version and the commit go into paths.o alone, rebuilt when the commit changes.
VERSION_FLAGS = -DSVIPC_VERSION='"$(VERSION)"' -DSVIPC_COMMIT='"$(COMMIT)"'
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(COMMIT)' | cmp -s - $@ 2>/dev/null || echo '$(VERSION) $(COMMIT)' > $@
$(BUILD)/harness/paths.o: CFLAGS += $(VERSION_FLAGS)
$(BUILD)/harness/paths.o: $(BUILD)/commit.stamp

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

# Test only: svipc with the runtime's injected concurrency bugs
# (impl/ref_runtime.c under REF_TEST_FAULTS, chosen by $SVIPC_REF_FAULT);
# the checker's model in it is the same as svipc's.
FAULT_OBJ := $(filter-out $(BUILD)/impl/ref_runtime.o,$(IMPL_OBJ)) $(BUILD)/faults/ref_runtime.o
$(BUILD)/faults/ref_runtime.o: impl/ref_runtime.c impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DREF_TEST_FAULTS -Iimpl -c $< -o $@
$(BUILD)/svipc-faults: $(BUILD)/harness/svipc.o $(HARNESS_OBJ) $(FAULT_OBJ)
	$(CC) $(CFLAGS) -Wl,-z,now -o $@ $^ -ljansson -ldl
faults: $(BUILD)/svipc-faults

# The puppet alone, static, for each architecture whose cross compiler is
# here (qemu-user targets); and svipc static, for the linux-6.1 target's VM.
PUPPET_SRC := harness/puppet_main.c harness/puppet.c harness/calls.c harness/ops.c harness/clock_tick.c harness/abi.c harness/tool_run.c \
              harness/wire.c harness/kernel_calls.c impl/ctl_cmd.c
PUPPET_CC_x86_64  := $(CC)
PUPPET_CC_aarch64 := aarch64-linux-gnu-gcc
PUPPET_CC_armhf   := arm-linux-gnueabihf-gcc
PUPPET_CC_i386    := i686-linux-gnu-gcc
PUPPET_ARCHES := x86_64 aarch64 armhf i386

$(BUILD)/svipc-puppet.%: $(PUPPET_SRC) harness/*.h impl/*.h
	@mkdir -p $(@D)
	$(PUPPET_CC_$*) -static $(CFLAGS) -Iharness -Iimpl -o $@ $(PUPPET_SRC)

# The kernel's IPC layouts as each architecture's headers declare them
# (tests/test_abi.c compares harness/abi.c's tables with them).
$(BUILD)/abi-probe.%: tests/programs/abi_probe.c
	@mkdir -p $(@D)
	$(PUPPET_CC_$*) -static $(CFLAGS) -o $@ $<

$(BUILD)/tests/abi_probe: tests/programs/abi_probe.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/tests/test_abi: $(BUILD)/tests/abi_probe
$(BUILD)/tests/test_targets: $(BUILD)/tests/libsvipc-wrong.so $(BUILD)/tests/libsvipc-squatter.so

puppets:
	@for a in $(PUPPET_ARCHES); do \
	  cc=$$(case $$a in x86_64) echo "$(CC)";; aarch64) echo aarch64-linux-gnu-gcc;; armhf) echo arm-linux-gnueabihf-gcc;; i386) echo i686-linux-gnu-gcc;; esac); \
	  if command -v $$cc >/dev/null; then $(MAKE) --no-print-directory $(BUILD)/svipc-puppet.$$a $(BUILD)/abi-probe.$$a; \
	  else echo "puppets: no $$cc: no puppet for $$a (ci/install-deps.sh targets)"; fi; done

$(BUILD)/svipc-static: $(BUILD)/harness/svipc.o $(HARNESS_OBJ) $(IMPL_OBJ)
	$(CC) $(CFLAGS) -static -o $@ $^ -ljansson -ldl 2>&1 | grep -v "statically linked applications" >&2 || true
	@test -x $@

vm: $(BUILD)/svipc-static

# Ordinary programs of System V IPC, run on the kernel and on the preload library.
PROGRAMS := $(BUILD)/ipc_demo $(BUILD)/arena_user $(BUILD)/capacity $(BUILD)/msg_pairs $(BUILD)/ipc_tools_demo $(BUILD)/sysctl_demo
$(PROGRAMS): $(BUILD)/%: tests/programs/%.c $(DEPS_STAMP)
	$(CC) $(CFLAGS) -o $@ $<

# A deliberately wrong wrapper for the exec: target's test (it breaks msgrcv).
$(BUILD)/tests/libsvipc-wrong.so: tests/programs/wrong_wrapper.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# An image that finds the shmat window taken, for the same test.
$(BUILD)/tests/libsvipc-squatter.so: tests/programs/window_squatter.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ $<

# The observer's BPF object, skeleton and library (OBSERVE_* above).
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

$(OBSERVE_BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.new && mv $@.new $@

$(OBSERVE_BUILD)/observe.bpf.o: observe/observe.bpf.c $(OBSERVE_BUILD)/vmlinux.h
	clang -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(OBSERVE_BUILD) -c $< -o $@

$(OBSERVE_BUILD)/observe.skel.h: $(OBSERVE_BUILD)/observe.bpf.o
	bpftool gen skeleton $< name observe > $@.new && mv $@.new $@

$(BUILD)/libsvipc-observe.so: observe/observe.c observe/observe_json.c observe/*.h $(OBSERVE_BUILD)/observe.skel.h $(DEPS_STAMP)
	$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -Iobserve -I$(OBSERVE_BUILD) -o $@ observe/observe.c \
	  observe/observe_json.c -lbpf -ljansson

# The reference runtime as a drop-in for the C library's IPC calls.
# Bound at load (-z now): a fork child of a program that never made a
# call resolves nothing lazily, each symbol a copy of a page and ld.so's
# code faulted in again.
$(PRELOAD): $(PIC_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-z,now -o $@ $^ -ldl

# The library again with another arena layout: an arena of one build must
# be refused by the other (tests/test_ref_arena.c).
$(BUILD)/tests/libsvipc-ref-other.so: impl/*.c impl/*.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -shared -Iimpl '-DREF_AREA_SIZE=(128UL << 10)' -o $@ \
	  $(IMPL:%=impl/%.c) impl/preload.c impl/ref_procfs.c -ldl

$(BUILD)/tests/test_ref_arena: $(BUILD)/tests/libsvipc-ref-other.so

$(BUILD)/tests/%: tests/%.c tests/*.h $(HARNESS_OBJ) $(IMPL_OBJ) $(BUILD)/svipc $(PRELOAD) $(PROGRAMS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iharness -Iimpl -o $@ $< $(HARNESS_OBJ) $(IMPL_OBJ) -ljansson -lcriterion -ldl

# The last mutation run (make mutants), when there is one, in the report.
REPORT_MUTANTS = $(if $(wildcard $(BUILD)/mutants/results.jsonl),--mutants $(BUILD)/mutants/results.jsonl)
# The last stress runs (make stress), when there are some.
REPORT_STRESS = $(foreach f,$(wildcard $(BUILD)/stress-*.json),--stress $(f))

# The main job: every suite on every backend (the kernel, the sequential
# model, the multi-process reference runtime), each trace compared with the
# kernel's, then the report; the exit status is svipc's.
run: $(BUILD)/svipc $(PRELOAD)
	@status=0; ./$(BUILD)/svipc run suites --backend kernel,model,ref -j $(JOBS) --json $(RESULTS) || status=$$?; \
	./$(BUILD)/svipc coverage --results $(RESULTS) | tail -1 || status=1; \
	$(PYTHON) reports/report.py --out $(BUILD)/report $(REPORT_MUTANTS) $(REPORT_STRESS) $(RESULTS) $(wildcard $(BUILD)/bench.jsonl) \
	  | sed 's|^|report: |' || status=2; exit $$status

# The HTML report, JUnit XML and Markdown summary of the last `make run`
# (with the last `make mutants` when there is one).
report: $(DEPS_STAMP)
	$(PYTHON) reports/report.py --out $(BUILD)/report $(REPORT_MUTANTS) $(REPORT_STRESS) $(RESULTS) $(wildcard $(BUILD)/bench.jsonl)

# The CI gate: the last run against the target's baseline of known failures
# and the reference runtime's known divergences.
gate: $(DEPS_STAMP)
	$(PYTHON) ci/gate.py --baseline $(BASELINE) --baseline ci/known-divergences.txt $(RESULTS)

unit: $(TEST_BIN) puppets
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; SVIPC=./$(BUILD)/svipc ./$$t; done

# The Python tests: reports, the gate, the CI workflow, the generator, and svipc
# as a command (tests/cli: shards, the status line, make install, rootless runs).
pytest: $(DEPS_STAMP) $(BUILD)/svipc $(PRELOAD) $(BUILD)/svipc-bench bench-workers $(OBSERVER_LIB) $(BUILD)/svipc-faults
	$(PYTHON) -m pytest -q -p no:cacheprovider --basetemp=$(BUILD)/pytest-tmp reports/tests ci/tests suites/gen tests/cli

# The example workflow, by yamllint's rules (and actionlint's where installed:
# Debian has no package of it).
lint-ci: $(DEPS_STAMP)
	yamllint -s -c ci/yamllint.yml ci/github-actions.yml
	@if command -v actionlint >/dev/null; then actionlint ci/github-actions.yml; \
	 else echo "lint-ci: actionlint is not packaged in Debian: yamllint only"; fi

# The catalog on the kernel, and on the model and the reference runtime with
# every trace compared with the kernel's entry by entry, and each with the
# traces recorded in the repository (a scenario added without `make golden`
# fails: it has no recorded trace).
suites-check: $(BUILD)/svipc $(PRELOAD)
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

# The project's own tests.  Beyond the unit tests, the pytests and the
# catalog: seeded samples of svipc stress and of svipc-bench's workloads
# (counts, never times), a smoke subset on each target this machine has (the others
# named), the parser, trace, outcome, coverage and model tests and the
# model catalog built with ASan and UBSan (zero reports), every fuzz target
# for FUZZ_SECONDS from its kept corpus, and a seeded sample of the
# mutation experiment, and a seeded sample of the catalog's mutation score.
check: unit pytest suites-check stress-sample bench-smoke targets-smoke sanitize fuzz mutate-sample mutants-sample

# svipc stress: random concurrent operations on kernel and ref, each history
# checked for linearizability against the model.  The sample is seeded and
# bounded (a few seconds each); `make stress` runs STRESS_SECONDS on each
# backend at STRESS_PROCS processes (default 2 x CPUs): the histories in
# build/stress-BACKEND.jsonl, the summaries (build/stress-BACKEND.json) in
# the next `make report`.
STRESS_SECONDS ?= 60
STRESS_PROCS   ?= $(shell echo $$((2 * $$(nproc))))
stress-sample: $(BUILD)/svipc
	./$(BUILD)/svipc stress --backend kernel --ops 20000 --seed 1 --deadline 20
	./$(BUILD)/svipc stress --backend ref --ops 20000 --seed 2 --deadline 20

stress: $(BUILD)/svipc
	@status=0; for b in kernel ref; do \
	  ./$(BUILD)/svipc stress --backend $$b --seconds $(STRESS_SECONDS) -n $(STRESS_PROCS) \
	    --history $(BUILD)/stress-$$b.jsonl --json $(BUILD)/stress-$$b.json || status=1; \
	done; exit $$status

# make stress-targets: STRESS_SECONDS of svipc stress on each target that
# can run it (gvisor, qemu-x86_64: ci/install-deps.sh targets), the workers
# there and the check here, each violation shrunk to a scenario run there:
# outputs in build/stress-targets/TARGET.txt, summaries (make report) in
# build/stress-target-TARGET.json, scenarios in build/stress-targets/.  A
# violation is the target's finding, reported and not failed on (gVisor
# has known ones: ci/targets/repro/); a run that could not be done fails.
STRESS_TARGETS ?= gvisor qemu-x86_64
# objects replaced often, so each has few calls and a violation shrinks small
STRESS_TARGET_FLAGS ?= --rmid 100
stress-targets: targets-deps $(BUILD)/svipc
	@mkdir -p $(BUILD)/stress-targets; status=0; for t in $(STRESS_TARGETS); do \
	  echo "stress-targets: $$t, $(STRESS_SECONDS) s"; \
	  ./$(BUILD)/svipc stress --target $$t --seconds $(STRESS_SECONDS) -n $(STRESS_PROCS) --seed 1 $(STRESS_TARGET_FLAGS) \
	    --shrink $(BUILD)/stress-targets/$$t.svipc --json $(BUILD)/stress-target-$$t.json \
	    > $(BUILD)/stress-targets/$$t.txt 2>&1; rc=$$?; \
	  grep -E '^(ran|limits|stopped|check|shrink|result):' $(BUILD)/stress-targets/$$t.txt | sed 's/^/  /'; \
	  if [ $$rc -ge 2 ]; then tail -n 3 $(BUILD)/stress-targets/$$t.txt | sed 's/^/  /'; status=1; fi; \
	done; exit $$status

# make stress-matrix: STRESS_MATRIX_SECONDS at each of STRESS_MATRIX_PROCS
# processes on kernel and on ref (seeded by the count), one after the other:
# each run's output in build/stress-matrix/BACKEND-N.txt, its summary in
# build/stress-BACKEND-N.json (make report shows them), and the table of
# runs at the end.  Fails if a run is not linearizable, undecided, or
# stopped early.  Long: the default is 5 minutes a run and its check.
STRESS_MATRIX_PROCS   ?= 2 8 32 128
STRESS_MATRIX_SECONDS ?= 300
STRESS_MATRIX_FLAGS   ?=
# (the history's room is two thirds of the memory available, 92 bytes an
# event with its index: a 5-minute kernel run at 128 processes records
# about 150 million events, 14 GB, on this 2-core machine)
stress-matrix: $(BUILD)/svipc $(PRELOAD)
	@mkdir -p $(BUILD)/stress-matrix; status=0; for n in $(STRESS_MATRIX_PROCS); do for b in kernel ref; do \
	  echo "stress-matrix: $$b at $$n processes, $(STRESS_MATRIX_SECONDS) s"; \
	  ./$(BUILD)/svipc stress --backend $$b --seconds $(STRESS_MATRIX_SECONDS) -n $$n --seed $$n $(STRESS_MATRIX_FLAGS) \
	    --json $(BUILD)/stress-$$b-$$n.json > $(BUILD)/stress-matrix/$$b-$$n.txt 2>&1 || status=1; \
	  grep -E '^(ran|stopped|check|result):' $(BUILD)/stress-matrix/$$b-$$n.txt | sed 's/^/  /'; \
	done; done; \
	$(PYTHON) reports/stress_report.py $(foreach n,$(STRESS_MATRIX_PROCS),$(BUILD)/stress-kernel-$(n).json $(BUILD)/stress-ref-$(n).json) || status=1; \
	exit $$status

# ---------- targets: implementations other than this kernel ----------
# `make targets` installs what they need (ci/install-deps.sh targets), runs
# the whole catalog on Linux here and on each target, every trace compared
# with the golden traces, and writes build/report/targets.html: Linux and
# every target side by side, each failure explained by a cause of the
# target's baseline (ci/baseline/TARGET.txt) or reported as unexplained
# (then the exit status is 1).  TARGET_JOBS runs in parallel per target.
TARGETS      ?= native gvisor qemu-x86_64 qemu-aarch64 qemu-arm qemu-i386 linux-6.1
TARGET_JOBS  ?= 2
TARGETS_DIR  := $(BUILD)/targets
# The smoke subset `make check` runs on each target installed here.
SMOKE        := suites/msg/msg-misc.svipc suites/sem/undo.svipc suites/shm/shmat.svipc

targets-deps:
	./ci/install-deps.sh targets

# The minimal programs that confirm each cause of the targets' baselines,
# built for each architecture whose cross compiler is here;
# ci/targets/run-repros.sh runs them on every target.
REPRO_SRC  := $(wildcard ci/targets/repro/[gq][0-9]*.c)
define repro_rule
$(BUILD)/repro/%.$(1): ci/targets/repro/%.c ci/targets/repro/kipc.h ci/targets/repro/repro.h
	@mkdir -p $$(@D)
	$(PUPPET_CC_$(1)) -static $$(CFLAGS) -o $$@ $$<
endef
$(foreach a,$(PUPPET_ARCHES),$(eval $(call repro_rule,$(a))))

repros:
	@for a in $(PUPPET_ARCHES); do \
	  cc=$$(case $$a in x86_64) echo "$(CC)";; aarch64) echo aarch64-linux-gnu-gcc;; armhf) echo arm-linux-gnueabihf-gcc;; i386) echo i686-linux-gnu-gcc;; esac); \
	  if command -v $$cc >/dev/null; then $(MAKE) --no-print-directory -s \
	    $(patsubst ci/targets/repro/%.c,$(BUILD)/repro/%.$$a,$(REPRO_SRC)); \
	  else echo "repros: no $$cc: none built for $$a (ci/install-deps.sh targets)"; fi; done

targets: targets-deps all puppets vm
	@mkdir -p $(TARGETS_DIR); for t in $(TARGETS); do \
	  echo "== target $$t"; \
	  ./$(BUILD)/svipc run suites --target $$t --golden $(GOLDEN) -j $(TARGET_JOBS) \
	    --json $(TARGETS_DIR)/$$t.jsonl >$(TARGETS_DIR)/$$t.txt 2>&1; \
	  tail -1 $(TARGETS_DIR)/$$t.txt; done
	$(PYTHON) reports/matrix.py --out $(BUILD)/report $(TARGETS:%=$(TARGETS_DIR)/%.jsonl)

# The smoke subset on every target this machine has (nothing is installed
# for it): failures must be causes of the target's baseline; a target that
# is missing is named, with what it needs.
targets-smoke: all puppets vm
	@mkdir -p $(TARGETS_DIR); ./$(BUILD)/svipc targets | while read -r t state rest; do \
	  [ "$$t" != native ] || continue; \
	  if [ "$$state" != available ]; then echo "targets-smoke: $$t not run: $$rest"; continue; fi; \
	  ./$(BUILD)/svipc run $(SMOKE) --target $$t --golden $(GOLDEN) -j 2 --json $(TARGETS_DIR)/smoke-$$t.jsonl \
	    >$(TARGETS_DIR)/smoke-$$t.txt 2>&1; \
	  echo "targets-smoke: $$t: $$(tail -1 $(TARGETS_DIR)/smoke-$$t.txt)"; \
	  $(PYTHON) ci/gate.py --baseline ci/baseline/$$t.txt $(TARGETS_DIR)/smoke-$$t.jsonl \
	    >$(TARGETS_DIR)/smoke-$$t.gate 2>&1 || { cat $(TARGETS_DIR)/smoke-$$t.gate; exit 1; }; \
	done

# svipc-bench: the workloads of bench/workloads.c on the kernel, the
# reference runtime and the POSIX comparators, side by side (bench/README
# in README.md: "For measuring").
BENCH_SRC := bench/svipc_bench.c bench/spawn.c bench/round.c bench/libc_calls.c bench/workloads.c \
             bench/kinds_msg.c bench/kinds_sem.c bench/kinds_shm.c bench/kinds_posix.c bench/ring.c \
             bench/bench_target.c bench/bench_files.c bench/round_text.c harness/paths.c
# The round's runner alone, static, for each architecture whose compiler is
# here (svipc-bench --target: qemu-user, gVisor, exec:CMD), as the puppets.
WORKER_SRC := bench/worker_main.c bench/round.c bench/round_text.c bench/libc_calls.c bench/workloads.c \
              bench/kinds_msg.c bench/kinds_sem.c bench/kinds_shm.c bench/kinds_posix.c bench/ring.c
$(BUILD)/svipc-bench-worker.%: $(WORKER_SRC) bench/*.h harness/calls.h harness/wire.h
	@mkdir -p $(@D)
	$(PUPPET_CC_$*) -static $(CFLAGS) -Iharness -Ibench -o $@ $(WORKER_SRC)
bench-workers:
	@for a in $(PUPPET_ARCHES); do \
	  cc=$$(case $$a in x86_64) echo "$(CC)";; aarch64) echo aarch64-linux-gnu-gcc;; armhf) echo arm-linux-gnueabihf-gcc;; i386) echo i686-linux-gnu-gcc;; esac); \
	  if command -v $$cc >/dev/null; then $(MAKE) --no-print-directory $(BUILD)/svipc-bench-worker.$$a; \
	  else echo "bench-workers: no $$cc: no worker for $$a (ci/install-deps.sh targets)"; fi; done
$(BUILD)/svipc-bench: $(BENCH_SRC) $(OBSERVE_SRC) observe/observe_json.c $(OBSERVE_DEPS) bench/*.h observe/*.h harness/calls.h harness/wire.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iharness -Ibench -Iobserve -I$(OBSERVE_BUILD) -o $@ $(BENCH_SRC) $(OBSERVE_SRC) observe/observe_json.c \
	  -ljansson -ldl $(OBSERVE_LIBS)

$(BUILD)/svipc-engine-bench: bench/engine_bench.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -ljansson

# Benchmarks, not tests: every workload at 1, 2, 4 and 8 processes on the
# kernel, ref and POSIX (BENCH_FLAGS adds svipc-bench options), then the
# engine beside the raw floor; the report's benchmark section reads
# build/bench.jsonl.  Figures mean something only on a quiet machine.
BENCH_FLAGS ?=
bench: $(BUILD)/svipc $(PRELOAD) $(BUILD)/svipc-bench $(BUILD)/svipc-engine-bench
	rm -f $(BUILD)/bench.jsonl
	./$(BUILD)/svipc-bench --json $(BUILD)/bench.jsonl $(BENCH_FLAGS)
	./$(BUILD)/svipc-engine-bench ./$(BUILD)/svipc --json $(BUILD)/bench.jsonl
	$(PYTHON) reports/report.py --out $(BUILD)/report $(wildcard $(RESULTS)) $(BUILD)/bench.jsonl | sed 's|^|report: |'

# stress-ng's --msg and --sem-sysv beside svipc's definitions of the same
# operations, three interleaved runs (ci/install-deps.sh bench: stress-ng).
bench-parity: $(BUILD)/svipc-bench
	@command -v stress-ng >/dev/null || ./ci/install-deps.sh bench
	rm -f $(BUILD)/bench-parity.jsonl
	$(PYTHON) bench/parity.py --bench ./$(BUILD)/svipc-bench --json $(BUILD)/bench-parity.jsonl

# Unmodified programs on the kernel and on the drop-in library, side by
# side: stress-ng --msg, --sem-sysv, --shm-sysv at 1, 2, 4 instances and
# msg_pairs from 1 to 200 pairs (DROPIN_FLAGS adds bench/dropin.py options).
DROPIN_FLAGS ?=
bench-dropin: $(PRELOAD) $(BUILD)/msg_pairs
	@command -v stress-ng >/dev/null || ./ci/install-deps.sh bench
	rm -f $(BUILD)/bench-dropin.jsonl
	$(PYTHON) bench/dropin.py --library $(PRELOAD) --msg-pairs $(BUILD)/msg_pairs --json $(BUILD)/bench-dropin.jsonl $(DROPIN_FLAGS)

# make check's sample: every workload once with a few seeded operations on
# every implementation, counts and final states checked, nothing timed.
BENCH_SEED ?= 1
bench-smoke: $(PRELOAD) $(BUILD)/svipc-bench
	./$(BUILD)/svipc-bench --smoke --seed $(BENCH_SEED) --json $(BUILD)/bench-smoke.jsonl.new >$(BUILD)/bench-smoke.txt \
	  || { cat $(BUILD)/bench-smoke.txt; rm -f $(BUILD)/bench-smoke.jsonl.new; exit 1; }
	mv $(BUILD)/bench-smoke.jsonl.new $(BUILD)/bench-smoke.jsonl
	@tail -1 $(BUILD)/bench-smoke.txt

clean:
	rm -rf $(BUILD) .svipc

# Install as a system tool: the installed svipc finds its catalog and library
# from its own path (harness/paths.h), so any PREFIX works, and DESTDIR stages.
BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib/svipc
DATADIR := $(PREFIX)/share/svipc
MAN1DIR := $(PREFIX)/share/man/man1
CATALOG_FILES = $(shell cd suites && find . -name '*.svipc' -o -name coverage.map -o -name README.md \
                  -o -path ./golden/linux.jsonl | sort)
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR)/suites $(DESTDIR)$(MAN1DIR)
	install -m 0755 $(BUILD)/svipc $(DESTDIR)$(BINDIR)/svipc
	install -m 0755 $(PRELOAD) $(DESTDIR)$(LIBDIR)/libsvipc-ref.so
	$(if $(OBSERVER_LIB),install -m 0755 $(OBSERVER_LIB) $(DESTDIR)$(LIBDIR)/libsvipc-observe.so)
	@for p in $(wildcard $(BUILD)/svipc-puppet.*); do echo "install $$p"; install -m 0755 $$p $(DESTDIR)$(LIBDIR)/; done
	@if [ -x $(BUILD)/svipc-bench ]; then echo "install svipc-bench"; install -m 0755 $(BUILD)/svipc-bench $(DESTDIR)$(BINDIR)/; \
	  for w in $(wildcard $(BUILD)/svipc-bench-worker.*); do echo "install $$w"; install -m 0755 $$w $(DESTDIR)$(LIBDIR)/; done; \
	else echo "svipc-bench is not built (make $(BUILD)/svipc-bench; ci/install-deps.sh bench): not installed"; fi
	@for f in $(CATALOG_FILES); do install -D -m 0644 suites/$$f $(DESTDIR)$(DATADIR)/suites/$$f || exit 1; done
	@echo "installed the catalog: $(words $(CATALOG_FILES)) files in $(DESTDIR)$(DATADIR)/suites"
	install -m 0644 doc/svipc.1 $(DESTDIR)$(MAN1DIR)/svipc.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/svipc $(DESTDIR)$(BINDIR)/svipc-bench $(DESTDIR)$(MAN1DIR)/svipc.1
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR)

# ---------- sanitizers, fuzzing, mutations ----------
# clang 14 from Debian (clang-14, libclang-rt-14-dev; ci/install-deps.sh):
# AddressSanitizer and UndefinedBehaviorSanitizer (any report stops the
# program), and libFuzzer.  One set of objects serves both: instrumented for
# the fuzzer's coverage, which costs an ordinary program nothing it notices.
# Without clang or libFuzzer these targets fail and say what is missing.
CLANG      ?= clang-14
SAN        := $(BUILD)/san
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_CFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror $(SAN_FLAGS) -fsanitize=fuzzer-no-link
SAN_OBJ    := $(HARNESS:%=$(SAN)/harness/%.o) $(IMPL:%=$(SAN)/impl/%.o)
# ASan's quarantine and allocation stacks, kept small: the model allocates a
# namespace of 768 KB per scenario.  A leak fails a program at its exit.
SAN_ENV    := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:malloc_context_size=10:quarantine_size_mb=32 \
              LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The unit tests that need no kernel feature beyond root's namespaces
# (test_model compares the model with the kernel: a fifth of its sequences
# here, all of them in make unit).
SAN_TESTS  := test_parse test_outcome test_trace test_coverage test_model_edges test_model

# Fuzz targets: tests/fuzz/fuzz_NAME.c, its kept corpus tests/fuzz/corpus/NAME/
# (a few hundred minimised files), and its seeds for make fuzz-corpus below.
# Adding a target is one more name here (and its file and corpus).
FUZZ_TARGETS := parse golden results
# Seconds of each target in make check, executions of each in make
# fuzz-long (one target after another: one core).
FUZZ_SECONDS ?= 10
FUZZ_RUNS    ?= 1000000
FUZZ_FLAGS   := -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(SAN)/fuzz_%)

$(SAN)/.toolchain: $(DEPS_STAMP)
	@mkdir -p $(@D)
	@command -v $(CLANG) >/dev/null || { echo "svipc: $(CLANG) is missing: the sanitizer and fuzz targets need clang 14 (Debian: clang-14 libclang-rt-14-dev; ci/install-deps.sh installs them)" >&2; exit 1; }
	@printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	  | $(CLANG) -x c -fsanitize=fuzzer,address,undefined -o $(@D)/probe - 2>/dev/null \
	  || { echo "svipc: $(CLANG) cannot build a libFuzzer target with ASan and UBSan: libclang-rt-14-dev is missing (ci/install-deps.sh installs it)" >&2; exit 1; }
	@rm -f $(@D)/probe && touch $@

toolchain: $(SAN)/.toolchain

$(SAN)/harness/%.o: harness/%.c harness/*.h impl/*.h $(SAN)/.toolchain
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -Iharness -Iimpl -c $< -o $@

$(SAN)/harness/paths.o: SAN_CFLAGS += $(VERSION_FLAGS)
$(SAN)/harness/paths.o: $(BUILD)/commit.stamp

$(SAN)/impl/%.o: impl/%.c impl/*.h $(SAN)/.toolchain
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -Iimpl -c $< -o $@

$(SAN)/svipc: $(SAN)/harness/svipc.o $(SAN_OBJ)
	$(CLANG) $(SAN_FLAGS) -o $@ $^ -ljansson -ldl

$(SAN)/tests/%: tests/%.c $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -Iharness -Iimpl -o $@ $< $(SAN_OBJ) -ljansson -lcriterion -ldl

$(SAN)/fuzz_%: tests/fuzz/fuzz_%.c $(SAN_OBJ)
	$(CLANG) $(SAN_CFLAGS) -fsanitize=fuzzer -Iharness -Iimpl -o $@ $< $(SAN_OBJ) -ljansson -ldl

# The unit tests above and the model catalog, with ASan and UBSan: any
# report fails (a sanitizer stops the program, a leak fails its exit).
sanitize: $(SAN)/svipc $(SAN_TESTS:%=$(SAN)/tests/%)
	@set -e; for t in $(SAN_TESTS); do echo "== sanitize $$t"; $(SAN_ENV) SVIPC_MODEL_SEQUENCES=300 ./$(SAN)/tests/$$t; done
	@echo "== sanitize: the model catalog (two runners: the model has no timing to disturb)"
	@rm -f $(SAN)/model.out; $(SAN_ENV) SVIPC_STATE_DIR=$(SAN)/state ./$(SAN)/svipc run suites --backend model -j 2 \
	  >$(SAN)/model.out 2>&1 || { tail -30 $(SAN)/model.out; exit 1; }; \
	! grep -E 'runtime error|Sanitizer' $(SAN)/model.out || exit 1; tail -1 $(SAN)/model.out

# Every fuzz target for FUZZ_SECONDS from its kept corpus (new inputs go to
# build/, the kept corpus stays as it is), one after another: any crash,
# hang (10 s), leak or sanitizer report fails, the input kept in build/san/.
fuzz: $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t: $(FUZZ_SECONDS) s"; mkdir -p $(SAN)/corpus/$$t; \
	  ./$(SAN)/fuzz_$$t $(FUZZ_FLAGS) -seed=1 -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(SAN)/$$t- \
	    $(SAN)/corpus/$$t tests/fuzz/corpus/$$t 2>$(SAN)/fuzz-$$t.log || { tail -40 $(SAN)/fuzz-$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(SAN)/fuzz-$$t.log; done

# The long runs: FUZZ_RUNS executions of each target, one after another.
fuzz-long: $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t: $(FUZZ_RUNS) runs"; mkdir -p $(SAN)/corpus/$$t; \
	  ./$(SAN)/fuzz_$$t $(FUZZ_FLAGS) -runs=$(FUZZ_RUNS) -artifact_prefix=$(SAN)/$$t- \
	    $(SAN)/corpus/$$t tests/fuzz/corpus/$$t 2>$(SAN)/fuzz-long-$$t.log || { tail -40 $(SAN)/fuzz-long-$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(SAN)/fuzz-long-$$t.log; done

# Rebuild the kept corpora: the seeds (the catalog, golden lines, a model
# run's results) and what fuzzing found, minimised by libFuzzer's merge.
fuzz-corpus: $(FUZZ_BIN) $(BUILD)/svipc
	$(PYTHON) tests/fuzz/seeds.py --out $(SAN)/seeds --svipc ./$(BUILD)/svipc
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf $(SAN)/merged/$$t; mkdir -p $(SAN)/merged/$$t $(SAN)/corpus/$$t tests/fuzz/corpus/$$t; \
	  ./$(SAN)/fuzz_$$t -merge=1 $(FUZZ_FLAGS) $(SAN)/merged/$$t tests/fuzz/corpus/$$t $(SAN)/seeds/$$t $(SAN)/corpus/$$t \
	    2>$(SAN)/merge-$$t.log; rm -rf tests/fuzz/corpus/$$t; cp -r $(SAN)/merged/$$t tests/fuzz/corpus/$$t; \
	  echo "$$t: $$(ls tests/fuzz/corpus/$$t | wc -l) files"; done

# The mutation experiment: every catalog file mutated 120 ways (byte flips,
# deletions, duplicated lines, swapped tokens, huge numbers, NUL bytes),
# each listed by the sanitized svipc under a timeout: crashes, sanitizer
# reports, hangs and unlocated errors are counted, and must be 0.
mutate: $(SAN)/svipc
	$(SAN_ENV) $(PYTHON) tests/fuzz/mutate_catalog.py --svipc ./$(SAN)/svipc --per-file 120

# A seeded sample of it, for make check.
mutate-sample: $(SAN)/svipc
	$(SAN_ENV) $(PYTHON) tests/fuzz/mutate_catalog.py --svipc ./$(SAN)/svipc --per-file 120 --sample 300

# ---------- the catalog's mutation score (ci/mutants/README.md) ----------
# Not the mutation experiment above (make mutate: scenario FILES mutated to
# harden the parser): here faults are planted in impl/'s MODEL, one exact
# edit each, and the catalog run on the mutated model against the golden
# Linux traces must notice (a survivor of the model backend is run once more
# on the reference backend, then built with ASan and UBSan).  make mutants:
# every mutant, the score per file
# and operator class, every survivor (build/mutants/results.jsonl), and the
# known-killed list ci/mutants/killed.txt rewritten; it fails below
# MUTANTS_MIN_SCORE or on a stale line of suites/mutants-equivalent.txt.
# make mutants-sample: MUTANTS_SAMPLE known-killed mutants, seeded; fails if
# one survives.  Two mutants at a time (the machine's two cores).
# MUTANTS_FLAGS: more options, e.g. --files msg,sem or --only 'msg.c:*'.
MUTANTS_MIN_SCORE ?= 98
MUTANTS_SAMPLE    ?= 30
MUTANTS_FLAGS     ?=
MUTANTS := $(PYTHON) ci/mutants/mutants.py --jobs 2 --svipc $(BUILD)/svipc --cc "$(CC)" --cflags "$(CFLAGS)" \
           --objects "$(BUILD)/harness/svipc.o $(HARNESS_OBJ) $(IMPL_OBJ)" --pic-objects "$(PIC_OBJ)" \
           --preload $(PRELOAD) $(MUTANTS_FLAGS)

mutants: $(BUILD)/svipc $(PRELOAD) $(SAN)/svipc
	$(MUTANTS) --write-killed --min-score $(MUTANTS_MIN_SCORE) --san-cc $(CLANG) \
	  --san-objects "$(SAN)/harness/svipc.o $(SAN_OBJ)" --san-cflags "$(SAN_CFLAGS)" --san-ldflags "$(SAN_FLAGS)"

mutants-sample: $(BUILD)/svipc
	$(MUTANTS) --sample $(MUTANTS_SAMPLE) --seed 1
