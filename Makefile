# make demo: venv, install, build the graph from corpus/, print statistics.
# make test: install the test extras, lint, run the tests.
# make bench: the performance figures (bench/run.py), written to bench/results.md.
# Installs are skipped while pyproject.toml is unchanged (stamp files in .venv/).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP      := $(VENV)/.stamp-install
TEST_STAMP := $(VENV)/.stamp-install-test

.PHONY: demo test bench build stats clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: build stats

build: $(STAMP)
	$(BIN)/kg build corpus/

stats: $(STAMP)
	$(BIN)/kg stats

test: $(TEST_STAMP)
	$(BIN)/ruff check kg tests bench --extend-exclude tests/data
	$(BIN)/python -m pytest -q

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf .kg
