# solve-mfg: the two set-up commands are `make run` and `make test`.
SWIFT ?= swift
PROBLEM ?= congestion-lst-1d
VENV := bench/.venv

.PHONY: run test slurm-test build deps bench error-bars exploitability-table approximators-table bench-venv compare clean check-minari off-mmd-experiment openspiel-venv compare-openspiel compare-openspiel-parameters bench-rl python-test python-test-peers fuzz fuzz-cli

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product solve-mfg

## Solve the default problem and write arrays to out/$(PROBLEM).
run: build
	.build/release/solve-mfg solve $(PROBLEM)

## The full test suite (numeric targets are compiled with -O even in debug; SWIFT_TEST_LIMIT seconds at
## most, after which the test process's threads and the unfinished tests are printed), then
## the command-line checks (outputs, exit codes, error messages), then the Python package's tests,
## then 40 seconds of the CLI fuzz harness (seeded).
SWIFT_TEST_LIMIT ?= 900
test: deps
	SWIFT=$(SWIFT) bash scripts/swift-test.sh $(SWIFT_TEST_LIMIT)
	$(SWIFT) build --product solve-mfg
	bash scripts/cli-checks.sh .build/debug/solve-mfg
	bash scripts/python-tests.sh $(PYTHON_VENV) .build/debug/solve-mfg
	@if command -v python3 > /dev/null; then \
		python3 scripts/fuzz-cli.py .build/debug/solve-mfg --seed $(FUZZ_SEED) --time 40 --timeout 60; \
	else echo "fuzz-cli: skipped (no python3)"; fi

## The Python package (python/) in bench/.venv-python: pip install ./python[test], OpenSpiel 2.0.2 from
## PyPI (its tests skip if it cannot be installed), then its tests; MFGLib's tests skip (see below).
## FRESH=1 recreates the environment.
PYTHON_VENV := bench/.venv-python
python-test: deps
	$(SWIFT) build --product solve-mfg
	bash scripts/python-tests.sh $(PYTHON_VENV) .build/debug/solve-mfg $(if $(FRESH),--fresh)

## The same with MFGLib too, in bench/.venv-python-peers: MFGLib depends on torch, whose PyPI wheel
## brings the CUDA libraries (about 5.7 GB installed, 3 minutes here; docs/python.md), so CI leaves it out.
python-test-peers: deps
	$(SWIFT) build --product solve-mfg
	bash scripts/python-tests.sh bench/.venv-python-peers .build/debug/solve-mfg --peers $(if $(FRESH),--fresh)

## `benchmark slurm`'s job array on a real single-node Slurm (root; installs Debian's slurm-wlm and
## munge if missing): merged result == local run, cell for cell (docs/benchmark.md; about two minutes).
slurm-test: deps
	$(SWIFT) build --product solve-mfg
	bash scripts/slurm-test.sh .build/debug/solve-mfg

## The CLI fuzz harness (scripts/fuzz-cli.py): 20000 mutated invocations of every subcommand, or
## FUZZ_CLI_SECONDS, checked for traps, hangs, silent NaN, files touched outside --out, unnamed errors.
FUZZ_SEED ?= 17
FUZZ_CLI_SECONDS ?= 14400
fuzz-cli: deps
	$(SWIFT) build --product solve-mfg
	mkdir -p out
	python3 scripts/fuzz-cli.py .build/debug/solve-mfg --seed $(FUZZ_SEED) --max 20000 --time $(FUZZ_CLI_SECONDS) --timeout 60 --report out/fuzz-cli.json --keep out/fuzz-cli-findings

## libFuzzer targets of the parsers (scripts/fuzz.sh, docs/fuzzing.md): the TOML reader, the expression
## parser and compiler, the .npy/.npz readers, problem-file building, the dataset readers and suite
## files, FUZZ_SECONDS each (default 10 minutes); FUZZ_TARGETS to run some of them.
FUZZ_TARGETS ?=
FUZZ_SECONDS ?= 600
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## Release benchmark; with the Python reference when bench/.venv exists (make bench-venv).
bench: build
	@if [ -x $(VENV)/bin/python ]; then \
		.build/release/solve-mfg bench --python $(VENV)/bin/python; \
	else \
		.build/release/solve-mfg bench; \
		echo "(run 'make bench-venv' to compare with the Python reference mfgsolver 0.4.4)"; \
	fi

## The table of docs/error-bars.md: error estimates against every exact solution (about 10 s).
error-bars: build
	bash scripts/error-bars-table.sh .build/release/solve-mfg > docs/error-bars.md

