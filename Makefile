# kvarter — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYSAL_VENV := .venv-pysal
# Skip the slow suites (Spark, browser, PySAL comparisons) with: make test FAST=1
FAST ?=
PYTEST_ARGS ?=
ifeq ($(FAST),1)
  PYTEST_MARK := -m "not slow"
else
  PYTEST_MARK :=
endif

.PHONY: demo test install browser java pysal bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (no browser can be downloaded here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: /usr/bin/chromium missing and not root; browser tests will be skipped"; fi; \
	fi

# A Java runtime for the Spark suites (local mode and the loopback cluster the
# engine tests start from PySpark's own spark-class).
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	      || echo "warning: could not install Java; the Spark tests will be skipped"; \
	  else echo "warning: java missing and not root; the Spark tests will be skipped"; fi; \
	fi

# PySAL's segregation package wants pandas<3: it gets its own environment (esda, the
# empirical-Bayes oracle of tests/benchmark, lives there too).
$(PYSAL_VENV)/.installed:
	test -x $(PYSAL_VENV)/bin/python || $(PYTHON) -m venv $(PYSAL_VENV)
	$(PYSAL_VENV)/bin/python -m pip install -q --upgrade pip
	$(PYSAL_VENV)/bin/python -m pip install -q "segregation==2.5.4" "esda==2.9.0" "pandas<3" "numpy<2.3"
	touch $@

pysal: $(PYSAL_VENV)/.installed

demo: $(STAMP)
	$(VENV)/bin/kvarter demo

test: $(STAMP) browser java pysal
	$(PY) -m pytest -q $(PYTEST_MARK) $(PYTEST_ARGS)

bench: $(STAMP) pysal
	$(PY) -m benchmarks $(BENCH)

lint: $(STAMP)
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) $(PYSAL_VENV) out kvarter.duckdb
