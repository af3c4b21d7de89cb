# Flotilla: `make demo` and `make test` do all set-up on a fresh machine (python3 + a C compiler).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := .make
JOBS ?= 2
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help venv build demo test test-slow bench lint clean

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

$(STAMP)/deps: pyproject.toml | $(VPY)
	@mkdir -p $(STAMP)
	$(VPY) -m pip install -q "setuptools>=68" wheel "cython>=3.1" "numpy>=2.0"
	FLOTILLA_NO_EXT=1 $(VPY) -m pip install -q --no-build-isolation -e ".[test,bench,lint]"
	@touch $@

venv: $(STAMP)/deps  ## Create .venv and install every Python dependency

build: $(STAMP)/deps  ## Compile the Cython kernel in place (incremental, $(JOBS) jobs)
	$(VPY) setup.py -q build_ext --inplace --parallel $(JOBS)

demo: build  ## Build, then run the demo backtest (EMA cross, 100k EUR/USD bars) and print its report
	$(VENV)/bin/flotilla demo

test: build  ## Build, then run the test suite (without the slow chaos/soak scenarios)
	$(VPY) -m pytest -m "not slow" -q $(PYTEST_ARGS)

test-slow: build  ## Run only the slow chaos and soak scenarios
	$(VPY) -m pytest -m slow -q $(PYTEST_ARGS)

bench: build  ## Run the benchmarks in tests/benchmarks (prints machine, versions, rates, ratios)
	@set -e; for b in tests/benchmarks/bench_*.py; do echo "== $$b"; $(VPY) $$b; done

lint: $(STAMP)/deps  ## ruff check + format check, cython-lint
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	PATH=$(VENV)/bin:$$PATH cython-lint $$(git ls-files '*.pyx' '*.pxd')

clean:  ## Remove build products (keeps .venv)
	rm -rf build $(STAMP)
	find core node cluster adapters \( -name '*.so' -o -name '*.c' -o -name '*.html' \) -delete
	find . -name __pycache__ -prune -exec rm -rf {} +
