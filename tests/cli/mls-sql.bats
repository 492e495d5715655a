#!/usr/bin/env bats
# mls-sql --export: the dataset's new rows as SQL batch files that sqlite3 loads
# by hand with exactly the dataset's values (tests/data/mls-sql/sqlcheck
# computes the expected stored text independently, in Python); mls-sql --import
# loads them into SQLite, each exactly once, with the same result.
# MLS_FAULT_SEED=N replays the kill -9 loops (the seed is printed).

bats_require_minimum_version 1.5.0

load test_helper
load sql_helper
load pg_helper


setup() {
  command -v sqlite3 >/dev/null || skip_unless_available "sqlite3 (the CLI) is not installed"
  mls_scratch
  mkdir -p "$T/w" "$T/s"
  CSV="$T/w/maillogsentinel.csv"
  cat >"$T/c.conf" <<CONF
[paths]
working_dir = $T/w
state_dir = $T/s
[database]
sql_export_dir = $T/x
CONF
}
teardown() {
  pg_drop
  pg_unuse
  mls_scratch_cleanup
}

DB() { echo "$T/w/maillogsentinel.sqlite"; }
# load_all DB: every batch file, in name order, as a script by the sqlite3 CLI
load_all() {
  local f
  for f in "$T"/x/mls-*.sql; do sqlite3 "$1" <"$f"; done
}
# same_rows DB: the database holds exactly the dataset's rows, every value
same_rows() {
  "$CHECK" expect "$CSV" >"$T/expect"
  "$CHECK" actual "$1" >"$T/actual"
  [ -s "$T/expect" ]
  cmp "$T/expect" "$T/actual"
}

