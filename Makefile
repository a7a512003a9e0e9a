# Lapor: the two commands are `make run` and `make test`; both bootstrap what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
SAM_BIN := $(SAM_VENV)/bin
SAM_STAMP := $(SAM_VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
PORT ?= 3000
# Test processes (pytest-xdist): the stacks the e2e and browser tests start take free ports, so the suite
# runs in parallel; `make test TEST_WORKERS=0` runs it in one process. The figure targets below run serially.
TEST_WORKERS ?= auto
FN ?= intake
EVENT ?= events/intake/get_health.json
# The browser tests and the web budgets drive Debian's chromium (Playwright's own browser download cannot be
# reached); installed where it is missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LOCAL_PYTHON_RUNTIME := python$(shell $(PYTHON) -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

.PHONY: help install run test lint fmt types template checkov openapi openapi-check unit integration e2e invoke seed bench scale fuzz faults privacy load reliability clean vendor publish-web screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(SAM_STAMP): tools/requirements-sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_BIN)/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-sam.lock
	@touch $@

$(CHECKOV_STAMP): tools/requirements-checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-checkov.lock
	@touch $@

install: $(STAMP) ## create .venv from the lock file

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (Playwright's own browser download is not used)"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

vendor: $(STAMP) ## re-vendor the pinned npm packages of tools/npm (web/vendor, Swagger UI, axe-core); needs npm
	$(BIN)/python -m tools.vendor_npm

run: $(STAMP) ## start the local stack on 127.0.0.1:$(PORT), the web app on $(PORT)+1
	PORT=$(PORT) $(BIN)/python -m local

test: lint types template checkov openapi-check $(CHROMIUM) ## the whole gate: lint, types, template, Checkov, OpenAPI drift, tests (browser too)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP) ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: $(STAMP) ## mypy on the domain package and the functions
	$(BIN)/mypy shared functions local tools bench tests/fakes

template: $(STAMP) $(SAM_STAMP) ## cfn-lint, offline SAM transform, sam build with the local Python
	$(SAM_BIN)/cfn-lint template.yaml
	$(SAM_BIN)/python -m tools.translate_template template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM_BIN)/sam build --template-file template.yaml --build-dir .aws-sam/build \
		--parameter-overrides PythonRuntime=$(LOCAL_PYTHON_RUNTIME) --no-cached >/dev/null
	$(BIN)/python tools/check_build.py .aws-sam/build

checkov: $(STAMP) $(CHECKOV_STAMP) ## Checkov on the template: every finding fixed or justified in tools/checkov_skips.yaml
	$(BIN)/python -m tools.checkov_gate $(CHECKOV_VENV)/bin/checkov

openapi: $(STAMP) ## regenerate docs/openapi.json from the handlers
	$(BIN)/python -m tools.openapi --write docs/openapi.json

openapi-check: $(STAMP) ## fail when docs/openapi.json no longer matches the handlers
	$(BIN)/python -m tools.openapi --check docs/openapi.json

invoke: $(STAMP) ## run one handler on one fixture: make invoke FN=intake EVENT=events/intake/...
	$(BIN)/python -m local.invoke $(FN) $(EVENT)

publish-web: $(STAMP) ## upload web/ and the config.json of a deployed stack's outputs: make publish-web STACK=lapor
	$(BIN)/python -m tools.publish_web --stack $(STACK)

seed: $(STAMP) ## load seed/sukabumi.json into a deployed stack: make seed STACK=lapor
	$(BIN)/python -m tools.load_seed --stack $(STACK)

bench: $(STAMP) $(CHROMIUM) ## print the benchmark figures (cold start, escalation, metrics, scrubbing cost, web budgets)
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/escalation_cost.py
	$(BIN)/python bench/metrics_cost.py
	$(BIN)/python bench/scrub_cost.py
	$(BIN)/python bench/web_budget.py

screenshots: $(STAMP) $(CHROMIUM) ## the staff console's screenshots of docs/PANDUAN-ADMIN.md, into docs/screenshots/
	$(BIN)/python -m tools.screenshots

scale: $(STAMP) ## the local stack's request latency and restart time at 0, 2,000 and 10,000 reports (~10 min)
	$(BIN)/python bench/scale.py

fuzz: $(STAMP) ## a long API fuzzing run (Schemathesis, every operation and role, coverage phase on)
	LAPOR_FUZZ_EXAMPLES=100 LAPOR_FUZZ_COVERAGE=1 $(BIN)/python -m pytest tests/fuzz -q

faults: $(STAMP) ## inject throttling, timeouts and conditional storms on every write path; prints the figures
	$(BIN)/python -m pytest tests/integration/test_fault_injection.py -q

privacy: $(STAMP) ## a marker identity through every entry point, route and job: where it may and may not appear
	$(BIN)/python -m pytest tests/e2e/test_privacy_markers.py -q

load: $(STAMP) ## 60 s of concurrent reporters and staff against the local stack, with its ratio to bare writes
	$(BIN)/python bench/load.py --seconds 60

reliability: fuzz faults privacy load scale ## every figure of docs/RELIABILITY.md

clean: ## remove build output (keeps .local-data)
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
