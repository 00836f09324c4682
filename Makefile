# The two commands a new clone needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sample test test-fast lint bench clean

$(BIN)/pleval: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,lint]"
	touch $@

## Install pleval, check and code the bundled sample project, and build its pages into outputs/html/.
sample: $(BIN)/pleval
	$(BIN)/pleval validate
	$(BIN)/pleval code --by transcript,school,role
	$(BIN)/pleval survey
	$(BIN)/pleval reliability --coders ana,ben
	$(BIN)/pleval reliability --coders rules --reference consensus
	$(BIN)/pleval build -j 2 $(if $(shell command -v chromium),--pdf,)
	@echo "open outputs/html/index.html"

## Install pleval with its test tools and run every test.
test: $(BIN)/pleval
	$(BIN)/python -m pytest

## The tests that need no browser, notebook kernel or Dask cluster, and no slow data set (under a minute).
test-fast: $(BIN)/pleval
	$(BIN)/python -m pytest -m "not browser and not notebook and not dask and not slow"

## Lint, type and import-layer gates (configured in pyproject.toml).
lint: $(BIN)/pleval
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

## Print the benchmarks (ratios against floors measured in the same run).
bench: $(BIN)/pleval
	$(BIN)/python benchmarks/bench_coding.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_widget.py
	$(BIN)/python benchmarks/bench_spanview.py
	$(BIN)/python benchmarks/bench_learn.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_startup.py

clean:
	rm -rf outputs benchmarks/.corpus
