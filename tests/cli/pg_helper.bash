# PostgreSQL for the bats suites (load after test_helper).
#
# pg_use: a PostgreSQL 15 server to test against. If MLS_PG_ADMIN_URL (and
#   MLS_PG_PORT, MLS_PG_CA) are in the environment, a shared server started once
#   for the whole run (tests/services/postgresql start), it is used; otherwise
#   a private one is started (tests/services/postgresql) and pg_unuse stops it.
#   Call both from setup_file/teardown_file (one server for the suite), or from
#   a test and its teardown. Without PostgreSQL 15, psql or root it only
#   notes why (PG_UNAVAILABLE): pg_db skips (skip_unless_available).
# pg_db: a fresh role and database for this test (CREATE ROLE t_N LOGIN
#   PASSWORD ...; CREATE DATABASE t_N OWNER t_N), so tests are independent;
#   sets PG_DB, PG_USER, PG_PASSWORD and PG_URL (postgresql://...@127.0.0.1).
#   pg_drop removes them (teardown).
# pg_admin SQL...: psql as the superuser, ON_ERROR_STOP, one -c per argument.

PGBIN=${MLS_PGBIN:-/usr/lib/postgresql/15/bin}
PG_SERVICE="$MLS_SRCDIR/tests/services/postgresql"

pg_use() {
  PG_UNAVAILABLE=
  if ! command -v psql >/dev/null; then
    PG_UNAVAILABLE="psql (postgresql-client-15) is not installed"
  elif [ -n "${MLS_PG_ADMIN_URL:-}" ]; then
    return 0
  elif [ ! -x "$PGBIN/initdb" ]; then
    PG_UNAVAILABLE="PostgreSQL 15 (postgresql-15) is not installed"
  elif [ "$(id -u)" != 0 ]; then
    PG_UNAVAILABLE="starting PostgreSQL here needs root (runuser)"
  fi
  # Not skipped here: bats 1.8 fails a setup_file that skips; pg_db skips.
  export PG_UNAVAILABLE
  [ -z "$PG_UNAVAILABLE" ] || return 0
  PG_PRIVATE_DIR=$(mktemp -d /tmp/mls-pgsrv.XXXXXX)
  local env
  env=$("$PG_SERVICE" start "$PG_PRIVATE_DIR") || return 1
  eval "$env"
  export MLS_PG_ADMIN_URL MLS_PG_CA MLS_PG_PORT MLS_PG_SOCKET_DIR PG_PRIVATE_DIR
}

pg_unuse() {
  if [ -n "${PG_PRIVATE_DIR:-}" ]; then
    "$PG_SERVICE" stop "$PG_PRIVATE_DIR" || true
    PG_PRIVATE_DIR=
    unset MLS_PG_ADMIN_URL MLS_PG_CA MLS_PG_PORT MLS_PG_SOCKET_DIR
  fi
}

pg_admin() {
  local args=() s
  for s in "$@"; do args+=(-c "$s"); done
  psql -X -q -v ON_ERROR_STOP=1 "$MLS_PG_ADMIN_URL" "${args[@]}" >/dev/null
}

pg_db() {
  if [ -n "${PG_UNAVAILABLE:-}" ]; then
    skip_unless_available "$PG_UNAVAILABLE"
    return
  fi
  local n="t_$$_${BATS_TEST_NUMBER:-0}_${RANDOM}"
  PG_DB=$n
  PG_USER=$n
  PG_PASSWORD="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  pg_admin "CREATE ROLE $n LOGIN PASSWORD '$PG_PASSWORD'" "CREATE DATABASE $n OWNER $n"
  PG_URL="postgresql://$n:$PG_PASSWORD@127.0.0.1:$MLS_PG_PORT/$n"
  PG_DBS+=("$n")
}

pg_drop() {
  local n
  for n in "${PG_DBS[@]}"; do
    pg_admin "DROP DATABASE IF EXISTS $n WITH (FORCE)" "DROP ROLE IF EXISTS $n" || true
  done
  PG_DBS=()
}
PG_DBS=()
