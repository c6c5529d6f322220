# The front door. `make run` serves the portal on the embedded default; `make test` runs the
# whole suite. Both create the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check worker beat bench migrate seed install clean backup restore

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# makemigrations reads the migration history from the database: without DATABASE_URL, from an
# in-memory SQLite database, or it would leave an empty db.sqlite3 in the checkout.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	SQLITE_PATH=:memory: $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/pytest -n auto --durations=30 $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/python manage.py check

# One worker for both queues (settings.HEAVY_TASK_QUEUE): in its prefork children an import
# checks its rows and a packet renders its sections in process. docker-compose.yml runs the
# heavy queue on a threads-pool worker of its own, where they start their processes.
worker: $(STAMP)
	$(BIN)/celery -A tainan_rdec worker -Q celery,heavy --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A tainan_rdec beat --loglevel=INFO

# Benchmarks (not tests): builds or reuses the five-year data set in a kept database
# (test_rdec_fiveyear), runs every tests/perf/bench_*.py and prints one table of figures
# against the DESIGN.md targets. Full scale on PostgreSQL (DATABASE_URL), small on SQLite;
# BENCH_CASES / BENCH_PROJECTS change the scale, BENCH="bench_pages bench_workdays" picks some.
bench: $(STAMP)
	$(BIN)/python -m tests.perf $(BENCH)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# The database and the uploaded files into BACKUP_DIR (default ./backups), keeping the newest
# BACKUP_KEEP; and back: `make restore` takes the newest, BACKUP=rdec-20250326-023000 another,
# RESTORE_ARGS=--force to replace a database that has data. See the README, 備份與還原.
backup: $(STAMP)
	$(BIN)/python manage.py backup $(BACKUP_ARGS)

restore: $(STAMP)
	$(BIN)/python manage.py restore $(or $(BACKUP),latest) $(RESTORE_ARGS)

# The month-end rush (not part of `make test`): 200 filers log in, file and submit at once
# against gunicorn + PostgreSQL on loopback, in a database of its own (tainan_rdec_load);
# prints p50/p95/max per step. LOAD_ARGS="--users 50 --workers 2 --ramp 30" to change it,
# LOAD_POSTGRES=postgres://user@host:port for another server.
.PHONY: load
load: $(STAMP)
	$(BIN)/python -m tests.perf.load_month_end $(LOAD_ARGS)
