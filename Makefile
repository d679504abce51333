# Two commands set everything up on a fresh machine with python3 and pip:
#   make demo   audit the shipped examples with the shipped rules
#   make test   lint, type-check and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint browser postgres spark format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test extra installs veracity with it: one pip run (each builds the editable wheel in a
# fresh build environment), which also stands for the demo's install.
$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# The examples are dated: a fixed audit date keeps the demo's findings the same every day.
DEMO_AS_OF ?= 2026-11-01

demo: $(VENV)/.installed
	$(BIN)/veracity audit --rules examples/rules.yaml --as-of $(DEMO_AS_OF) --exit-zero

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# The HTML report is tested in a real headless Chromium (Debian's package).
browser:
	bash .ci/install-browser

# The database tests start a throw-away cluster of Debian's PostgreSQL server.
postgres:
	bash .ci/install-postgres

# The Spark tests run on local[2]: a Java runtime and the spark extra (pyspark, pyarrow, pandas).
spark: $(VENV)/.installed-test
	VENV=$(VENV) bash .ci/install-spark

# spark comes first: the type check reads pyspark's types.
test: spark lint browser postgres
	$(BIN)/python -m pytest

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
