#!/usr/bin/env bats
# mls-sql --import into PostgreSQL 15 (loopback only): exactly the dataset's
# values (tests/data/mls-sql/sqlcheck computes them independently), the same
# rows as psql loading the batch files by hand, each file once (re-import,
# several servers, kill -9, concurrent importers), failures that name the
# server and never show the password, a tampered file refused, TLS verified
# against a CA. One server for the suite (tests/cli/pg_helper.bash: the shared
# one of `make check` if MLS_PG_ADMIN_URL is set), a fresh database and role
# per test. MLS_FAULT_SEED=N replays the kill -9 loop (the seed is printed).

bats_require_minimum_version 1.5.0

load test_helper
load sql_helper
load pg_helper

TABLE=maillogsentinel_events

setup_file() {
  pg_use
}
teardown_file() {
  pg_unuse
}

setup() {
  mls_scratch
  pg_db
  conf "$T/c.conf" "$T/w" "$T/s" "$T/x"
  CSV="$T/w/maillogsentinel.csv"
}
teardown() {
  pg_drop
  mls_scratch_cleanup
}

# conf FILE WORKDIR STATEDIR EXPORTDIR: a config for this test's database
conf() {
  mkdir -p "$2" "$3"
  cat >"$1" <<CONF
[paths]
working_dir = $2
state_dir = $3
[database]
sql_export_dir = $4
db_type = postgresql
db_host = 127.0.0.1
db_port = $MLS_PG_PORT
db_name = $PG_DB
db_user = $PG_USER
db_password = $PG_PASSWORD
CONF
  chmod 600 "$1"
}
# set_key KEY VALUE: sets (or adds) a [database] key of $T/c.conf
set_key() {
  sed -i "/^$1 = /d" "$T/c.conf"
  printf '%s = %s\n' "$1" "$2" >>"$T/c.conf"
}
# q SQL: one value (or rows) from this test's database
q() { psql -X -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"; }
# same_rows [TABLE] [CSV]: the database holds exactly the dataset's rows, every value
same_rows() {
  "$CHECK" expect-pg "${2:-$CSV}" >"$T/expect"
  "$CHECK" actual-pg "$PG_URL" "${1:-$TABLE}" >"$T/actual"
  [ -s "$T/expect" ]
  cmp "$T/expect" "$T/actual"
}
# dump URL: every row of both tables, as text, in key order
dump() {
  psql -X -At -v ON_ERROR_STOP=1 "$1" \
    -c "SELECT * FROM $TABLE ORDER BY source, dataset, row_offset" \
    -c "SELECT * FROM ${TABLE}_imports ORDER BY source, dataset, first_offset"
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Ends the lock holder started in the background: its backend, which a killed
# psql would leave sleeping (and holding the lock) until pg_sleep returns.
end_holder() {
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lock-holder'" >/dev/null
  wait "$1" || true
}

@test "mls-sql --import (postgresql): every value of the dataset, hostile ones included; the same rows as psql loading the files" {
  store 300 31
  export_sql
  store 100 32
  export_sql
  cp "$T"/x/mls-*.sql "$T/"
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  [ "$(ls "$T/x/imported" | wc -l)" -eq 2 ]
  same_rows
  [ "$(wc -l <"$T/actual")" -eq 400 ]
  # a NUL, a byte that is not UTF-8, quotes and line breaks arrived as the literal rule says
  [ "$(q "SELECT count(*) FROM $TABLE WHERE strpos(username, '\\x00') > 0")" -gt 0 ]
  [ "$(q "SELECT count(*) FROM $TABLE WHERE strpos(reason, '\\xFF') > 0")" -gt 0 ]
  [ "$(q "SELECT count(*) FROM $TABLE WHERE strpos(username, E'\\r') > 0")" -gt 0 ]
  [ "$(q "SELECT count(*) FROM ${TABLE}_imports")" -eq 2 ]
  [ "$(q "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'mls_import_staging%'")" -eq 0 ]
  # the same files by psql into another fresh database: identical rows and journal
  local url=$PG_URL f
  pg_db
  for f in "$T"/mls-*.sql; do psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -f "$f" >/dev/null; done
  diff <(dump "$url") <(dump "$PG_URL")
}

@test "mls-sql --import (postgresql): a second run and a re-import of the same files change nothing" {
  store 200 33
  export_sql
  import_sql
  local before
  before=$(dump "$PG_URL")
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 0 files (0 new rows), 0 already imported, 0 failed" ]
  cp "$T"/x/imported/*.sql "$T/x/"
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 0 files (0 new rows), 1 already imported, 0 failed" ]
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  [ "$(dump "$PG_URL")" = "$before" ]
  # a file whose rows are partly there (loaded by hand, some deleted, its
  # journal row gone): the rows present are skipped, the others added
  store 50 34
  export_sql
  local f
  f=$(ls -d "$T"/x/mls-*.sql)
  psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -f "$f" >/dev/null
  q "DELETE FROM ${TABLE}_imports WHERE file = '$(basename "$f")'" >/dev/null
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 1 file (0 new rows), 0 already imported, 0 failed" ]
  same_rows
  q "DELETE FROM ${TABLE}_imports WHERE file = '$(basename "$f")'" >/dev/null
  q "DELETE FROM $TABLE WHERE ctid IN (SELECT ctid FROM $TABLE ORDER BY row_offset DESC LIMIT 17)" >/dev/null
  cp "$T/x/imported/$(basename "$f")" "$T/x/"
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 1 file (17 new rows), 0 already imported, 0 failed" ]
  same_rows
}

@test "mls-sql --import (postgresql): three servers into one database, every event once under its source; re-import changes nothing" {
  local s n=0
  for s in mxa mxb mxc; do
    conf "$T/$s.conf" "$T/$s/w" "$T/$s/s" "$T/$s/x"
    store $((100 + n * 50)) $((40 + n)) "$T/$s/w/maillogsentinel.csv"
    mls-sql --export -c "$T/$s.conf" --server "$s"
    store 30 $((50 + n)) "$T/$s/w/maillogsentinel.csv"
    mls-sql --export -c "$T/$s.conf" --server "$s"
    n=$((n + 1))
  done
  mkdir -p "$T/x"
  cp "$T"/mx?/x/mls-*.sql "$T/x/"
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 6 ]
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 6 files (540 new rows), 0 already imported, 0 failed" ]
  [ "$(q "SELECT count(*) FROM $TABLE")" -eq 540 ]
  [ "$(q "SELECT string_agg(source || '=' || n, ' ' ORDER BY source) FROM (SELECT source, count(*) n FROM $TABLE GROUP BY source) c")" = "mxa=130 mxb=180 mxc=230" ]
  for s in mxa mxb mxc; do
    q "CREATE VIEW $s AS SELECT * FROM $TABLE WHERE source = '$s'" >/dev/null
    same_rows "$s" "$T/$s/w/maillogsentinel.csv"
  done
  # log_server is the row's own server field, not the exporting host
  [ "$(q "SELECT count(DISTINCT log_server) FROM $TABLE WHERE source = 'mxa'")" -gt 1 ]
  local before
  before=$(dump "$PG_URL")
  cp "$T"/x/imported/*.sql "$T/x/"
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 0 files (0 new rows), 6 already imported, 0 failed" ]
  [ "$(dump "$PG_URL")" = "$before" ]
}

@test "mls-sql --import (postgresql): kill -9 at random moments (at least 20), rerun: every event exactly once" {
  local seed i pid
  fault_seed import-postgresql
  for ((i = 0; i < 24; i++)); do
    store $((RANDOM % 1500 + 1)) $((seed + i))
    export_sql
    if ((RANDOM % 3 == 0)); then
      store $((RANDOM % 500 + 1)) $((seed + 100 + i))
      export_sql
    fi
    import_sql 2>/dev/null &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 120)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # a file is in the table whole, with its journal row, or not at all
    [ "$(q "SELECT CASE WHEN to_regclass('${TABLE}_imports') IS NULL THEN 'none' ELSE
              (SELECT (SELECT count(*) FROM $TABLE) = (SELECT coalesce(sum(row_count), 0) FROM ${TABLE}_imports))::text END")" != false ]
  done
  import_sql
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  same_rows
  [ "$(q "SELECT count(*) FROM ${TABLE}_imports")" -eq "$(ls "$T/x/imported" | wc -l)" ]
}

@test "mls-sql --import (postgresql): two importers of the same files at once: each file loaded once" {
  store 3000 35
  export_sql
  store 2000 36
  export_sql
  cp -r "$T/x" "$T/x2"
  sed "s|^sql_export_dir = .*|sql_export_dir = $T/x2|" "$T/c.conf" >"$T/c2.conf"
  chmod 600 "$T/c2.conf"
  import_sql --stats 2>"$T/e1" &
  local p1=$!
  mls-sql --import -c "$T/c2.conf" --stats 2>"$T/e2" &
  local p2=$!
  wait "$p1"
  wait "$p2"
  same_rows
  [ "$(q "SELECT count(*) FROM ${TABLE}_imports")" -eq 2 ]
  # between them, 2 files imported and 2 found in the journal
  cat "$T/e1" "$T/e2" | sed -n 's/.*imported \([0-9]\) files\? (\([0-9]*\) new rows\?), \([0-9]\) already.*/\1 \2 \3/p' |
    awk '{f += $1; r += $2; a += $3} END {print f, r, a}' | grep -qx '2 5000 2'
}

@test "mls-sql --import (postgresql): no server at the port: exit 1 naming it, files kept, a later import succeeds" {
  store 20 37
  export_sql
  local port
  port=$(free_port)
  set_key db_port "$port"
  run -1 --separate-stderr import_sql
  [[ "$stderr" == "mls-sql: $PG_USER@127.0.0.1:$port/$PG_DB: connection to server at \"127.0.0.1\", port $port failed: "* ]]
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  set_key db_port "$MLS_PG_PORT"
  run -0 import_sql
  same_rows
}

@test "mls-sql --import (postgresql): importers wait for each other's lock; the connection lost meanwhile: exit 1, the file kept, the next run imports it" {
  store 20 47
  export_sql
  import_sql
  store 20 48
  export_sql
  # another importer holding the lock
  PGAPPNAME=lock-holder psql -X -q "$PG_URL" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1835824241, hashtext('$TABLE'))" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
  local holder=$! i pid
  for ((i = 0; i < 200; i++)); do
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE locktype = 'advisory' AND granted AND datname = current_database()")" = 1 ] && break
    sleep 0.05
  done
  import_sql 2>"$T/err" &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mls-sql' AND datname = current_database() AND wait_event_type = 'Lock'")" = 1 ] && break
    sleep 0.05
  done
  [ "$i" -lt 200 ]  # it waited for the lock
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mls-sql' AND datname = current_database()" >/dev/null
  local rc=0
  wait "$pid" || rc=$?
  end_holder "$holder"
  [ "$rc" -eq 1 ]
  grep -q "$PG_USER@127.0.0.1:$MLS_PG_PORT/$PG_DB: .*terminating connection due to administrator command" "$T/err"
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  [ "$(q "SELECT count(*) FROM $TABLE")" -eq 20 ]
  run -0 import_sql
  same_rows
}

