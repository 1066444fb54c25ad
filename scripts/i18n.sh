#!/usr/bin/env bash
# Refresh the message catalogues after changing user-facing text:
# extracts every _()/_l() string from the code and templates into messages.pot, merges it
# into each language's messages.po, then compiles. Translate the new entries of
# tracker/translations/en/LC_MESSAGES/messages.po (French is the source language).
# Folders starting with "_" (templates/_macros) are scanned: pybabel skips them by default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${LIVRET_VENV:-.venv}"
"$VENV/bin/pybabel" extract -F babel.cfg -k _l -k _ --no-location --sort-output --ignore-dirs ".* node_modules" \
  --project Livret --copyright-holder "Livret" -o tracker/translations/messages.pot .
if [ ! -f tracker/translations/en/LC_MESSAGES/messages.po ]; then
  "$VENV/bin/pybabel" init -i tracker/translations/messages.pot -d tracker/translations -l en
else
  "$VENV/bin/pybabel" update --no-fuzzy-matching -i tracker/translations/messages.pot -d tracker/translations
fi
"$VENV/bin/pybabel" compile -d tracker/translations
"$VENV/bin/python" - <<'PY'
from babel.messages.pofile import read_po
with open("tracker/translations/en/LC_MESSAGES/messages.po", "rb") as f:
    missing = [m.id for m in read_po(f) if m.id and not m.string]
print(f"{len(missing)} message(s) without an English translation")
PY
