#!/usr/bin/env bats
# mls-report --source database on MariaDB (loopback): the checks of
# report-database-postgresql.bats (tests/cli/report_db_helper.bash) against
# the MariaDB schema (event_epoch, the indexed seconds). One server for the
# suite (tests/cli/mariadb_helper.bash).

bats_require_minimum_version 1.5.0

load test_helper
load mariadb_helper
load report_db_helper

setup_file() { mariadb_use; }
teardown_file() { mariadb_release; }

setup() {
  mls_scratch
  mariadb_fresh_db
  DB_CONF_LINES="db_type = mysql
db_host = 127.0.0.1
db_port = $MLS_MARIADB_PORT
db_name = $MDB_NAME
db_user = $MDB_USER
db_password = $MDB_PW"
}
teardown() {
  mariadb_drop_db
  mls_scratch_cleanup
}

db_query() { mdb_root -N -B "$MDB_NAME" -e "$1"; }

@test "report from MariaDB: the CSV report of the merged events, in every window; the fleet sections" {
  fleet_same_reports
}

@test "report from MariaDB: --server narrows every count; a name no event has is warned about" {
  fleet_server_narrows
}

@test "report from MariaDB: the 10-minute feed bans what one server saw, allowlist applied" {
  fleet_feed_blocks
}

@test "report from MariaDB: a SELECT-only account gets the same reports and can change nothing" {
  fleet_data
  local ro="${MDB_USER}_ro" pw="ro-$RANDOM$RANDOM"
  mdb_root -e "CREATE USER '$ro'@'127.0.0.1' IDENTIFIED BY '$pw';
    GRANT SELECT ON \`$MDB_NAME\`.maillogsentinel_events TO '$ro'@'127.0.0.1'"
  fleet_read_only "$ro" "$pw"
  run mariadb --no-defaults -h 127.0.0.1 -P "$MLS_MARIADB_PORT" -u "$ro" -p"$pw" "$MDB_NAME" \
    -e "DELETE FROM maillogsentinel_events WHERE ip = '$FEED_IP'"
  assert_failure
  assert_output --partial "denied"
  run mariadb --no-defaults -h 127.0.0.1 -P "$MLS_MARIADB_PORT" -u "$ro" -p"$pw" "$MDB_NAME" \
    -e "INSERT INTO maillogsentinel_events (source, dataset, row_offset) VALUES ('x', 'y', 1)"
  assert_failure
  assert_output --partial "denied"
  mdb_root -e "DROP USER '$ro'@'127.0.0.1'"
}
