# Gapbot: `make demo` to try it, `make test` to check it, `make run` for the Slack app.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo run test lint bench-smoke migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/gapbot demo

run: $(STAMP)
	$(BIN)/gapbot serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy

# Lint and the benchmarks' smoke runs go side by side (much of a smoke run waits on its
# servers and processes), each one's output kept together; pytest's summary comes last.
test: $(DEV_STAMP)
	$(MAKE) --no-print-directory -j4 -Otarget lint bench-smoke
	$(BIN)/pytest -q -n 4

SMOKES := $(patsubst bench/%.py,smoke-%,$(wildcard bench/*.py))
.PHONY: $(SMOKES)

bench-smoke: $(SMOKES)

$(SMOKES): smoke-%: $(DEV_STAMP)
	@echo "== bench/$*.py --smoke"
	@$(BIN)/python bench/$*.py --smoke

# After changing a table: write the Alembic migration for it (then read and commit it).
migration: $(DEV_STAMP)
	$(BIN)/python -c 'import sys, tempfile; from bot.store.db import make_engine, create_schema, new_migration; \
	url = f"sqlite:///{tempfile.mkdtemp()}/schema.db"; engine = make_engine(url); create_schema(engine); \
	new_migration(engine, sys.argv[1])' "$(MESSAGE)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
