# Shared install steps of scripts/quickstart.sh and scripts/test.sh (sourced, not run).
# Installs only what is missing, so a second run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LIVRET_VENV:-$ROOT/.venv}"
cd "$ROOT"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG...: installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo ">> apt-get install ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# python_env EXTRAS: a virtualenv with the project installed (editable) and catalogues compiled.
python_env() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null || ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt_install python3 python3-venv python3-pip
    python=python3
  fi
  [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  echo ">> pip install -e .${extras}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".${extras}"
  "$VENV/bin/pybabel" compile -d tracker/translations
  export PATH="$VENV/bin:$PATH"
}

# WeasyPrint's system libraries (Pango) and the fonts the PDFs are drawn with.
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
