#!/usr/bin/env bash
# Installs everything the tests need (Chromium, axe-core, PDF tools, PostgreSQL client
# library) and runs the whole suite: lint, format check, then pytest. Set
# TRACKER_TEST_DATABASE_URL to run every database test on PostgreSQL as well; the tests of
# jobs on RQ use the Redis of TRACKER_TEST_REDIS_URL (default redis://127.0.0.1:6379/0) and
# skip, saying so, where none answers (.ci/run starts one).
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

apt_install "${PDF_PACKAGES[@]}" chromium poppler-utils libpq5
# npm only fetches axe-core; a machine may already have Node.js from elsewhere.
command -v npm >/dev/null || apt_install nodejs npm
python_env "[dev]"
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo ">> npm ci (axe-core)"
  npm ci --no-audit --no-fund --silent
fi

echo ">> ruff check" && ruff check .
echo ">> ruff format --check" && ruff format --check .
echo ">> pytest"
exec python -m pytest "$@"
