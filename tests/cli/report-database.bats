#!/usr/bin/env bats
# mls-report --source database on SQLite (no server: runs everywhere, under
# the sanitizers too): the checks of report-database-postgresql.bats
# (tests/cli/report_db_helper.bash), and the usage errors of --source/--server.

bats_require_minimum_version 1.5.0

load test_helper
load report_db_helper

setup() {
  mls_scratch
  DB_CONF_LINES="db_type = sqlite
db_name = $T/fleet.sqlite"
}
teardown() { mls_scratch_cleanup; }

db_query() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$T/fleet.sqlite" "$1"; }

@test "report from SQLite: the CSV report of the merged events, in every window; the fleet sections" {
  fleet_same_reports
}

@test "report from SQLite: --server narrows every count; a name no event has is warned about" {
  fleet_server_narrows
}

@test "report from SQLite: the 10-minute feed bans what one server saw, allowlist applied" {
  fleet_feed_blocks
}

@test "report from SQLite: --send's message and attachment are the CSV report's" {
  fleet_send
}

@test "--source and --server: usage errors, and a database that is not there is an error, not an empty report" {
  fleet_conf "$T/c.conf" 1
  run -2 mls-report --source sql -c "$T/c.conf"
  assert_output --partial "--source: expected csv or database, got 'sql'"
  run -2 mls-report --source database --csv "$T/all.csv"
  assert_output --partial "--source database reads the [database] table"
  run -2 mls-report --server '' -c "$T/c.conf"
  assert_output --partial "--server: empty server name"
  run -1 mls-report --source database -c "$T/c.conf" --format json
  assert_output --partial "$T/fleet.sqlite"
  refute_output --partial '"total"'
  [ ! -e "$T/fleet.sqlite" ]  # never created by a report
  # [report] source = database in the config; --source csv overrides it.
  printf '[report]\nsource = database\n' >>"$T/c.conf"
  run -1 mls-report -c "$T/c.conf" --format json
  assert_output --partial "$T/fleet.sqlite"
  run -2 mls-report -c "$T/c.conf" --csv "$T/x.csv"
  assert_output --partial "says [report] source = database"
  printf 'server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason\n' >"$T/w1/maillogsentinel.csv"
  run -0 mls-report -c "$T/c.conf" --source csv --format json
  assert_output --partial '"total": 0'
}
