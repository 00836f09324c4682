# The two commands a new clone needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sample test bench clean

$(BIN)/pleval: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

## Install pleval, check and code the bundled sample project, and build its pages into outputs/html/.
sample: $(BIN)/pleval
	$(BIN)/pleval validate
	$(BIN)/pleval code --by transcript,school,role
	$(BIN)/pleval reliability --coders ana,ben
	$(BIN)/pleval reliability --coders rules --reference consensus
	$(BIN)/pleval build -j 2
	@echo "open outputs/html/index.html"

## Install pleval with its test tools and run every test.
test: $(BIN)/pleval
	$(BIN)/python -m pytest

## Print the benchmarks (ratios against floors measured in the same run).
bench: $(BIN)/pleval
	$(BIN)/python benchmarks/bench_coding.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_widget.py
	$(BIN)/python benchmarks/bench_learn.py
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf outputs benchmarks/.corpus
