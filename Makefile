# solve-mfg: the two set-up commands are `make run` and `make test`.
SWIFT ?= swift
PROBLEM ?= congestion-lst-1d
VENV := bench/.venv

.PHONY: run test build deps bench bench-venv compare clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product solve-mfg

## Solve the default problem and write arrays to out/$(PROBLEM).
run: build
	OPENBLAS_NUM_THREADS=1 .build/release/solve-mfg solve $(PROBLEM)

## The full test suite (numeric targets are compiled with -O even in debug), then the
## command-line checks (outputs, exit codes, error messages).
test: deps
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test
	$(SWIFT) build --product solve-mfg
	OPENBLAS_NUM_THREADS=1 bash scripts/cli-checks.sh .build/debug/solve-mfg

## Release benchmark; with the Python reference when bench/.venv exists (make bench-venv).
bench: build
	@if [ -x $(VENV)/bin/python ]; then \
		OPENBLAS_NUM_THREADS=1 .build/release/solve-mfg bench --python $(VENV)/bin/python; \
	else \
		OPENBLAS_NUM_THREADS=1 .build/release/solve-mfg bench; \
		echo "(run 'make bench-venv' to compare with the Python reference mfgsolver 0.4.4)"; \
	fi

## Python environment with the peer (PyPI mfgsolver 0.4.4), kept out of git.
bench-venv:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q "numpy<2" "scipy<2" matplotlib mfgsolver==0.4.4

## Solution-level comparison with mfgsolver on the Lauriere-Song-Tang problem at 200 x 200.
compare: build
	$(VENV)/bin/python bench/lst_reference.py --solve-mfg .build/release/solve-mfg

clean:
	rm -rf .build out
