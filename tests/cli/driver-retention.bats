#!/usr/bin/env bats
# Retention ([general] retention_days): after a committed run the driver drops
# the rows older than the limit from the head of the dataset, archives them
# (gzip), and mls-sql's export stays exactly once across the prune (a real
# SQLite import: every row once, none missed, the same row_offset keys).
# A kill -9 after each step of the prune (MLS_TEST_PRUNE_KILL=STEP, the
# driver kills itself there) loses nothing: a rerun finishes the work.

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

setup() {
  command -v sqlite3 >/dev/null || skip_unless_available "sqlite3 (the CLI) is not installed"
  drv_scratch
  CSV="$T/work/maillogsentinel.csv"
  cat >>"$T/conf" <<CONF

[database]
sql_export_dir = $T/x
db_name = $T/db.sqlite
CONF
  sed -i "s/^log_level = .*/&\nretention_days = 30/" "$T/conf"
}
teardown() { mls_scratch_cleanup; }

# row DAYS USER: a dataset row DAYS days ago.
row() {
  printf 'mx1;%s;192.0.2.7;%s;;;;;;LOGIN;;1234;smtp;\n' \
    "$(date -u -d "@$(($(date +%s) - $1 * 86400))" +%Y-%m-%dT%H:%M:%S+00:00)" "$2"
}
header() { printf '%s\n' 'server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason'; }

# The dataset: five rows 100 to 60 days old, three 5 to 1 days old.
make_dataset() {
  header >"$T/header"
  for d in 100 90 80 70 60; do row "$d" "old$d"; done >"$T/old"
  for d in 5 3 1; do row "$d" "new$d"; done >"$T/new"
  cat "$T/header" "$T/old" "$T/new" >"$CSV"
  give_to_user "$T"
}

export_import() {
  as_user mls-sql --export -c "$T/conf" --server mx1
  as_user mls-sql --import -c "$T/conf"
}
q() { sqlite3 "$T/db.sqlite" "$1"; }

# Every user of USERS... exactly once in the database, nothing else.
db_holds_once() {
  [ "$(q 'SELECT count(*) FROM maillogsentinel_events')" -eq "$#" ]
  [ "$(q 'SELECT count(DISTINCT username) FROM maillogsentinel_events')" -eq "$#" ]
  local u
  for u in "$@"; do [ "$(q "SELECT count(*) FROM maillogsentinel_events WHERE username = '$u'")" -eq 1 ]; done
}

@test "retention: exactly the old rows go, into a gzip archive; the export loads every row once with its key" {
  make_dataset
  export_import
  db_holds_once old100 old90 old80 old70 old60 new5 new3 new1
  offset_before=$(q "SELECT row_offset FROM maillogsentinel_events WHERE username = 'new3'")
  appended_offset=$(stat -c %s "$CSV")
  { row 0 today1; row 0 today2; } >"$T/today"
  cat "$T/today" >>"$CSV"

  run drv_run
  assert_success
  cat "$T/header" "$T/new" "$T/today" | cmp - "$CSV"
  [ -f "$CSV.retention" ]
  run ls "$T/work/archive"
  assert_output --regexp '^maillogsentinel-[0-9]{8}-[0-9]{8}\.csv\.gz$'
  cat "$T/header" "$T/old" | cmp - <(zcat "$T"/work/archive/*.csv.gz)
  grep -q "retention: dropped 5 rows" "$T/work/maillogsentinel.log"

  export_import
  db_holds_once old100 old90 old80 old70 old60 new5 new3 new1 today1 today2
  # A row keeps its key: its offset in the dataset as if nothing had been dropped.
  [ "$(q "SELECT row_offset FROM maillogsentinel_events WHERE username = 'new3'")" = "$offset_before" ]
  [ "$(q "SELECT row_offset FROM maillogsentinel_events WHERE username = 'today1'")" = "$appended_offset" ]
  [ "$(q 'SELECT count(DISTINCT dataset) FROM maillogsentinel_events')" -eq 1 ]
  run as_user mls-sql --export -c "$T/conf" --server mx1
  assert_success
  assert_output ""

  # Nothing more is due: the next run leaves the dataset alone.
  before=$(stat -c %i "$CSV")
  run drv_run
  assert_success
  [ "$(stat -c %i "$CSV")" = "$before" ]
}

@test "retention: rows pruned before an export reached them are named by the export, not loaded" {
  make_dataset
  head -2 "$T/old" | cat "$T/header" - >"$CSV"
  export_import  # old100, old90
  tail -n +3 "$T/old" | cat - "$T/new" >>"$CSV"
  run drv_run
  assert_success
  run as_user mls-sql --export -c "$T/conf" --server mx1
  assert_success
  assert_output --partial "$(cat "$T/old" | tail -n +3 | wc -c) bytes of rows were pruned"
  as_user mls-sql --import -c "$T/conf"
  db_holds_once old100 old90 new5 new3 new1
  cat "$T/header" "$T/old" | cmp - <(zcat "$T"/work/archive/*.csv.gz)
}

@test "retention: a kill -9 after each step of the prune loses nothing; the rerun finishes it" {
  for step in record archive replaced; do
    rm -rf "$T/work/"* "$T/state/"* "$T/x" "$T/db.sqlite"
    make_dataset
    export_import
    cat "$CSV" >"$T/before"
    cat "$T/header" "$T/new" >"$T/after"

    MLS_TEST_PRUNE_KILL=$step run drv_run
    [ "$status" -eq 137 ] || { echo "$step: status $status: $output"; false; }
    cmp -s "$T/before" "$CSV" || cmp -s "$T/after" "$CSV" ||
      { echo "$step: the dataset is neither the old nor the new one"; false; }
    row 0 "later-$step" >"$T/later"
    cat "$T/later" >>"$CSV"  # a later run's row, exported before the rerun
    export_import

    run drv_run
    assert_success
    cat "$T/after" "$T/later" | cmp - "$CSV"
    [ "$(ls "$T/work/archive" | wc -l)" -eq 1 ] || { ls -la "$T/work/archive"; false; }
    cat "$T/header" "$T/old" | cmp - <(zcat "$T"/work/archive/*.csv.gz)
    run find "$T/work" -name '*.tmp*'
    assert_output ""
    export_import
    db_holds_once old100 old90 old80 old70 old60 new5 new3 new1 "later-$step"
  done
}

@test "retention: a bad retention_days is a configuration error naming the key" {
  sed -i 's/^retention_days = 30/retention_days = 0/' "$T/conf"
  run drv_run
  [ "$status" -eq 2 ]
  assert_output --partial "retention_days"
}

@test "retention: retention_archive = no drops the rows without an archive" {
  sed -i 's/^retention_days = 30/&\nretention_archive = no/' "$T/conf"
  make_dataset
  run drv_run
  assert_success
  cat "$T/header" "$T/new" | cmp - "$CSV"
  [ ! -e "$T/work/archive" ]
}
