# Gansu Pavilion — everything a developer or CI runs. `make demo` and `make test` set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Dev commands run with DEBUG on unless the caller says otherwise (production sets its own environment).
DEV_ENV := DEBUG=$${DEBUG:-1}
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv install install-dev demo serve migrate seed test lint fmt pytest browser-deps worker beat bench messages clean

help:
	@echo "make demo    - set up, migrate, load demo data and serve at http://$(HOST):$(PORT)"
	@echo "make test    - set up, then lint and run the whole test suite"
	@echo "make lint    - ruff, ruff format --check, mypy, import-linter, makemigrations --check, djlint"
	@echo "make worker / make beat - Celery worker / scheduler (need REDIS_URL)"
	@echo "make bench   - benchmarks in bench/ (not part of make test)"
	@echo "make messages - update and compile translations"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements/constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/constraints.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	@touch $@

venv install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo

demo: seed
	@$(DEV_ENV) $(PY) manage.py demo_banner --url http://$(HOST):$(PORT)/
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A gansu_mall worker --loglevel=INFO

beat: install
	$(BIN)/celery -A gansu_mall beat --loglevel=INFO --schedule var/celerybeat-schedule

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy $$(git ls-files --cached --others --exclude-standard -- '*services.py' '*selectors.py' '*/services/*.py' '*/selectors/*.py' 'logistics/fulfillment.py' 'logistics/inbound.py' ':!:**/tests/**' ':!:tests/**')
	$(BIN)/lint-imports --no-cache
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/djlint templates --lint --quiet

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

pytest: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

# Translations: English is the source language; zh-hans is kept complete (a test checks it).
messages: install-dev
	$(DEV_ENV) $(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(DEV_ENV) $(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

bench: install-dev
	@if ls bench/bench_*.py >/dev/null 2>&1; then for b in bench/bench_*.py; do echo "== $$b"; $(DEV_ENV) $(PY) $$b || exit 1; done; else echo "no benchmarks yet"; fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
