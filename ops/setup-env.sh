#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the project with its dev tools. Sourced by the
# quick-start and test scripts; safe to run again (it only installs what changed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    PYTHON=$(find_python) || { echo "setup: Python 3.11 is required (python3.11 not found)" >&2; exit 1; }
    echo "setup: creating .venv with $PYTHON" >&2
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "setup: installing the ledger and its dependencies into .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# The dossier PDF embeds CJK TrueType fonts from Debian's packages (dossier/fonts.py), and
# the tests read PDFs back with poppler-utils (pdftotext, pdffonts).
dossier_fonts=(/usr/share/fonts/truetype/arphic/uming.ttc /usr/share/fonts/truetype/arphic/ukai.ttc
    /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc)
missing_fonts=0
for font in "${dossier_fonts[@]}"; do [ -f "$font" ] || missing_fonts=1; done
if [ "$missing_fonts" = 1 ] || ! command -v pdftotext >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing the dossier's fonts and poppler-utils from Debian's packages" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei poppler-utils >&2
    else
        echo "setup: warning: dossiers need fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei" \
            "(and the tests poppler-utils): install them with apt-get as root" >&2
    fi
fi

# The dashboard's chart library (Apache ECharts), pinned with its integrity hash in
# api/web/package-lock.json and served by the ledger itself: no CDN at run time.
web_stamp=api/web/node_modules/.installed-$(sha256sum api/web/package-lock.json | cut -c1-16)
if [ ! -f "$web_stamp" ]; then
    command -v npm >/dev/null 2>&1 || {
        echo "setup: npm is required to install the dashboard's chart library (apt-get install npm)" >&2
        exit 1
    }
    echo "setup: installing the dashboard's chart library (npm ci in api/web)" >&2
    (cd api/web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || {
        echo "setup: npm ci failed: the dashboard cannot be served without echarts (api/web/package-lock.json)" >&2
        exit 1
    }
    touch "$web_stamp"
fi
