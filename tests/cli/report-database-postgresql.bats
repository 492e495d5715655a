#!/usr/bin/env bats
# mls-report --source database on PostgreSQL 15 (loopback): three servers'
# events imported by mls-sql; the report equals the CSV report of the merged
# events in every window (JSON, apart from the dataset section), the fleet
# sections are right, --server narrows, the 10-minute feed bans an address one
# server saw, and a role that may only SELECT the table gets the same reports
# and can change nothing. One server for the suite (tests/cli/pg_helper.bash).

bats_require_minimum_version 1.5.0

load test_helper
load pg_helper
load report_db_helper

setup_file() { pg_use; }
teardown_file() { pg_unuse; }

setup() {
  mls_scratch
  pg_db
  DB_CONF_LINES="db_type = postgresql
db_host = 127.0.0.1
db_port = $MLS_PG_PORT
db_name = $PG_DB
db_user = $PG_USER
db_password = $PG_PASSWORD"
}
teardown() {
  pg_drop
  mls_scratch_cleanup
}

db_query() { psql -X -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"; }

@test "report from PostgreSQL: the CSV report of the merged events, in every window; the fleet sections" {
  fleet_same_reports
}

@test "report from PostgreSQL: --server narrows every count; a name no event has is warned about" {
  fleet_server_narrows
}

@test "report from PostgreSQL: the 10-minute feed bans what one server saw, allowlist applied" {
  fleet_feed_blocks
}

@test "report from PostgreSQL: --send's message and attachment are the CSV report's" {
  fleet_send
}

@test "report from PostgreSQL: a SELECT-only role gets the same reports and can change nothing" {
  fleet_data
  local ro="${PG_USER}_ro" pw="ro-$RANDOM$RANDOM"
  pg_admin "CREATE ROLE $ro LOGIN PASSWORD '$pw'" \
    "GRANT CONNECT ON DATABASE $PG_DB TO $ro"
  psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -c "GRANT USAGE ON SCHEMA public TO $ro" \
    -c "GRANT SELECT ON maillogsentinel_events TO $ro"
  PG_RO_URL="postgresql://$ro:$pw@127.0.0.1:$MLS_PG_PORT/$PG_DB"
  fleet_read_only "$ro" "$pw"
  run psql -X -At -v ON_ERROR_STOP=1 "$PG_RO_URL" \
    -c "DELETE FROM maillogsentinel_events WHERE ip = '$FEED_IP'"
  assert_failure
  assert_output --partial "permission denied"
  run psql -X -At -v ON_ERROR_STOP=1 "$PG_RO_URL" \
    -c "INSERT INTO maillogsentinel_events SELECT * FROM maillogsentinel_events LIMIT 1"
  assert_failure
  assert_output --partial "permission denied"
  pg_admin "REVOKE ALL ON DATABASE $PG_DB FROM $ro"
  psql -X -q "$PG_URL" -c "REVOKE ALL ON maillogsentinel_events FROM $ro" \
    -c "REVOKE ALL ON SCHEMA public FROM $ro"
  pg_admin "DROP ROLE $ro"
}

@test "report from PostgreSQL: a wrong password is an error naming the server, never the password, never an empty report" {
  fleet_conf "$T/c.conf" 1
  sed -i "s/^db_password = .*/db_password = wrong-$PG_PASSWORD/" "$T/c.conf"
  run -1 mls-report -c "$T/c.conf" --source database --format json
  assert_output --partial "127.0.0.1:$MLS_PG_PORT/$PG_DB"
  refute_output --partial "$PG_PASSWORD"
  refute_output --partial '"total"'
}
