# Shared by the mls-sql suites (mls-sql.bats, mls-sql-postgresql.bats,
# mls-sql-mariadb.bats). Load after test_helper; the suite sets CSV and writes
# $T/c.conf.
#
# CHECK: tests/data/mls-sql/sqlcheck, which computes the stored rows independently.
# store N SEED [CSV]: N more events (sqlcheck's hostile mix) in the dataset.
# export_sql ARGS / import_sql ARGS: mls-sql with $T/c.conf (export as server mx1).
# fault_seed WHAT: sets `seed` (MLS_FAULT_SEED, else the clock), seeds RANDOM
#   and prints the seed to fd 3, so that a failing kill -9 loop can be replayed.
# kill_soon PID [MAX_MS]: kill -9 after 0 to MAX_MS - 1 ms (default 10, chosen
#   by RANDOM), then reap it.

CHECK="$MLS_SRCDIR/tests/data/mls-sql/sqlcheck"

store() { "$CHECK" events "$1" "$2" | mls-store --csv "${3:-$CSV}"; }
export_sql() { mls-sql --export -c "$T/c.conf" --server mx1 "$@"; }
import_sql() { mls-sql --import -c "$T/c.conf" "$@"; }

fault_seed() {
  seed=${MLS_FAULT_SEED:-$(($(date +%s%N) / 1000 % 32768))}
  echo "# mls-sql $1 fault injection seed: $seed (MLS_FAULT_SEED=$seed to replay)" >&3
  RANDOM=$seed
}

kill_soon() {
  sleep "$(printf '0.%03d' $((RANDOM % ${2:-10})))"
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# tamper_second_of_three SEED: three batch files of 20 events (seeds SEED,
# SEED+1, SEED+2), then one byte of a value in the second changed (the server
# column of its first row: mx1 -> mx2; the original kept in $T/good.sql); sets
# `bad` to its path.
tamper_second_of_three() {
  local s
  for s in 0 1 2; do
    store 20 $(($1 + s))
    export_sql
  done
  bad=$(ls -d "$T"/x/mls-*.sql | sort | sed -n 2p)
  cp "$bad" "$T/good.sql"
  sed -i "0,/^('mx1', /s//('mx2', /" "$bad"
  [ "$(cmp -l "$bad" "$T/good.sql" | wc -l)" -eq 1 ]
}

# import_refuses_tampered: the import fails (exit 1) naming the file and its
# checksum, leaves it in place and imports the two others.
import_refuses_tampered() {
  run import_sql
  assert_failure 1
  assert_output --partial "$bad: line "
  assert_output --partial "SHA-256"
  [ -e "$bad" ]
  [ "$(ls "$T/x/imported" | wc -l)" -eq 2 ]
}
