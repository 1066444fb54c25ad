#!/usr/bin/env bash
# Installs everything, builds a SQLite database with demonstration data and starts Livret
# on http://127.0.0.1:5000 (Ctrl+C to stop). Safe to run again: the data are kept.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

apt_install "${PDF_PACKAGES[@]}"
python_env ""

export FLASK_APP=wsgi
flask db upgrade
flask demo load --if-empty
echo
echo "Livret runs on http://127.0.0.1:5000 — demonstration accounts: see README.md"
exec flask run --host 127.0.0.1 --port 5000
