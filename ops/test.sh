#!/usr/bin/env bash
# The whole test suite, from nothing: Python environment, PostgreSQL, then pytest.
# Extra arguments go to pytest (e.g. `bash ops/test.sh -k hazard`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/setup-env.sh
LEDGER_TEST_PG_URL=$(bash ops/ensure-postgres.sh | tail -n 1)
export LEDGER_TEST_PG_URL
LEDGER_TEST_CHROMIUM=$(bash ops/ensure-browser.sh | tail -n 1)
export LEDGER_TEST_CHROMIUM
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy ledger projections api ops dossier tests
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "test: pytest collected no tests; that is a failure here" >&2
    exit 1
fi
exit "$status"
