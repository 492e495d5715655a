#!/usr/bin/env bats
# The exactly-once storm of driver-faults.bats on the journal source
# ([paths] source = journal): at least 30 SIGKILLs of the driver or a stage
# while the journal grows (in place, and once through a rotation to a new
# file); after every sequence the CSV is byte for byte what one uninterrupted
# pass over the equivalent text log gives.
#
# MLS_FAULT_SEED=N replays a run (the seed is printed).

load test_helper
load driver_helper
load journal_helper
load faults_helper

BASE_LINES=100000
CHUNK_LINES=10000
CHUNKS=3

setup_file() {
  export TZ=UTC   # mls-tail --journal writes local time: the text log's +00:00
  command -v journalctl >/dev/null && jr_remote_bin >/dev/null || return 0  # setup skips
  FAULT_DIR=$(mktemp -d /tmp/mls-faults-journal.XXXXXX)
  chmod 0755 "$FAULT_DIR"
  local total=$((BASE_LINES + CHUNKS * CHUNK_LINES)) i
  drv_genlog --lines "$total" --seed 4243 >"$FAULT_DIR/full.log" 2>/dev/null
  head -n "$BASE_LINES" "$FAULT_DIR/full.log" >"$FAULT_DIR/base.log"
  T=$FAULT_DIR drv_reference "$FAULT_DIR/full.log" "$FAULT_DIR/ref.csv"
  drv_reference "$FAULT_DIR/base.log" "$FAULT_DIR/base.csv"
  # The journal after the base, then after each chunk: grown in place, rotated
  # before chunk 2 (its entries go to a new file), grown again.
  jr_make "$FAULT_DIR/j0" <"$FAULT_DIR/base.log"
  for ((i = 1; i <= CHUNKS; i++)); do
    cp -a "$FAULT_DIR/j$((i - 1))" "$FAULT_DIR/j$i"
    sed -n "$((BASE_LINES + (i - 1) * CHUNK_LINES + 1)),$((BASE_LINES + i * CHUNK_LINES))p" \
      "$FAULT_DIR/full.log" >"$FAULT_DIR/chunk$i"
    if [ "$i" = 2 ]; then
      jr_append "$FAULT_DIR/j$i" <"$FAULT_DIR/chunk$i"
    else
      jr_grow "$FAULT_DIR/j$i" <"$FAULT_DIR/chunk$i"
    fi
  done
  chmod -R a+rX "$FAULT_DIR"
  export FAULT_DIR
}

teardown_file() { [ -n "${FAULT_DIR:-}" ] && rm -rf "$FAULT_DIR"; }

setup() {
  drv_scratch
  jr_available
  printf '[paths]\nworking_dir = %s\nstate_dir = %s\nsource = journal\njournal_dir = %s\n' \
    "$T/work" "$T/state" "$T/journal" >"$T/conf"
  printf '[dns]\nenabled = false\n[logins]\nretention_days = 3650\n' >>"$T/conf"
  mkdir -p "$T/journal"
  give_to_user "$T"
}
teardown() { mls_scratch_cleanup; }

# The journal source: the directory holds the journal as it was after the
# base (src_reset) or after chunk N (src_append N), as journald leaves it.
src_reset() {
  rm -rf "$T/journal"/* "$T/journal"/.jr-tmp
  cp -a "$FAULT_DIR/j0/." "$T/journal/"
}
src_append() {
  rm -rf "$T/journal"/*
  cp -a "$FAULT_DIR/j$1/." "$T/journal/"
}

@test "journal faults: the references, and one undisturbed pass from the journal equals the text log's" {
  [ "$(drv_rows "$FAULT_DIR/ref.csv")" -gt 1000 ]
  src_reset
  src_append 3
  run drv_run
  assert_success
  cmp "$FAULT_DIR/ref.csv" "$T/work/maillogsentinel.csv"
  grep -q '^cursor s=' "$T/state/state.offset"
  run drv_run
  assert_success
  cmp "$FAULT_DIR/ref.csv" "$T/work/maillogsentinel.csv"
}

@test "journal faults: SIGKILL of the driver or any stage at random moments, rerun, CSV exact" {
  fault_storm
}
