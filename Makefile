# CineMatch: `make run` serves the site, `make test` runs the tests. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_DIR := var/run
LOG_DIR := var/log
# One BLAS/torch thread per process: on 2 cores oversubscription costs 10-60x in latency.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export HF_HUB_OFFLINE := 1
# Tests get their own embedded servers, data folder and ports: they never touch the run data.
TEST_ENV := CINEMATCH_VAR_DIR=$(CURDIR)/var/test EMBEDDED_PG_PORT=54339 EMBEDDED_REDIS_PORT=63791 \
	CINEMATCH_DATA_CACHE=$(CURDIR)/var/cache/wheels

FEED_MODEL ?= ease

.PHONY: setup run serve stop worker worker-start worker-stop beat services test test-fast check lint bench bench-scale clean-test browser

setup: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt requirements-peers.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-peers.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

run: setup
	$(PY) manage.py services up
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_bundled
	$(PY) manage.py train $(FEED_MODEL) --if-missing
	$(PY) manage.py train svd --if-missing
	$(PY) manage.py embed --queue
	$(PY) manage.py llm_setup
	$(PY) manage.py train reranker --if-missing --queue
	$(PY) manage.py train query_parser --if-missing --queue
	$(PY) manage.py train enricher --if-missing --queue
	$(PY) manage.py enrich --queue
	$(PY) manage.py train embedder --if-missing --queue
	$(PY) manage.py train cross_encoder --if-missing --queue
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py create_demo_user
	@$(MAKE) --no-print-directory worker-start
	@echo "CineMatch is at http://127.0.0.1:8000/  (Ctrl-C stops the site; 'make stop' stops everything)"
	@trap '$(MAKE) --no-print-directory worker-stop' EXIT; \
	$(VENV)/bin/gunicorn recsite.wsgi -c recsite/gunicorn.conf.py --bind 127.0.0.1:8000 --workers 2 --threads 1 \
		--pid $(RUN_DIR)/gunicorn.pid --control-socket $(CURDIR)/$(RUN_DIR)/gunicorn.ctl \
		--access-logfile $(LOG_DIR)/access.log

worker: setup
	$(VENV)/bin/celery -A recsite worker -Q default,gpu,interactive --concurrency 1 --loglevel INFO

beat: setup
	$(VENV)/bin/celery -A recsite beat --loglevel INFO --schedule var/run/celerybeat-schedule

bench: setup
	@bash scripts/ensure-debian-packages.sh wrk wrk
	$(PY) manage.py services up
	$(PY) manage.py bench

# The cost curve against data size on synthetic ml-25m-shaped data (not part of make test; the 10M
# and 25M sizes take hours): SCALE_SIZES=100k,1M,10M,25M make bench-scale
SCALE_SIZES ?= 100k,1M
bench-scale: setup
	@bash scripts/ensure-debian-packages.sh wrk wrk
	$(PY) manage.py services up
	$(PY) manage.py bench_scale --sizes $(SCALE_SIZES)

# One worker per queue, so a long GPU-queue job (embedding the catalog, fine-tuning) never delays the
# quick CPU-queue ones (feed refreshes after a rating) or the language jobs a person is waiting for
# on a page (a preference suggestion, "more like this" reasons: queue interactive).
worker-start: setup
	@mkdir -p $(RUN_DIR) $(LOG_DIR)
	@for queue in default gpu interactive; do \
		pidfile=$(RUN_DIR)/celery-$$queue.pid; \
		if [ -f $$pidfile ] && kill -0 $$(cat $$pidfile) 2>/dev/null; then \
			echo "celery worker ($$queue): running (pid $$(cat $$pidfile))"; \
		else \
			rm -f $$pidfile; \
			$(VENV)/bin/celery -A recsite worker -Q $$queue --concurrency 1 --loglevel INFO \
				--detach --pidfile $(CURDIR)/$$pidfile --logfile $(CURDIR)/$(LOG_DIR)/celery-$$queue.log \
				-n $$queue@%h && echo "celery worker ($$queue): started (log: $(LOG_DIR)/celery-$$queue.log)"; \
		fi; \
	done

# TERM lets a worker finish its task (warm shutdown); a long task gets 10 s, then QUIT stops it
# at once (cold shutdown). Its task was not acknowledged, so the broker hands it out again and the
# idempotent task resumes after the next `make run`.
worker-stop:
	@for queue in default gpu interactive; do \
		pidfile=$(RUN_DIR)/celery-$$queue.pid; \
		if [ -f $$pidfile ] && kill -0 $$(cat $$pidfile) 2>/dev/null; then \
			pid=$$(cat $$pidfile); kill -TERM $$pid; \
			for i in $$(seq 1 20); do kill -0 $$pid 2>/dev/null || break; sleep 0.5; done; \
			if kill -0 $$pid 2>/dev/null; then \
				echo "celery worker ($$queue): busy; stopping it now, its task resumes on the next start"; \
				pkill -QUIT -P $$pid; kill -QUIT $$pid; \
				for i in $$(seq 1 20); do kill -0 $$pid 2>/dev/null || break; sleep 0.5; done; \
				pkill -KILL -P $$pid 2>/dev/null; kill -KILL $$pid 2>/dev/null; \
			fi; \
			echo "celery worker ($$queue): stopped"; \
		fi; rm -f $$pidfile; \
	done

stop:
	@if [ -f $(RUN_DIR)/gunicorn.pid ] && kill -0 $$(cat $(RUN_DIR)/gunicorn.pid) 2>/dev/null; then \
		kill -TERM $$(cat $(RUN_DIR)/gunicorn.pid) && echo "site: stopped"; fi
	@$(MAKE) --no-print-directory worker-stop
	@if [ -x $(PY) ]; then $(PY) manage.py services down; fi

services: setup
	$(PY) manage.py services status

browser:
	@bash scripts/ensure-debian-packages.sh chromedriver chromium chromium-driver

test: setup browser
	$(VENV)/bin/ruff check .
	@$(TEST_ENV) $(PY) manage.py services up
	@set +e; $(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
		$(TEST_ENV) $(PY) manage.py services down >/dev/null; exit $$status

# The proof suite of issue 17: schemathesis over the API schema, the permission matrix, concurrent
# writers; prints its figures.
# (make test runs these too; this runs only them.)
check: setup
	@$(TEST_ENV) $(PY) manage.py services up
	@set +e; $(TEST_ENV) $(PY) -m pytest -m check -p no:logging $(PYTEST_ARGS); status=$$?; \
		$(TEST_ENV) $(PY) manage.py services down >/dev/null; exit $$status

# Everything that loads no language model, opens no browser and starts no worker: under a minute.
FAST := not ml and not slow and not browser and not worker and not gpu
test-fast: setup
	$(VENV)/bin/ruff check .
	@$(TEST_ENV) $(PY) manage.py services up
	@set +e; $(TEST_ENV) $(PY) -m pytest -m "$(FAST)" $(PYTEST_ARGS); status=$$?; \
		$(TEST_ENV) $(PY) manage.py services down >/dev/null; exit $$status

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean-test:
	-$(TEST_ENV) $(PY) manage.py services down
	rm -rf var/test
