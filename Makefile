# Two commands on a fresh machine with only Python 3 and make:
#   make demo   sets up .venv with what the demo needs and runs the main job (the moons demo)
#   make test   sets up .venv with every extra and runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
STAMP := $(VENV)/.installed
# Editable install in strict mode: setuptools links the listed packages (engine, nn, demos) into build/__editable__
# instead of installing an import hook for the flat layout, so it has no caveat to print. A new module shows up
# there after the next install (make clean), though tests, demos and the notebook import from this folder anyway.
EDITABLE := --config-settings editable_mode=strict -e

.PHONY: venv demo test lint typecheck docs bench clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the demo needs only the demos and render extras (no test, docs or type-checking tools)
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(EDITABLE) '.[demos,render]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(EDITABLE) '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python -m demos.moons

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict engine nn
	$(BIN)/pyright engine nn
	$(BIN)/python tests/typecheck_readme.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build site *.egg-info
