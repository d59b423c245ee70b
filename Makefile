# 快处快赔 — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := backend/.venv
PY := $(abspath $(VENV))/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test setup venv frontend-deps frontend-build migrate seed lint test-backend test-frontend test-e2e bench bench-smoke soak clean

setup: venv frontend-deps

venv: $(VENV)/.installed
$(VENV)/.installed: backend/requirements.txt backend/requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r backend/requirements-dev.txt
	@touch $@

frontend-deps: admin-frontend/node_modules/.installed wechat-h5/node_modules/.installed
admin-frontend/node_modules/.installed: admin-frontend/package-lock.json
	cd admin-frontend && npm ci --no-audit --no-fund
	@touch $@
wechat-h5/node_modules/.installed: wechat-h5/package-lock.json
	cd wechat-h5 && npm ci --no-audit --no-fund
	@touch $@

frontend-build: frontend-deps
	cd admin-frontend && npm run build
	cd wechat-h5 && npm run build

migrate: venv
	cd backend && $(PY) manage.py migrate --noinput -v0

seed: migrate
	cd backend && $(PY) manage.py seed_demo

## run: set everything up (venv, npm, builds, database, demo data) and serve on http://$(HOST):$(PORT)
run: setup frontend-build seed
	@echo ""
	@echo "  快处快赔 is starting on http://$(HOST):$(PORT)"
	@echo "  管理端 admin app : http://$(HOST):$(PORT)/admin/   (admin / Demo@2026)"
	@echo "  车主端 H5        : http://$(HOST):$(PORT)/h5/"
	@echo "  API docs         : http://$(HOST):$(PORT)/api/docs/"
	@echo ""
	cd backend && exec $(PY) -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws websockets --lifespan off --no-access-log

lint: venv frontend-deps
	cd backend && $(PY) -m ruff check .
	cd backend && $(PY) manage.py makemigrations --check --dry-run -v0
	cd admin-frontend && npm run lint
	cd wechat-h5 && npm run lint

test-backend: venv
	cd backend && CELERY_EAGER=1 $(PY) -m pytest -m "not e2e"

test-frontend: frontend-deps
	cd admin-frontend && npm test
	cd wechat-h5 && npm test

test-e2e: venv frontend-build
	cd backend && CELERY_EAGER=1 $(PY) -m pytest -m e2e tests/e2e

## test: every test — lint, backend (pytest), front-end unit tests (vitest), browser end-to-end (Playwright + Chromium)
test: lint test-backend test-frontend test-e2e

bench: venv
	cd backend && $(PY) -m bench $(BENCH_ARGS)

## bench-smoke: the same benchmark on 2,000 cases (a few minutes; for CI)
bench-smoke: venv
	cd backend && $(PY) -m bench --scale 0.002 $(BENCH_ARGS)

soak: venv
	cd backend && CELERY_EAGER=1 $(PY) -m pytest -m soak tests/soak

clean:
	rm -rf backend/var backend/.venv admin-frontend/node_modules wechat-h5/node_modules admin-frontend/dist wechat-h5/dist
