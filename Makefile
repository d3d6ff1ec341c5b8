# Testamur. Two commands matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo writes emails to files instead of sending them (see settings.py for real SMTP).
DEMO_MAIL := EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend

.PHONY: demo test test-fast bench lint format serve install clean-db

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input -v0
	DEBUG=1 $(PY) manage.py collectstatic --no-input -v0
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving Testamur on http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	@echo "Email is not sent in the demo: every message (with its PDF) is written to var/sent-mail/"
	@DEBUG=1 $(DEMO_MAIL) $(PY) manage.py run_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(DEMO_MAIL) $(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	@bash scripts/ensure-chromium
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v0
	DEBUG=1 $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench
