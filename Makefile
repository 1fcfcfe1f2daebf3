# monitor-analyzer — developer entry points.
#
#   make demo   # install what is missing, then run the bundled example
#   make test   # install what is missing, then lint + format check + docs build + test suite
#   make docs   # the documentation site (MkDocs) in site/
#
# `make install` is idempotent: Java 17 is only installed (apt) when `java -version` is missing or
# older than 17, the virtualenv is only created when absent, and the package is only (re)installed
# when pyproject.toml or constraints.txt changed since the last install.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
IMAGE  ?= monitor-analyzer:latest
# The current SageMaker SDK v3 beside the pinned v2 (tests/baseline/test_feature_overrides.py runs it).
SDK3_VENV  := .venv-sdk3
SDK3_STAMP := $(SDK3_VENV)/.installed

# apt needs root; fall back to sudo when run as an ordinary user.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help install java browser sdk3 test lint format docs demo bench image clean distclean

help:
	@echo "targets: install browser sdk3 test docs demo bench lint format image clean distclean"

install: java $(STAMP)

# Java 17+ is required by PySpark 4.x. `java -version` prints e.g. `openjdk version "17.0.15"`
# (or `"1.8.0_392"` for Java 8, whose leading 1 correctly compares as < 17).
java:
	@major=$$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1); \
	if [ -n "$$major" ] && [ "$$major" -ge 17 ]; then \
		echo "java $$major found"; \
	else \
		echo "Java >= 17 not found (found: $${major:-none}); installing openjdk-17-jre-headless"; \
		$(APT_GET) update && \
		$(APT_GET) install -y --no-install-recommends openjdk-17-jre-headless; \
	fi

# Debian ships `venv` without ensurepip unless python3-venv is installed; install it on demand.
$(VPY):
	@if ! $(PYTHON) -m venv $(VENV); then \
		echo "python3 -m venv failed; installing python3-venv"; \
		rm -rf $(VENV); \
		$(APT_GET) update && \
		$(APT_GET) install -y --no-install-recommends python3-venv && \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(VPY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(VPY)
	$(VPY) -m pip install -c constraints.txt -e '.[test]'
	touch $@

# SDK v3 in a virtualenv of its own (it cannot share one with the v2 the project pins); rebuilt only
# when constraints-sdk3.txt changes. $(VPY) first: that rule installs python3-venv when missing.
sdk3: $(SDK3_STAMP)

$(SDK3_STAMP): constraints-sdk3.txt | $(VPY)
	rm -rf $(SDK3_VENV)
	$(PYTHON) -m venv $(SDK3_VENV)
	$(SDK3_VENV)/bin/python -m pip install --quiet -c constraints-sdk3.txt sagemaker-core
	touch $@

# Headless Chromium for the report tests (tests/report/test_report_browser.py drives it with Playwright,
# which is never allowed to download a browser of its own): Debian's package, installed when missing.
browser:
	@if [ -x /usr/bin/chromium ]; then \
		echo "chromium found"; \
	else \
		echo "/usr/bin/chromium not found; installing Debian's chromium"; \
		$(APT_GET) update && \
		$(APT_GET) install -y --no-install-recommends chromium; \
	fi

# The suite, then the image and the tests that run it (a Docker engine is started, and installed
# from Debian's docker.io, when none answers; see container/build-image.sh).
test: install browser sdk3
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mkdocs build --strict --quiet
	$(VPY) -m pytest -n 2 -m "not container" tests
	$(MAKE) image
	$(VPY) -m pytest -n 2 -m container tests

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The documentation site in site/ (git-ignored); the CLI and environment-key references are
# generated from the code as it builds (docs/hooks.py). --strict: a broken link fails the build.
docs: install
	$(VENV)/bin/mkdocs build --strict

demo: install
	bash examples/demo.sh

# Benchmarks (figures are printed and appended to bench/results/): capture data at 100k, 1M and
# 10M records plus 2,000 features x 100k, each against streaming polars and DuckDB queries in the
# same run; the CPU cost of each profiling step; then the CSV profile against a Catalyst
# aggregation. BENCH_RECORDS overrides the sizes.
BENCH_RECORDS ?= 100000 1000000 10000000
bench: install
	$(VPY) -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(VPY) -m bench.capture_bench --records $(BENCH_RECORDS) --wide
	$(VPY) -m bench.step_bench --records 100000 1000000
	$(VPY) -m bench.profile_bench --rows 200000 --cols 26
	$(VPY) -m bench.quality_bench --records 100000 1000000
	$(VPY) -m bench.schedule_bench --records 100000 1000000
	$(MAKE) image && $(VPY) -m bench.container_bench --records 100000 1000000

# The image, on any machine like ours: starts Docker, makes a debootstrap base when no registry
# is reachable, builds offline from wheels of the pinned dependencies, prints the image size.
image: install
	bash container/build-image.sh $(IMAGE)

clean:
	rm -rf demo-output site .pytest_cache .ruff_cache spark-warehouse metastore_db derby.log build dist *.egg-info
	find . \( -path ./$(VENV) -o -path ./$(SDK3_VENV) \) -prune -o -name __pycache__ -type d -exec rm -rf {} +

# Also removes the virtualenvs (the next `make install` / `make sdk3` recreates them).
distclean: clean
	rm -rf $(VENV) $(SDK3_VENV)
