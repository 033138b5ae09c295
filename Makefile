# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make sandbox - the main job: rehearse the dev stack offline (AWS emulator, local
#                  Prefect server, a real ECS worker run), STACK=<name> for another
#   make test    - the full test suite
# and:
#   make plan     - offline plan of the dev stack (what `pulumi up` would create)
#   make policy   - the policy pack on every Pulumi.<stack>.yaml, offline
#   make generate - rewrite what derives from the argument table (prefect_ecs/args.py)
#   make test-quick - the pure and mocks test tiers only
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev
IAM_SIM := prefect_ecs_tooling/iam_simulator

.PHONY: sandbox plan test test-quick lint policy bench generate

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The rehearsal authorizes every AWS call the worker makes with the IAM simulator (Node).
sandbox: $(VENV)/.installed $(IAM_SIM)/node_modules/.installed
	$(PY) -m prefect_ecs_tooling sandbox --stack $(STACK)

plan: $(VENV)/.installed
	$(PY) -m prefect_ecs_tooling plan --stack $(STACK)

# The independent IAM evaluator of the least-privilege tests and of the rehearsal (Node, not
# committed). Without npm the build goes on, those tests skip themselves and the rehearsal
# stops at its authorize step, naming the install command.
$(IAM_SIM)/node_modules/.installed: $(IAM_SIM)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm ci --prefix $(IAM_SIM) --no-audit --no-fund"; \
		npm ci --prefix $(IAM_SIM) --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found on PATH: the IAM simulator tests (tests/prefect_ecs_tooling/test_iam_simulator.py, tests/prefect_ecs/documents/test_iam_pool_isolation.py) will be skipped"; \
	fi

test: $(VENV)/.installed $(IAM_SIM)/node_modules/.installed
	$(PY) -m pytest

# The quick loop: the pure and mocks tiers (tests/README.md), no server, no emulator.
test-quick: $(VENV)/.installed $(IAM_SIM)/node_modules/.installed
	$(PY) -m pytest -m "pure or mocks"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy prefect_ecs prefect_ecs_tooling

generate: $(VENV)/.installed
	$(PY) -m prefect_ecs_tooling.generate

policy: $(VENV)/.installed
	$(PY) -m prefect_ecs_tooling policy

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_work_pool.py
	$(PY) benchmarks/bench_sandbox.py
	$(PY) benchmarks/bench_worker_burst.py
