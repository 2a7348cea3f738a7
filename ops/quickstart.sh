#!/usr/bin/env bash
# From nothing to a running service with the demo city: environment, schema, the demo
# ledger (once), its projections, a token, a dashboard account for a county official (a
# fresh password at every run, printed once), then `ledger serve` in the foreground.
# Uses LEDGER_DATABASE_URL when set; otherwise the embedded SQLite file ./ledger.db.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/setup-env.sh
export LEDGER_DATABASE_URL=${LEDGER_DATABASE_URL:-sqlite:///ledger.db}
export LEDGER_HOST=${LEDGER_HOST:-127.0.0.1}
export LEDGER_PORT=${LEDGER_PORT:-8080}
ledger=.venv/bin/ledger

$ledger migrate
$ledger demo --if-empty          # 临沂-shaped city: ~350,000 events, about a minute or two
$ledger project --once           # the read models, caught up before the service starts
# the investigator token is kept beside the database (mode 0600) and reused while it works
case "$LEDGER_DATABASE_URL" in
    sqlite:///*) token_file="${LEDGER_DATABASE_URL#sqlite:///}.token" ;;
    *) token_file=.ledger-quickstart.token ;;
esac
if [ -s "$token_file" ] && $ledger token check <"$token_file" >/dev/null 2>&1; then
    token=$(cat "$token_file")
else
    token=$($ledger token create --role investigator --name "quick start" | tail -n 1)
    rm -f "$token_file"
    (umask 077 && printf '%s\n' "$token" >"$token_file")
fi
# the demo account: 兰山区应急局, a viewer of 兰山区 (371302); a new password at every run
password=kb-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(9))')
if $ledger user list | grep -q '^lanshan '; then
    printf '%s\n' "$password" | $ledger user passwd lanshan --password-stdin >/dev/null
else
    printf '%s\n' "$password" | $ledger user create --role viewer --scope 371302 --name 兰山区应急局 \
        --login lanshan --password-stdin >/dev/null
fi

cat <<EOT

  The ledger is ready: $LEDGER_DATABASE_URL
  Service:  http://$LEDGER_HOST:$LEDGER_PORT   (OpenAPI at /v1/openapi.json)
  Token (investigator, kept in $token_file and reused by the next quick start):

    export LEDGER=http://$LEDGER_HOST:$LEDGER_PORT
    export TOKEN=$token

  Then try the walkthrough in README.md, e.g.
    curl -s -H "Authorization: Bearer \$TOKEN" "\$LEDGER/v1/stats?scope=371300" | python3 -m json.tool

  Dashboard (看板):  http://$LEDGER_HOST:$LEDGER_PORT/
    user name: lanshan     password: $password     (兰山区应急局, sees 兰山区 only)

EOT
exec $ledger serve
