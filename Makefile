# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean histories screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# compileall writes the bytecode an ordinary install has, so that where PYTHONDONTWRITEBYTECODE is set a command
# does not compile its modules again on every run. Python still checks each file's time stamp: an edit is seen.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q domain workflows activities store runtime cli simulation web worker.py
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/govern up

test: $(STAMP)
	$(BIN)/python -m pytest

# The eventsourcing library is a bench-only baseline, installed here and nowhere else.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

# mypy checks the packages listed under [tool.mypy] in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var

# Refresh the replay test's histories from the example scenarios (after an intended, versioned change only).
histories: $(STAMP)
	rm -rf tests/replay/histories
	for scenario in examples/scenarios/*.yaml; do \
	  $(BIN)/govern --data-dir var/histories simulate $$scenario --save-histories tests/replay/histories >/dev/null || exit 1; \
	done

# Refresh the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: $(STAMP)
	GOVERN_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/web -k browser
