# make demo: venv, install, build the graph from corpus/, print statistics, write out/graph.html.
# make test: install the test extras (and Debian's chromium for the browser tests), lint, run the
#   tests, check that the examples in README.md and docs/ are the commands' real output.
# make bench: the performance figures (bench/run.py), written to bench/results.md.
# make notebook: install JupyterLab and the plotting extras, build the graph, open notebooks/
#   (options for JupyterLab in JUPYTER_ARGS, e.g. make notebook JUPYTER_ARGS=--allow-root).
# Installs are skipped while pyproject.toml is unchanged (stamp files in .venv/).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP      := $(VENV)/.stamp-install
TEST_STAMP := $(VENV)/.stamp-install-test
NOTEBOOK_STAMP := $(VENV)/.stamp-install-notebook

.PHONY: demo test bench build stats viz chromium notebook clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(NOTEBOOK_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[notebook]'
	touch $@

demo: build stats viz

build: $(STAMP)
	$(BIN)/kg build corpus/

stats: $(STAMP)
	$(BIN)/kg stats

viz: $(STAMP)
	$(BIN)/kg viz -o out/graph.html

# The browser test needs Debian's chromium; install it when missing (needs root, as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic >/dev/null; }

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check kg tests bench --extend-exclude tests/data
	$(BIN)/python -m pytest -q
	$(BIN)/python scripts/readme_examples.py --check

notebook: $(NOTEBOOK_STAMP) build
	$(BIN)/jupyter lab notebooks/ $(JUPYTER_ARGS)

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf .kg
