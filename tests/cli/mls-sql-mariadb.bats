#!/usr/bin/env bats
# mls-sql with db_type = mysql against a real MariaDB 10.11 on loopback
# (tests/services/mariadb; a server shared by `make check` when
# MLS_MARIADB_SOCKET is set, else a private one for this file): mls-sql
# --import and the mariadb client loading the batch files by hand both store
# exactly the dataset's values (tests/data/mls-sql/sqlcheck computes them
# independently), whatever the server's own sql_mode; each event exactly once
# through kill -9s; failures (server down, wrong password, TLS, a tampered
# file) exit 1 and keep the files. MLS_FAULT_SEED=N replays the kill -9 loop.

bats_require_minimum_version 1.5.0

load test_helper
load sql_helper
load mariadb_helper

setup_file() { mariadb_use; }
teardown_file() { mariadb_release; }

setup() {
  mls_scratch
  mkdir -p "$T/w" "$T/s"
  CSV="$T/w/maillogsentinel.csv"
  mariadb_fresh_db
  write_conf
}
teardown() {
  if [ -n "${MDB_GLOBAL_MODE:-}" ]; then
    mdb_root -e "SET GLOBAL sql_mode = '$MDB_GLOBAL_MODE'"
    MDB_GLOBAL_MODE=
  fi
  mariadb_drop_db
  mls_scratch_cleanup
}

# write_conf [EXTRA-LINE...]: the config, [database] for this test's database
write_conf() {
  {
    printf '[paths]\nworking_dir = %s/w\nstate_dir = %s/s\n' "$T" "$T"
    printf '[database]\nsql_export_dir = %s/x\ndb_type = mysql\n' "$T"
    printf 'db_host = 127.0.0.1\ndb_port = %s\ndb_name = %s\n' "$MLS_MARIADB_PORT" "$MDB_NAME"
    printf 'db_user = %s\ndb_password = %s\n' "$MDB_USER" "$MDB_PW"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$T/c.conf"
  chmod 600 "$T/c.conf"
}

# same_rows DB: DB holds exactly the dataset's rows, every value (and event_epoch)
same_rows() {
  "$CHECK" expect-mysql "$CSV" >"$T/expect"
  "$CHECK" actual-mysql "$MLS_MARIADB_SOCKET" "$1" >"$T/actual"
  [ -s "$T/expect" ]
  cmp "$T/expect" "$T/actual"
}
# dump DB: both tables, every column, in key order
dump() {
  mdb_root -N -B "$1" -e "SELECT * FROM maillogsentinel_events ORDER BY source, dataset, row_offset;
    SELECT * FROM maillogsentinel_events_imports ORDER BY source, dataset, first_offset"
}

@test "mls-sql --import (mysql): MariaDB holds exactly the dataset's events, hostile values included" {
  store 300 31
  export_sql
  store 100 32
  export_sql
  head -2 "$(ls -d "$T"/x/mls-*.sql | head -1)" | grep -qx -- '-- dialect: mysql'
  run import_sql --stats
  assert_success
  assert_output "mls-sql: imported 2 files (400 new rows), 0 already imported, 0 failed"
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  [ "$(ls "$T/x/imported" | wc -l)" -eq 2 ]
  same_rows "$MDB_NAME"
  # NUL and a byte that is not UTF-8 arrived as visible escapes; integers are integers
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events WHERE INSTR(username, '\\\\x00')")" -gt 0 ]
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events WHERE INSTR(reason, '\\\\xFF')")" -gt 0 ]
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$MDB_NAME' AND COLUMN_NAME = 'port'")" = bigint ]
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events_imports")" -eq 2 ]
}