@test "mls-sql --import (postgresql): --lock-timeout bounds the wait for another importer's lock: exit 1, the file kept" {
  store 20 49
  export_sql
  PGAPPNAME=lock-holder psql -X -q "$PG_URL" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1835824241, hashtext('$TABLE'))" \
    -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
  local holder=$! i
  for ((i = 0; i < 200; i++)); do
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE locktype = 'advisory' AND granted AND datname = current_database()")" = 1 ] && break
    sleep 0.05
  done
  local t0=$SECONDS
  run import_sql --lock-timeout 1
  end_holder "$holder"
  assert_failure 1
  assert_output --partial "lock timeout"
  [ $((SECONDS - t0)) -lt 15 ]
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  run -0 import_sql
  same_rows
}

@test "mls-sql --import (postgresql): a wrong password: exit 1, a clear message naming user@host:port/db, the password nowhere" {
  store 20 38
  export_sql
  set_key db_password 'Wr0ng-Secret-xyzzy'
  run -1 --separate-stderr import_sql --stats
  [ -z "$output" ]
  [[ "$stderr" == *"mls-sql: $PG_USER@127.0.0.1:$MLS_PG_PORT/$PG_DB: connection to server at \"127.0.0.1\", port $MLS_PG_PORT failed: FATAL: password authentication failed for user \"$PG_USER\""* ]]
  ! grep -qF 'Wr0ng-Secret-xyzzy' <<<"$stderr"
  ! grep -qF "$PG_PASSWORD" <<<"$stderr"
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
}

