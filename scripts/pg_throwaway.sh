#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for tests.
#   bash scripts/pg_throwaway.sh start ENVFILE   start it; write LSC_TEST_POSTGRES_URL and friends to ENVFILE
#   bash scripts/pg_throwaway.sh stop ENVFILE    stop it and delete its files
set -euo pipefail
ENVFILE=${2:-.pg_env}
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi   # initdb and postgres refuse to run as root
case "${1:-start}" in
start)
  PGBIN=$(pgbin)
  if [ -z "$PGBIN" ]; then echo "pg_throwaway: PostgreSQL is not installed" >&2; exit 1; fi
  PGTMP=$(mktemp -d /tmp/lsc-pg.XXXXXX)
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGTMP"; fi
  "${RUN[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log"
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c max_connections=300 -c fsync=off -c full_page_writes=off" >/dev/null
  cat >"$ENVFILE" <<EOT
export PGTMP=$PGTMP PGPORT=$PGPORT PGBIN=$PGBIN
export LSC_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres
EOT
  echo "pg_throwaway: PostgreSQL on 127.0.0.1:$PGPORT"
  ;;
stop)
  # shellcheck disable=SC1090
  . "$ENVFILE"
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null || true
  rm -rf "$PGTMP" "$ENVFILE"
  ;;
esac
