# Flotilla: `make demo` and `make test` do all set-up on a fresh machine (python3 + a C compiler).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := .make
JOBS ?= 2
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help venv lock system build demo test test-slow bench lint clean FORCE

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(VPY):
	$(PY) -m venv $(VENV)

# Every Python package comes from requirements.lock (exact versions, SHA-256 hashes; pip refuses
# anything else), then the project itself without dependencies. pyproject.toml keeps ranges for
# library users; `make lock` regenerates the lock from it.
$(STAMP)/deps: requirements.lock pyproject.toml | $(VPY)
	@mkdir -p $(STAMP)
	$(VPY) -m pip install -q --require-hashes -r requirements.lock
	FLOTILLA_NO_EXT=1 $(VPY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)/deps  ## Create .venv and install every Python dependency from requirements.lock

# The lock: pip-tools in its own venv compiles pyproject.toml (with the test, bench and lint
# extras) and build-requirements.in into requirements.lock. Versions already in the lock are
# kept (so running it twice gives the same file); `make lock LOCK_ARGS=--upgrade` moves them.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.7.0
LOCK_ARGS ?=
lock:  ## Regenerate requirements.lock from pyproject.toml (pip-tools, with hashes)
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PY) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/pip install -q "$(PIP_TOOLS)"; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
		--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra test --extra bench --extra lint $(LOCK_ARGS) \
		-o requirements.lock pyproject.toml build-requirements.in

# System packages the tests need: Debian's chromium (the tearsheet test opens reports in it) and
# redis-server (the live node's cache and bus tests start a real one on a free loopback port).
# The stamp is redone whenever one is missing (FORCE), so removing one re-installs it.
SYSTEM_PKGS := chromium redis-server
MISSING_PKGS := $(foreach p,$(SYSTEM_PKGS),$(if $(shell command -v $(p) 2>/dev/null),,$(p)))
$(STAMP)/system: $(if $(MISSING_PKGS),FORCE)
	@mkdir -p $(STAMP)
ifneq ($(strip $(MISSING_PKGS)),)
	@if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "missing: $(strip $(MISSING_PKGS)); installing needs root (no sudo): run" \
		"'apt-get update && apt-get install $(strip $(MISSING_PKGS))' as root, then make again" >&2; \
		exit 1; fi; \
	echo "installing Debian's $(strip $(MISSING_PKGS)) (apt-get) for the tests"; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(strip $(MISSING_PKGS))
endif
	@for p in $(SYSTEM_PKGS); do command -v $$p >/dev/null 2>&1 || \
		{ echo "$$p still missing after apt-get" >&2; exit 1; }; done
	@touch $@

system: $(STAMP)/system  ## Install the system packages the tests need (Debian's chromium and redis-server)

FORCE:

build: $(STAMP)/deps  ## Compile the Cython kernel in place (incremental, $(JOBS) jobs)
	$(VPY) setup.py -q build_ext --inplace --parallel $(JOBS)

DEMO_CATALOG := .flotilla/catalog
DEMO_BARS_CSV := configs/data/EURUSD-1-MINUTE-MID.csv.gz
DEMO_BAR_TYPE := EUR/USD.SIM-1-MINUTE-MID-EXTERNAL

# The bundled bars, imported once (into a temporary catalog renamed into place when complete).
$(DEMO_CATALOG): $(DEMO_BARS_CSV) | $(STAMP)/deps
	rm -rf $@ $@.tmp
	$(VENV)/bin/flotilla catalog add-instrument --fx EUR/USD.SIM --catalog $@.tmp
	$(VENV)/bin/flotilla catalog import bars $(DEMO_BARS_CSV) --instrument EUR/USD.SIM \
	    --bar-type $(DEMO_BAR_TYPE) --catalog $@.tmp --strict
	mv $@.tmp $@

demo: build $(DEMO_CATALOG)  ## Build, import the bundled EUR/USD bars, run configs/ema_cross.toml, print the report
	$(VENV)/bin/flotilla backtest configs/ema_cross.toml --results .flotilla/results --force

test: build $(STAMP)/system  ## Build, then run the test suite (without the slow chaos/soak scenarios)
	$(VPY) -m pytest -m "not slow" -q $(PYTEST_ARGS)

test-slow: build $(STAMP)/system  ## Run only the slow chaos and soak scenarios
	$(VPY) -m pytest -m slow -q $(PYTEST_ARGS)

bench: build  ## Run the benchmarks in tests/benchmarks (prints machine, versions, rates, ratios)
	@failed=; for b in tests/benchmarks/bench_*.py; do echo "== $$b"; $(VPY) $$b || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo "benchmarks with a missed target or an error:$$failed" >&2; exit 1; fi

lint: $(STAMP)/deps  ## ruff check + format check, cython-lint
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	PATH=$(VENV)/bin:$$PATH cython-lint $$(git ls-files '*.pyx' '*.pxd')

clean:  ## Remove build products (keeps .venv)
	rm -rf build $(STAMP)
	find core node cluster adapters \( -name '*.so' -o -name '*.c' -o -name '*.html' \) -delete
	find . -name __pycache__ -prune -exec rm -rf {} +
