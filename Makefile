# Lianxin. `make run` serves the demo district; `make test` runs the suite (SQLite by default,
# PostgreSQL when DATABASE_URL is set). Only Python 3.11, git and make are needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# One sync worker per core: intake is CPU-bound, so more processes only queue (measured with
# `make bench`).
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# run_schedule's priority (nice): see `serve`.
SCHEDULE_NICE ?= 10

.PHONY: run serve setup test lint bench bench-scale bench-topology bench-cpu bench-console \
	bench-knowledge faults messages clean

$(VENV)/.runtime: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

setup: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_demo
	@# The demo inspector's reporting key, so that the 举报 channel takes reports at once
	@# (its passphrase is the demo password; a real inspector chooses their own).
	LIANXIN_DEMO_PASSPHRASE=lianxin-demo $(PY) manage.py inspector_keys_create --user inspector \
	  --if-missing --passphrase-env LIANXIN_DEMO_PASSPHRASE
	@# The category router, so that appeals without a category get a suggestion (about a
	@# minute, the first time only).
	$(PY) manage.py router_train --data data/teddy2020/train.csv --if-missing

run: setup serve

serve: $(VENV)/.runtime
	@echo ""
	@echo "Lianxin is serving on http://127.0.0.1:$(PORT)/  (citizen portal: /portal/, staff: /login/, API docs: /api/docs/)"
	@echo ""
	@# run_schedule: the periodic tasks, and every second the work intake and the other
	@# services leave after commit (routing, duplicates and areas, notifications), found in
	@# the database, so no request waits for it (docs/operations.md). Requests go first: the
	@# sweepers write in chunks and pause when a request waited for the database
	@# (core/queue.py in_turns); the analysis computes outside its transaction. At a lower
	@# priority (SCHEDULE_NICE), so that their CPU goes to requests first: on PostgreSQL nothing
	@# else makes them wait, and they took half a core from a full intake (bench/intake.py, one
	@# pair of runs: 231 appeals/s p99 120 ms at nice 0, 267/s p99 98 ms at nice 10; SQLite
	@# 344/s p99 84 ms and 344/s p99 82 ms).
	@# The logging SMS backend writes the texts here (SMS_LOG_TEXT), so a citizen's sign-in
	@# code for 我的诉求 (/my/) can be read in this console; production plugs in a gateway.
	@mkdir -p $${LIANXIN_VAR_DIR:-var}
	export SMS_LOG_TEXT=$${SMS_LOG_TEXT:-true}; \
	nice -n $(SCHEDULE_NICE) $(PY) manage.py run_schedule > $${LIANXIN_VAR_DIR:-var}/schedule.log 2>&1 & \
	  trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn lianxin.wsgi:application --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
	    --access-logfile - --timeout 60 \
	    --logger-class lianxin.deploy.gunicorn_logging.PrivateAccessLogger

test: $(VENV)/.dev
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.dev
	$(PY) bench/run.py
	$(PY) bench/intake.py
	$(PY) bench/open311.py
	$(PY) bench/router.py
	$(PY) bench/duplicates.py
	$(PY) bench/warning.py
	$(PY) bench/replies.py
	$(PY) bench/dashboard.py
	$(PY) bench/rankings.py
	$(PY) bench/reports_crypto.py
	$(PY) bench/audit.py
	$(PY) bench/citizen_lookup.py

# The multi-node topology of docs/topology.md on this machine (needs root: installs nginx and
# PgBouncer with apt-get when missing): two app nodes behind nginx, PgBouncer, PostgreSQL
# (database lianxin_topo), Redis db 4, one Celery worker; loaded, one node killed mid-load.
bench-topology: $(VENV)/.dev
	$(PY) bench/topology.py

# CPU seconds per request of each type, for docs/capacity.md.
bench-cpu: $(VENV)/.dev
	$(PY) bench/cpu_cost.py

# The operator console's lookups over 1,000,000 appeals and 50,000 articles on PostgreSQL
# (about 8 minutes on two cores, most of it building the data and its indexes).
bench-console: $(VENV)/.dev
	$(PY) bench/console.py

# Knowledge-base search over 50,000 articles on SQLite and PostgreSQL (several minutes: most of
# it writing and indexing the articles), so not part of `make bench`.
bench-knowledge: $(VENV)/.dev
	$(PY) bench/knowledge.py

# A city on PostgreSQL: SCALE_APPEALS (10,000,000) appeals with their audit events, built once
# into SCALE_DATABASE_URL (postgres://postgres@127.0.0.1:5432/lianxin_city; reused at the same
# size), then rankings, dashboard, Open311, tracking and duplicate lookups beside their targets
# (docs/scale.md). Not part of `make test` or `make bench`.
bench-scale: $(VENV)/.dev
	$(PY) bench/scale.py

# Faults under load on private PostgreSQL and Redis instances (needs root): a worker killed,
# Redis stopped, PostgreSQL restarted, the disk full. Prints what held.
faults: $(VENV)/.dev
	$(PY) bench/faults.py

messages: $(VENV)/.dev
	cd lianxin && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) var