## The approximators' tables (docs/approximators.md, docs/approximators/table.md): 5 problems x 8 approximators x N x 5 seeds
## against the PDE density (about 45 minutes on 2 cores; APPROX_ARGS adds flags).
approximators-table: build
	bash scripts/approximators-table.sh .build/release/solve-mfg $(APPROX_ARGS)

## The closed-form exploitability table of docs/exploitability.md (numpy and scipy; about 5 s).
exploitability-table: build
	python3 bench/exploitability_table.py --solve-mfg .build/release/solve-mfg

## Python environment with the peer (PyPI mfgsolver 0.4.4), kept out of git.
bench-venv:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q "numpy<2" "scipy<2" matplotlib mfgsolver==0.4.4

## Solution-level comparison with mfgsolver on the Lauriere-Song-Tang problem at 200 x 200.
compare: build
	$(VENV)/bin/python bench/lst_reference.py --solve-mfg .build/release/solve-mfg

clean:
	rm -rf .build out

## Python environment with OpenSpiel 2.0.2 (PyPI), kept out of git.
OPENSPIEL_VENV := bench/.venv-openspiel
openspiel-venv:
	@test -x $(OPENSPIEL_VENV)/bin/python || (python3 -m venv $(OPENSPIEL_VENV) && $(OPENSPIEL_VENV)/bin/pip install -q open_spiel==2.0.2 scipy)

## OpenSpiel's nash_conv against solve-mfg's exact exploitability of the same exported policies
## (four-rooms preset included), and mean_field_lin_quad's distributions with mean reversion (~2 minutes).
compare-openspiel: build openspiel-venv
	$(OPENSPIEL_VENV)/bin/python bench/openspiel_compare.py --solve-mfg .build/release/solve-mfg --four-rooms --mean-revert 0.7 1.2

## rl run on crowd_modelling_2d games given in OpenSpiel's parameter syntax (issue 16's acceptance
## command among them): exploitability per iteration against OpenSpiel's nash_conv of the same algorithm
## (100 iterations; about 2 minutes). Exits 1 if any differs by more than 1e-9.
compare-openspiel-parameters: build openspiel-venv
	$(OPENSPIEL_VENV)/bin/python bench/openspiel_compare.py --solve-mfg .build/release/solve-mfg --parameters --iterations 100

## One tabular mirror-descent iteration (crowd_modelling 100 x 100, periodic_aversion), timed with its
## phases, against OpenSpiel in the same run.
bench-rl: build openspiel-venv
	.build/release/solve-mfg bench --rl --skip-1d --openspiel-python $(OPENSPIEL_VENV)/bin/python

## Minari round trip: PyPI minari 0.5.4 loads what `dataset generate` writes, equal to the .npz bit for bit.
check-minari: build
	@test -x bench/.venv-minari/bin/python || (python3 -m venv bench/.venv-minari && bench/.venv-minari/bin/pip install -q minari==0.5.4 h5py pillow numpy)
	rm -rf out/minari-check
	.build/release/solve-mfg dataset generate --game four_rooms --behavior expert=0.5,random=0.5 --episodes 300 --seed 4 --out out/minari-check/fr --quiet
	.build/release/solve-mfg dataset generate --game four_rooms --behavior expert=0.5,random=0.5 --episodes 300 --seed 4 --out out/minari-check/fr.npz --quiet
	bench/.venv-minari/bin/python bench/check_minari.py out/minari-check/fr out/minari-check/fr.npz

## The Off-MMD study at the authors' scale (docs/off-mmd-report.md): benchmarks/paper.toml in two shards
## side by side (about an hour on two idle cores; resumable: run it again after an interruption), merged
## and reported into out/paper/, with the report's tables printed.
off-mmd-experiment: build
	.build/release/solve-mfg benchmark run benchmarks/paper.toml --shard 1/2 --out out/paper-1 & \
	.build/release/solve-mfg benchmark run benchmarks/paper.toml --shard 2/2 --out out/paper-2; \
	second=$$?; wait $$!; first=$$?; \
	if [ $$first -ne 0 ] || [ $$second -ne 0 ]; then echo "a shard exited $$first/$$second: see its log above"; fi
	rm -rf out/paper
	.build/release/solve-mfg benchmark merge out/paper-1 out/paper-2 --out out/paper
	.build/release/solve-mfg benchmark report out/paper
	python3 bench/paper_table.py benchmarks/paper.toml out/paper
