#!/usr/bin/env bash
# From nothing to a verified ledger: environment, schema, a sample of 临沂's 2019 Q4 events.
# Uses LEDGER_DATABASE_URL when set; otherwise the embedded SQLite file ./ledger.db.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/setup-env.sh
export LEDGER_DATABASE_URL=${LEDGER_DATABASE_URL:-sqlite:///ledger.db}
.venv/bin/ledger migrate
# the sample carries idempotency keys: importing it again appends nothing
.venv/bin/ledger import ops/samples/linyi-2019q4.jsonl
.venv/bin/ledger verify
echo
echo "Ready: $LEDGER_DATABASE_URL. Try:  .venv/bin/ledger --help"