@test "mysql batch files loaded by the mariadb client give the same rows as mls-sql --import, whatever the server's sql_mode" {
  store 300 33
  export_sql
  store 50 34
  export_sql
  mkdir "$T/files"
  cp "$T"/x/mls-*.sql "$T/files/"
  import_sql
  same_rows "$MDB_NAME"
  # The server's default: nothing of what the file needs (no ANSI_QUOTES, backslash escapes on).
  MDB_GLOBAL_MODE=$(mdb_root -N -e "SELECT @@GLOBAL.sql_mode")
  mdb_root -e "SET GLOBAL sql_mode = ''"
  # mls-sql --import pins its own session too
  store 40 46
  export_sql
  cp "$T"/x/mls-*.sql "$T/files/"
  import_sql
  same_rows "$MDB_NAME"
  local db f
  for db in "${MDB_NAME}_h1" "${MDB_NAME}_h2"; do
    mariadb_new_db "$db"
    for f in "$T"/files/mls-*.sql; do mdb_user "$db" <"$f"; done
  done
  # twice changes nothing
  for f in "$T"/files/mls-*.sql; do mdb_user "${MDB_NAME}_h2" <"$f"; done
  same_rows "${MDB_NAME}_h1"
  dump "$MDB_NAME" >"$T/imported.txt"
  dump "${MDB_NAME}_h1" >"$T/h1.txt"
  dump "${MDB_NAME}_h2" >"$T/h2.txt"
  [ "$(wc -l <"$T/imported.txt")" -eq 393 ]  # 390 rows, 3 journal rows
  cmp "$T/imported.txt" "$T/h1.txt"
  cmp "$T/imported.txt" "$T/h2.txt"
  # The same file without its SET SESSION sql_mode line does not load there:
  # the pinning is what makes it mean the same everywhere.
  mariadb_new_db "${MDB_NAME}_h3"
  f=$(ls -d "$T"/files/mls-*.sql | head -1)
  grep -v '^SET SESSION sql_mode' "$f" >"$T/unpinned.sql"
  run mdb_user "${MDB_NAME}_h3" <"$T/unpinned.sql"
  assert_failure
}

@test "mls-sql --import (mysql): re-import changes nothing; a file back from imported/ is skipped and moved" {
  store 60 35
  export_sql
  import_sql
  dump "$MDB_NAME" >"$T/before"
  run import_sql
  assert_success
  assert_output ""
  cp "$T"/x/imported/*.sql "$T/x/"
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 0 files (0 new rows), 1 already imported, 0 failed" ]
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  dump "$MDB_NAME" >"$T/after"
  cmp "$T/before" "$T/after"
  same_rows "$MDB_NAME"
}

@test "mls-sql --import (mysql): kill -9 at random moments (24 times), rerun: every event exactly once" {
  local seed i moved=
  fault_seed import
  for ((i = 0; i < 24; i++)); do
    store $((RANDOM % 3000 + 1)) $((seed + i))
    export_sql
    import_sql 2>/dev/null &
    kill_soon $! 60
    moved+=" $(ls "$T/x/imported" 2>/dev/null | wc -l)"
  done
  echo "# files in imported/ after each kill:$moved" >&3
  import_sql
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  same_rows "$MDB_NAME"
  # one journal row per file
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events_imports")" -eq 24 ]
}

@test "mls-sql --import (mysql): server down: exit 1 naming it, files kept; later the import works" {
  store 40 36
  export_sql
  local closed
  closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sed -i "s/^db_port = .*/db_port = $closed/" "$T/c.conf"
  run import_sql
  assert_failure 1
  assert_output --partial "mls-sql: $MDB_USER@127.0.0.1:$closed/$MDB_NAME: "
  assert_output --partial "Can't connect"
  refute_output --partial "$MDB_PW"
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  sed -i "s/^db_port = .*/db_port = $MLS_MARIADB_PORT/" "$T/c.conf"
  import_sql
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  same_rows "$MDB_NAME"
}

@test "mls-sql --import (mysql): a wrong password: exit 1, the server's message, never the password" {
  store 10 37
  export_sql
  write_conf
  sed -i "s/^db_password = .*/db_password = wrong-Secret-42/" "$T/c.conf"
  run import_sql
  assert_failure 1
  assert_output --partial "Access denied for user '$MDB_USER'@'127.0.0.1'"
  refute_output --partial "wrong-Secret-42"
  refute_output --partial "$MDB_PW"
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
}

@test "mls-sql --import (mysql): TLS: verify-full with the server's CA and require work, an unrelated CA fails, no TLS is refused" {
  [ -r "$MLS_MARIADB_CA" ] || skip_unless_available "the MariaDB server has no test CA"
  # the user may only log in over TLS: success proves the session was encrypted
  mdb_root -e "ALTER USER '$MDB_USER'@'127.0.0.1' REQUIRE SSL"
  store 30 38
  export_sql
  run import_sql
  assert_failure 1
  write_conf "db_sslmode = verify-full" "db_sslrootcert = $MLS_MARIADB_CA"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=unrelated CA" \
    -keyout "$T/other.key" -out "$T/other.crt" >/dev/null 2>&1
  sed -i "s|^db_sslrootcert = .*|db_sslrootcert = $T/other.crt|" "$T/c.conf"
  run import_sql
  assert_failure 1
  assert_output --partial "mls-sql: $MDB_USER@127.0.0.1:$MLS_MARIADB_PORT/$MDB_NAME: "
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  # verify-ca is as strict here (Connector/C checks the name too): same refusal
  sed -i "s|^db_sslmode = .*|db_sslmode = verify-ca|" "$T/c.conf"
  run import_sql
  assert_failure 1
  sed -i "s|^db_sslrootcert = .*|db_sslrootcert = $MLS_MARIADB_CA|" "$T/c.conf"
  run import_sql
  assert_success
  sed -i "s|^db_sslmode = .*|db_sslmode = verify-full|" "$T/c.conf"
  store 5 39
  export_sql
  run import_sql
  assert_success
  # require: encrypted, the certificate not checked (no CA given)
  write_conf "db_sslmode = require"
  store 5 45
  export_sql
  run import_sql
  assert_success
  same_rows "$MDB_NAME"
}

