# MariaDB for the bats suites (load after test_helper).
#
# mariadb_use (in setup_file): a MariaDB server for the file's tests. If
#   MLS_MARIADB_SOCKET is set (a server shared by all of `make check`, started
#   with tests/services/mariadb), that one; else a private one started here
#   and stopped by mariadb_release (in teardown_file). Sets and exports
#   MLS_MARIADB_SOCKET, MLS_MARIADB_PORT, MLS_MARIADB_CA. Without the packages
#   or root it only notes why (MARIADB_SKIP): bats 1.8 cannot skip from
#   setup_file, so mariadb_fresh_db skips each test (skip_unless_available:
#   a failure under MLS_REQUIRE_ALL=1).
# mariadb_fresh_db (in setup): a new database and a user for it, over
#   loopback only ('USER'@'127.0.0.1' with a password): sets MDB_NAME,
#   MDB_USER, MDB_PW. mariadb_drop_db (in teardown) removes both.
# mdb_root ARGS...: the mariadb client as root over the socket.
# mdb_user DB ARGS...: the mariadb client as MDB_USER over TCP to DB.

MLS_MARIADB_SERVICE="$MLS_SRCDIR/tests/services/mariadb"

mariadb_use() {
  if [ -n "${MLS_MARIADB_SOCKET:-}" ]; then
    export MLS_MARIADB_SOCKET MLS_MARIADB_PORT MLS_MARIADB_CA
    return 0
  fi
  MARIADB_SKIP=
  if ! [ -x /usr/sbin/mariadbd ] || ! command -v mariadb-install-db >/dev/null ||
    ! command -v mariadb >/dev/null; then
    MARIADB_SKIP="MariaDB (mariadb-server, mariadb-client) is not installed"
  elif ! command -v openssl >/dev/null; then
    MARIADB_SKIP="openssl is not installed"
  elif [ "$(id -u)" != 0 ]; then
    MARIADB_SKIP="starting MariaDB here needs root (mariadbd --user=mysql)"
  fi
  export MARIADB_SKIP
  [ -z "$MARIADB_SKIP" ] || return 0
  MARIADB_PRIVATE=$(mktemp -d /tmp/mls-mariadb.XXXXXX)
  local vars
  vars=$("$MLS_MARIADB_SERVICE" start "$MARIADB_PRIVATE") || return 1
  eval "$vars"
  export MLS_MARIADB_SOCKET MLS_MARIADB_PORT MLS_MARIADB_CA MARIADB_PRIVATE
}

mariadb_release() {
  if [ -n "${MARIADB_PRIVATE:-}" ]; then
    "$MLS_MARIADB_SERVICE" stop "$MARIADB_PRIVATE"
    MARIADB_PRIVATE=
  fi
}

mdb_root() { mariadb --no-defaults -S "$MLS_MARIADB_SOCKET" -uroot "$@"; }

mdb_user() {
  local db=$1
  shift
  mariadb --no-defaults -h 127.0.0.1 -P "$MLS_MARIADB_PORT" -u "$MDB_USER" -p"$MDB_PW" "$db" "$@"
}

# mariadb_new_db NAME: a database NAME that MDB_USER may use
mariadb_new_db() {
  mdb_root -e "CREATE DATABASE \`$1\`; GRANT ALL ON \`$1\`.* TO '$MDB_USER'@'127.0.0.1'"
  MDB_EXTRA_DBS+=" $1"
}

mariadb_fresh_db() {
  [ -z "${MARIADB_SKIP:-}" ] || skip_unless_available "$MARIADB_SKIP"
  MDB_NAME="t_${BATS_TEST_NUMBER}_$$_$RANDOM"
  MDB_USER=$MDB_NAME
  MDB_PW="pw-$RANDOM$RANDOM"
  MDB_EXTRA_DBS=
  mdb_root -e "CREATE DATABASE \`$MDB_NAME\`;
    CREATE USER '$MDB_USER'@'127.0.0.1' IDENTIFIED BY '$MDB_PW';
    GRANT ALL ON \`$MDB_NAME\`.* TO '$MDB_USER'@'127.0.0.1';"
}

mariadb_drop_db() {
  [ -n "${MDB_NAME:-}" ] || return 0
  local d
  for d in $MDB_NAME $MDB_EXTRA_DBS; do mdb_root -e "DROP DATABASE IF EXISTS \`$d\`" || true; done
  mdb_root -e "DROP USER IF EXISTS '$MDB_USER'@'127.0.0.1'" || true
  MDB_NAME=
}
