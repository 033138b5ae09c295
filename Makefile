# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make plan   - offline plan of the dev stack (STACK=<name> for another)
#   make test   - the full test suite
#   make policy - the policy pack on every Pulumi.<stack>.yaml, offline
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: plan test lint policy bench

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

plan: $(VENV)/.installed
	$(PY) -m prefect_ecs plan --stack $(STACK)

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy prefect_ecs

policy: $(VENV)/.installed
	$(PY) -m prefect_ecs policy

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_work_pool.py