@test "mls-sql --import (mysql): a tampered batch file fails (exit 1, left in place, nothing of it loaded), the others are imported" {
  tamper_second_of_three 40
  import_refuses_tampered
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events")" -eq 40 ]
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events WHERE source = 'mx2'")" -eq 0 ]
  cp "$T/good.sql" "$bad"
  import_sql
  [ ! -e "$bad" ]
  same_rows "$MDB_NAME"
}

@test "mls-sql --import (mysql): two importers of the same files from two directories at once: every event once, one journal row per file" {
  store 3000 43
  export_sql
  store 3000 44
  export_sql
  mkdir "$T/x2"
  cp "$T"/x/mls-*.sql "$T/x2/"
  sed "s|^sql_export_dir = .*|sql_export_dir = $T/x2|" "$T/c.conf" >"$T/c2.conf"
  chmod 600 "$T/c2.conf"
  import_sql --stats 2>"$T/one" &
  local pid=$!
  mls-sql --import -c "$T/c2.conf" --stats 2>"$T/two"
  wait "$pid"
  [ -z "$(ls "$T"/x/mls-*.sql "$T"/x2/mls-*.sql 2>/dev/null)" ]
  same_rows "$MDB_NAME"
  [ "$(mdb_root -N "$MDB_NAME" -e "SELECT COUNT(*) FROM maillogsentinel_events_imports")" -eq 2 ]
  # between them, each file loaded once and found in the journal once
  cat "$T/one" "$T/two" | sed -n 's/^mls-sql: imported \([0-9]*\) files\{0,1\} ([0-9]* new rows\{0,1\}), \([0-9]*\) already.*/\1 \2/p' >"$T/counts"
  [ "$(awk '{ i += $1; a += $2 } END { print i, a }' "$T/counts")" = "2 2" ]
}

@test "mls-sql --import (mysql): --lock-timeout bounds the wait for another importer's lock: exit 1, the file kept" {
  store 20 45
  export_sql
  mdb_root -e "SELECT GET_LOCK('mls-sql:maillogsentinel_events', 0); SELECT SLEEP(30)" >/dev/null 2>&1 &
  local holder=$! i
  for ((i = 0; i < 200; i++)); do
    [ "$(mdb_root -N -e "SELECT IS_USED_LOCK('mls-sql:maillogsentinel_events') IS NOT NULL")" = 1 ] && break
    sleep 0.05
  done
  local t0=$SECONDS
  run import_sql --lock-timeout 1
  # the holder's session, ended on the server (its SLEEP would outlive its client)
  local owner
  owner=$(mdb_root -N -e "SELECT IS_USED_LOCK('mls-sql:maillogsentinel_events')")
  [ "$owner" = NULL ] || mdb_root -e "KILL $owner"
  wait "$holder" || true
  assert_failure 1
  assert_output --partial "another import holds the lock 'mls-sql:maillogsentinel_events' (waited 1 s)"
  [ $((SECONDS - t0)) -lt 15 ]
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  run -0 import_sql
  same_rows "$MDB_NAME"
}

@test "mls-sql --import (mysql): once the tables exist, a user with only SELECT, INSERT and UPDATE on them imports" {
  store 30 47
  export_sql
  import_sql
  mdb_root -e "REVOKE ALL PRIVILEGES, GRANT OPTION FROM '$MDB_USER'@'127.0.0.1';
    GRANT SELECT, INSERT, UPDATE ON \`$MDB_NAME\`.maillogsentinel_events TO '$MDB_USER'@'127.0.0.1';
    GRANT SELECT, INSERT, UPDATE ON \`$MDB_NAME\`.maillogsentinel_events_imports TO '$MDB_USER'@'127.0.0.1';"
  store 30 48
  export_sql
  run import_sql
  assert_success
  assert_output ""
  same_rows "$MDB_NAME"
  # without the tables it needs CREATE, and says so
  mdb_root -e "DROP TABLE \`$MDB_NAME\`.maillogsentinel_events_imports"
  cp "$T"/x/imported/*.sql "$T/x/"
  run import_sql
  assert_failure 1
  assert_output --partial "CREATE command denied"
}
