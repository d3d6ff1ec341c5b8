# Testamur. Two commands matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo writes emails to files instead of sending them (see settings.py for real SMTP).
DEMO_MAIL := EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
# The demo verifies USIs against the local registry simulator (manage.py usi_simulator).
DEMO_USI := USI_REGISTRY=simulator USI_ORG_CODE=VA1803 \
  USI_KEYSTORE_PATH=var/usi-simulator/keystore-usi.xml \
  USI_KEYSTORE_PASSWORD="$$(cat var/usi-simulator/keystore-password)"

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
	DEBUG=1 $(PY) manage.py usi_simulator --prepare --from-learners
	@echo "Serving Testamur on http://$(HOST):$(PORT)/ with a background worker and the USI registry simulator (Ctrl-C stops all)"
	@echo "Email is not sent in the demo: every message (with its PDF) is written to var/sent-mail/"
	@DEBUG=1 $(PY) manage.py usi_simulator & simulator=$$!; \
	  DEBUG=1 $(DEMO_MAIL) $(DEMO_USI) $(PY) manage.py run_worker & worker=$$!; \
	  trap 'kill $$worker $$simulator 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(DEMO_MAIL) $(DEMO_USI) $(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	@bash scripts/ensure-chromium
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports --no-logo
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v0
	DEBUG=1 $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench
