# `make run` starts the app; `make test` runs every test (lint, unit, app and browser tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench lint format

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# MALLOC_ARENA_MAX, PYTHONMALLOC: see deploy/serve_replicas.py (SERVER_ENV).
run: $(VENV)/.runtime
	MALLOC_ARENA_MAX=1 PYTHONMALLOC=malloc $(VENV)/bin/streamlit run app.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest -rs $(PYTEST_ARGS)

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) bench/bench_core.py
	$(PY) bench/bench_parser.py
	$(PY) bench/bench_sweep.py
	$(PY) bench/bench_train.py
	$(PY) bench/bench_loss_plane.py
	$(PY) bench/bench_latency.py
	$(PY) bench/bench_arrival.py
	$(PY) bench/bench_load.py
	$(PY) bench/bench_scale.py
