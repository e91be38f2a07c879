# Gapbot: `make demo` to try it, `make test` to check it, `make run` for the Slack app.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo run test lint bench-smoke unit-tests migration clean

# pytest-xdist workers: more than the two cores, as many tests wait on servers and threads;
# a fourth costs more CPU (its start-up, its fixtures) than its waits save (make test:
# 77 s with 3, 85-92 s with 4, on 2 cores).
TEST_WORKERS ?= 3

unexport PYTHONDONTWRITEBYTECODE

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

# The tests, lint and the benchmarks' smoke runs go side by side (much of each waits on
# servers, threads and processes). Each one's output is kept together and shown when it
# ends, and `make test` fails if any of them fails. Python may keep the bytecode it
# compiles (in the ignored __pycache__ folders): every pytest worker and smoke run imports
# the same modules, and compiling them afresh costs each pytest worker over two seconds.
test: $(DEV_STAMP)
	$(MAKE) --no-print-directory -j -Otarget unit-tests lint bench-smoke

unit-tests: $(DEV_STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS)

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
