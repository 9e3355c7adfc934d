# Two commands on a fresh machine: `make run` (install and serve the embedded platform), `make test` (the suite).
# `make bench` measures ingestion and aggregation (figures in var/bench/*.json).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check
# WeasyPrint's libraries (libharfbuzz-subset0 makes it several times faster) and a font with the currency symbols.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SYSTEM_PACKAGES := postgresql redis-server clickhouse-server clickhouse-client $(PDF_PACKAGES) poppler-utils wrk
BENCH_PACKAGES := postgresql redis-server clickhouse-server wrk $(PDF_PACKAGES)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: install install-dev system-deps pdf-deps run migrate collectstatic test lint check-schema bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip==26.3

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

system-deps:
	@bash scripts/install_system_packages.sh $(SYSTEM_PACKAGES)

# The worker `make run` starts renders invoice PDFs.
pdf-deps:
	@bash scripts/install_system_packages.sh $(PDF_PACKAGES)

# The SQLite database, the collected static files and the filesystem broker live here; a fresh clone has none.
var:
	mkdir -p $@

migrate: install | var
	$(PY) manage.py migrate --noinput

collectstatic: install | var
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: migrate collectstatic pdf-deps
	$(PY) manage.py bootstrap_demo
	$(PY) scripts/run_embedded.py

lint: install-dev | var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

check-schema: install-dev
	DJANGO_SETTINGS_MODULE=billing.settings $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# The whole suite on PostgreSQL, then the event store contract suite again on SQLite (the embedded default).
test: install-dev system-deps lint check-schema
	$(PY) scripts/test_servers.py -- $(PY) -m pytest $(PYTEST_ARGS)
	env -u DATABASE_URL $(PY) -m pytest -q tests/metering/contract -k "sql"

# Production-style: gunicorn over collected static files, its own PostgreSQL and ClickHouse, load from wrk.
bench: collectstatic
	@bash scripts/install_system_packages.sh $(BENCH_PACKAGES)
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/