@test "mls-sql --export: sqlite3 loads the batch with every value of the dataset, hostile ones included" {
  store 300 1
  run export_sql
  assert_success
  assert_output ""
  [ "$(ls "$T/x" | wc -l)" -eq 1 ]
  [[ "$(ls "$T/x")" =~ ^mls-mx1-[0-9]{8}T[0-9]{6}Z-000001\.sql$ ]]
  head -9 "$T"/x/*.sql | grep -qx -- '-- rows: 300'
  load_all "$T/db"
  same_rows "$T/db"
  # a NUL and a byte that is not UTF-8 arrived as visible escapes
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events WHERE instr(username, '\\x00')")" -gt 0 ]
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events WHERE instr(reason, '\\xFF')")" -gt 0 ]
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events WHERE typeof(port) NOT IN ('integer', 'null') OR typeof(asn) NOT IN ('integer', 'null')")" -eq 0 ]
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events_imports")" -eq 1 ]
}

@test "mls-sql --export: nothing new, no file; new rows only in the next file; loading twice changes nothing" {
  store 50 2
  export_sql
  run export_sql
  assert_success
  assert_output ""
  [ "$(ls "$T/x" | wc -l)" -eq 1 ]
  store 20 3
  export_sql
  [ "$(ls "$T/x" | wc -l)" -eq 2 ]
  [ "$(ls "$T/x" | sort | tail -1)" = "$(ls -t "$T/x" | head -1)" ]
  grep -qx -- '-- rows: 20' "$(ls -d "$T"/x/* | sort | tail -1)"
  load_all "$T/db"
  load_all "$T/db"
  same_rows "$T/db"
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events")" -eq 70 ]
}

@test "mls-sql --export: a dataset replaced since the last export is exported again under a new identity" {
  store 10 4
  export_sql
  rm "$CSV"
  store 5 5
  run export_sql
  assert_success
  assert_output --partial "not the dataset of the last export"
  [ "$(ls "$T/x" | wc -l)" -eq 2 ]
  load_all "$T/db"
  [ "$(sqlite3 "$T/db" "SELECT count(*) FROM maillogsentinel_events")" -eq 15 ]
  [ "$(sqlite3 "$T/db" "SELECT count(DISTINCT dataset) FROM maillogsentinel_events")" -eq 2 ]
}

@test "mls-sql --export: no dataset yet is nothing to do" {
  run export_sql
  assert_success
  assert_output ""
  [ ! -e "$T/x" ]
}

@test "mls-sql: configuration and usage errors exit 2 with a clear message" {
  run mls-sql
  assert_failure 2
  assert_output --partial "give either --export or --import"
  run mls-sql --export --import
  assert_failure 2
  printf '[paths]\nworking_dir = %s/w\n' "$T" >"$T/bad.conf"
  run mls-sql --export -c "$T/bad.conf"
  assert_failure 2
  assert_output "mls-sql: [database] sql_export_dir is not set: no directory for the batch files"
  run mls-sql --export -c "$T/c.conf" --server 'a b'
  assert_failure 2
  assert_output --partial "server name 'a b'"
  printf '\n[database]\ndb_type = oracle\nsql_export_dir = %s/x\n' "$T" >>"$T/bad.conf"
  run mls-sql --export -c "$T/bad.conf"
  assert_failure 2
  assert_output --partial "expected postgresql, mysql or sqlite"
}

@test "mls-sql --export: an export directory that cannot be made fails, exports nothing, moves nothing" {
  store 10 6
  sed -i "s|^sql_export_dir = .*|sql_export_dir = $T/missing/x|" "$T/c.conf"
  run export_sql
  assert_failure 1
  assert_output --partial "$T/missing/x"
  sed -i "s|^sql_export_dir = .*|sql_export_dir = $T/x|" "$T/c.conf"
  export_sql
  load_all "$T/db"
  same_rows "$T/db"
}

@test "mls-sql --export: a full disk (file size limit) leaves no file and no cursor move; then it succeeds" {
  store 300 7
  run bash -c 'ulimit -f 8 && exec mls-sql --export -c "$1" --server mx1' _ "$T/c.conf"
  assert_failure 1
  assert_output --partial "File too large"
  [ -z "$(ls "$T/x" 2>/dev/null)" ]
  # the cursor holds the new dataset identity, still at the first row
  grep -qx "offset $(head -1 "$CSV" | wc -c)" "$T/s/sql-export.cursor"
  export_sql
  [ "$(ls "$T/x" | wc -l)" -eq 1 ]
  load_all "$T/db"
  same_rows "$T/db"
}

@test "mls-sql --export: kill -9 at random moments, rerun: every row loads exactly once" {
  local seed i
  fault_seed export
  for ((i = 0; i < 20; i++)); do
    store $((RANDOM % 400 + 1)) $((seed + i))
    export_sql 2>/dev/null &
    kill_soon $!
    if ((RANDOM % 2)); then export_sql; fi
  done
  export_sql
  run export_sql
  assert_output ""
  [ -z "$(find "$T/x" "$T/s" -name '*.tmp*')" ]  # no temporary file left behind
  load_all "$T/db"
  same_rows "$T/db"
}

@test "mls-sql --import: SQLite holds exactly the dataset's events; the same as sqlite3 loading the files by hand" {
  store 300 11
  export_sql
  store 100 12
  export_sql
  cp "$T"/x/mls-*.sql "$T/"
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  [ "$(ls "$T/x/imported" | wc -l)" -eq 2 ]
  same_rows "$(DB)"
  for f in "$T"/mls-*.sql; do sqlite3 "$T/byhand.sqlite" <"$f"; done
  local q="SELECT * FROM maillogsentinel_events ORDER BY row_offset; SELECT * FROM maillogsentinel_events_imports ORDER BY file"
  diff <(sqlite3 "$(DB)" "$q") <(sqlite3 "$T/byhand.sqlite" "$q")
}

@test "mls-sql --import: re-import changes nothing; a file back from imported/ is skipped and moved" {
  store 50 13
  export_sql
  import_sql
  local before
  before=$(sqlite3 "$(DB)" "SELECT count(*), sum(row_offset) FROM maillogsentinel_events")
  run import_sql
  assert_success
  cp "$T"/x/imported/*.sql "$T/x/"
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  [ "$(sqlite3 "$(DB)" "SELECT count(*), sum(row_offset) FROM maillogsentinel_events")" = "$before" ]
  same_rows "$(DB)"
}

@test "mls-sql --stats: one summary line on stderr for an export and an import" {
  store 50 13
  run -0 --separate-stderr export_sql --stats
  [ -z "$output" ]
  [ "$stderr" = "mls-sql: exported 50 rows in 1 file" ]
  run -0 --separate-stderr export_sql --stats
  [ "$stderr" = "mls-sql: exported 0 rows in 0 files" ]
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 1 file (50 new rows), 0 already imported, 0 failed" ]
  cp "$T"/x/imported/*.sql "$T/x/"
  run -0 --separate-stderr import_sql --stats
  [ "$stderr" = "mls-sql: imported 0 files (0 new rows), 1 already imported, 0 failed" ]
}

@test "mls-sql --import: a tampered batch file fails (exit 1, left in place, nothing of it loaded), the others are imported" {
  tamper_second_of_three 14
  import_refuses_tampered
  [ "$(sqlite3 "$(DB)" "SELECT count(*) FROM maillogsentinel_events")" -eq 40 ]
  [ "$(sqlite3 "$(DB)" "SELECT count(*) FROM maillogsentinel_events WHERE source = 'mx2'")" -eq 0 ]
  # the original file back: retried, and every row is there once
  cp "$T/good.sql" "$bad"
  import_sql
  [ ! -e "$bad" ]
  same_rows "$(DB)"
}

@test "mls-sql --import: a database that cannot be opened fails with its message, the files stay for later" {
  store 10 17
  export_sql
  printf 'db_name = %s/nodir/db.sqlite\n' "$T" >>"$T/c.conf"
  run import_sql
  assert_failure 1
  assert_output --partial "$T/nodir/db.sqlite: "
  [ "$(ls "$T"/x/mls-*.sql | wc -l)" -eq 1 ]
  mkdir "$T/nodir"
  import_sql
  [ "$(sqlite3 "$T/nodir/db.sqlite" "SELECT count(*) FROM maillogsentinel_events")" -eq 10 ]
}

@test "mls-sql: kill -9 during exports and imports at random moments, rerun: every event in the database exactly once" {
  local seed i
  fault_seed import
  for ((i = 0; i < 24; i++)); do
    store $((RANDOM % 400 + 1)) $((seed + i))
    if ((i % 2)); then export_sql 2>/dev/null & else export_sql; import_sql 2>/dev/null & fi
    kill_soon $!
  done
  export_sql
  import_sql
  run import_sql
  assert_success
  assert_output ""
  [ -z "$(ls "$T"/x/mls-*.sql 2>/dev/null)" ]
  same_rows "$(DB)"
}

@test "mls-sql --export (postgresql): psql loads the batches with every value of the dataset, hostile ones included; twice changes nothing" {
  pg_use
  pg_db
  printf 'db_type = postgresql\n' >>"$T/c.conf"
  store 300 21
  export_sql
  store 50 22
  export_sql
  head -2 "$(ls -d "$T"/x/mls-*.sql | head -1)" | grep -qx -- '-- dialect: postgresql'
  local f pass
  for pass in 1 2; do
    for f in "$T"/x/mls-*.sql; do
      psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -f "$f" >/dev/null
    done
  done
  "$CHECK" expect-pg "$CSV" >"$T/expect"
  "$CHECK" actual-pg "$PG_URL" >"$T/actual"
  [ "$(wc -l <"$T/expect")" -eq 350 ]
  cmp "$T/expect" "$T/actual"
}
