#!/usr/bin/env bash
# Make sure a PostgreSQL server answers for the tests, starting (or installing) one when
# needed. Prints the admin URL to use on its last line; exits non-zero, loudly, when none
# can be had. Never drops or fills the databases `test`, `root` or `postgres`.
set -euo pipefail

if [ -n "${LEDGER_TEST_PG_URL:-}" ]; then
    echo "$LEDGER_TEST_PG_URL"
    exit 0
fi

answers() { pg_isready -q -h "$1" -p 5432 >/dev/null 2>&1; }

start_clusters() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    pg_lsclusters --no-header 2>/dev/null | while read -r version name _rest; do
        echo "ensure-postgres: starting cluster $version/$name" >&2
        pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start >&2 || true
    done
}

if command -v pg_isready >/dev/null 2>&1 && answers 127.0.0.1; then
    :
elif start_clusters && sleep 2 && answers 127.0.0.1; then
    :
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: installing PostgreSQL from Debian's packages" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    start_clusters
    sleep 2
else
    echo "ensure-postgres: PostgreSQL is not running and cannot be started here;" \
        "install it or set LEDGER_TEST_PG_URL=postgresql://user@host:port/db" >&2
    exit 1
fi

# Trust auth on 127.0.0.1 (as on this project's machines)? Then postgres@127.0.0.1 works.
if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:5432/postgres"
    exit 0
fi
# A fresh Debian install: peer auth on the socket. Give root a superuser role and use it.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- psql -Atqc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='root')
        THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\$\$" >&2 || true
    if psql -h /var/run/postgresql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        echo "postgresql://root@/postgres?host=/var/run/postgresql"
        exit 0
    fi
fi
echo "ensure-postgres: PostgreSQL runs but refuses our connection; set LEDGER_TEST_PG_URL" >&2
exit 1
