#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and Redis on loopback, then stop them and delete
# their data, whatever the command's outcome:
#   scripts/with_services.sh make test
# Installs what the tests use from Debian when missing (needs root, as in CI): postgresql,
# redis-server, chromium for the browser tests, and poppler-utils to render certificates.
# The command sees TEST_DATABASE_URL and TEST_REDIS_URL.
set -euo pipefail

pg_port=${TEST_PG_PORT:-55432}
redis_port=${TEST_REDIS_PORT:-56379}

need=()
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # renders certificates to check them
if [ ${#need[@]} -gt 0 ]; then
    echo "services: installing ${need[*]} from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

workdir=$(mktemp -d /tmp/ihl-services.XXXXXX)
chmod 755 "$workdir"
cleanup() {
    su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$workdir/pg' -m fast stop" >/dev/null 2>&1 || true
    [ -f "$workdir/redis.pid" ] && kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: its throwaway cluster belongs to the postgres user.
mkdir "$workdir/pg" && chown postgres "$workdir/pg"
su postgres -s /bin/sh -c "'$pg_bin/initdb' -D '$workdir/pg' -U postgres -A trust -E UTF8" >/dev/null
su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$workdir/pg' -w -l '$workdir/pg/server.log' \
    -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k '$workdir/pg' -c fsync=off\" start" >/dev/null
su postgres -s /bin/sh -c "'$pg_bin/createdb' -h 127.0.0.1 -p $pg_port -U postgres ihl_test"

redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --daemonize yes --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log"

export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/ihl_test"
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
echo "services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port" >&2
set +e
"$@"
status=$?
exit $status
