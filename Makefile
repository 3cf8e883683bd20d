# Quick start: `make run` (bot, or console chat without a token) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sanad run

test: $(STAMP)
	$(BIN)/ruff check bot retrieval tests
	$(BIN)/pytest -q

eval: $(STAMP)
	$(BIN)/sanad eval ../shared/eval/seeds-dev.jsonl
	$(BIN)/sanad eval ../shared/eval/arcd-train.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
