# Shortcuts for developers; the README's Quickstart commands need nothing but bash.
VENV ?= .venv
FLASK = $(VENV)/bin/flask --app wsgi

.PHONY: run test lint format db-upgrade i18n

run:
	bash scripts/quickstart.sh

test:
	bash scripts/test.sh

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

db-upgrade:
	$(FLASK) db upgrade

i18n:
	bash scripts/i18n.sh