@test "mls-sql --import (postgresql): a tampered batch file is refused (checksum), the others are imported, exit 1" {
  tamper_second_of_three 39
  import_refuses_tampered
  [ "$(q "SELECT count(*) FROM $TABLE")" -eq 40 ]
  [ "$(q "SELECT count(*) FROM $TABLE WHERE source = 'mx2'")" -eq 0 ]
  cp "$T/good.sql" "$bad"
  import_sql
  [ ! -e "$bad" ]
  same_rows
}

@test "mls-sql --import (postgresql): TLS verified against db_sslrootcert; an unrelated CA fails with exit 1" {
  store 10 42
  export_sql
  set_key db_sslmode disable
  import_sql
  # record whether each journal row came over TLS
  q "CREATE TABLE tls_seen (file text, ssl boolean)" >/dev/null
  q "CREATE FUNCTION note_tls() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
       INSERT INTO tls_seen SELECT NEW.file, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();
       RETURN NEW; END \$\$" >/dev/null
  q "CREATE TRIGGER note_tls AFTER INSERT ON ${TABLE}_imports FOR EACH ROW EXECUTE FUNCTION note_tls()" >/dev/null
  store 10 43
  export_sql
  import_sql
  store 10 44
  export_sql
  sed -i '/^db_sslmode = /d' "$T/c.conf"
  set_key db_sslrootcert "$MLS_PG_CA"  # alone: verify-full
  run -0 import_sql
  assert_output ""
  [ "$(q "SELECT string_agg(ssl::text, ' ' ORDER BY file) FROM tls_seen")" = "false true" ]
  same_rows
  # a CA that did not sign the server's certificate
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other CA" \
    -keyout "$T/other.key" -out "$T/other.crt" >/dev/null 2>&1
  set_key db_sslrootcert "$T/other.crt"
  store 10 45
  export_sql
  run -1 --separate-stderr import_sql
  [[ "$stderr" == "mls-sql: $PG_USER@127.0.0.1:$MLS_PG_PORT/$PG_DB: connection to server at \"127.0.0.1\", port $MLS_PG_PORT failed: "*"certificate verify failed"* ]]
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
}

@test "mls-sql --import (postgresql): verify-full without db_sslrootcert: libpq 15 reads ~/.postgresql/root.crt" {
  local v
  v=$(pkg-config --modversion libpq 2>/dev/null || echo 0)
  [ "${v%%.*}" -lt 16 ] || skip "libpq $v uses the system's CAs (sslrootcert=system)"
  store 10 49
  export_sql
  set_key db_sslmode verify-full
  HOME=$T run -1 --separate-stderr import_sql
  [[ "$stderr" == *"$PG_USER@127.0.0.1:$MLS_PG_PORT/$PG_DB: "*"$T/.postgresql/root.crt"* ]]
  mkdir "$T/.postgresql"
  cp "$MLS_PG_CA" "$T/.postgresql/root.crt"
  HOME=$T run -0 import_sql
  same_rows
}

@test "mls-sql --import (postgresql): a config file holding db_password readable by others is warned about; the import still runs" {
  store 10 46
  export_sql
  chmod 644 "$T/c.conf"
  run -0 --separate-stderr import_sql
  [ "$stderr" = "mls-sql: $T/c.conf: holds db_password but is readable by others (mode 0644); restrict it, e.g. chmod 600" ]
  same_rows
}
