#!/usr/bin/env bats
# maillogsentinel --reset and --purge: the config's files moved (not copied)
# into a new directory in the invoking user's home, a list of what moved and a
# MANIFEST; the next run reads all history again; nothing moves while an
# extraction, an export or an import holds its lock.

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

setup() {
  drv_scratch
  printf '\n[database]\nsql_export_dir = %s\n' "$T/sql" >>"$T/conf"
  drv_genlog --lines 3000 --seed 41 >"$T/log/mail.log"
  give_to_user "$T"
}
teardown() {
  [ -n "${SHM:-}" ] && rm -rf "$SHM"
  mls_scratch_cleanup
}

# everything: an extraction, an export and an import, so every kind of file exists
everything() {
  drv_run
  drv_run --sql-export
  drv_run --sql-import
  [ -s "$T/work/maillogsentinel.csv" ]
  [ -s "$T/work/maillogsentinel.sqlite" ]
}
backup_dir() { ls -d "$T"/maillogsentinel_"$1"_* | head -1; }

@test "--reset moves the dataset, the op log and the position; the next run reads all history again" {
  everything
  cp "$T/work/maillogsentinel.csv" "$T/before.csv"
  run drv_run --reset
  assert_success
  # The dataset and the logins beside it.
  assert_line --partial "moved 4 files into $T/maillogsentinel_backup_"
  assert_line "  $T/work/maillogsentinel.csv"
  assert_line "  $T/work/maillogsentinel-logins.csv"
  assert_line "  $T/work/maillogsentinel.log"
  assert_line "  $T/state/state.offset"
  local b
  b=$(backup_dir backup)
  [ "$(stat -c %a "$b")" = 700 ]
  cmp "$T/before.csv" "$b/working_dir/maillogsentinel.csv"
  [ -s "$b/working_dir/maillogsentinel.log" ]
  [ -s "$b/state_dir/state.offset" ]
  grep -qxF "working_dir/maillogsentinel.csv	$T/work/maillogsentinel.csv" "$b/MANIFEST"
  [ ! -e "$T/work/maillogsentinel.csv" ] && [ ! -e "$T/state/state.offset" ]
  [ ! -e "$T/work/maillogsentinel-logins.csv" ]
  # What --reset leaves: the SQL files, the SQLite database, the cursor.
  [ -e "$T/state/sql-export.cursor" ] && [ -e "$T/work/maillogsentinel.sqlite" ]
  drv_run
  cmp "$T/before.csv" "$T/work/maillogsentinel.csv"
  # An export notices the new dataset and exports it whole again.
  run drv_run --sql-export -v
  assert_success
  assert_output --partial "exported $(drv_rows "$T/before.csv") rows"
}

@test "--purge moves every file the runs keep, locks last; nothing is left; a rerun starts from nothing" {
  everything
  printf 'x' >"$T/work/maillogsentinel.csv.tmpAbC123"  # a killed run's temporary file
  give_to_user "$T/work"
  run drv_run --purge
  assert_success
  assert_line --partial "into $T/maillogsentinel_purge_"
  assert_line "  $T/work/maillogsentinel.sqlite"
  assert_line "  $T/state/sql-export.cursor"
  assert_line "  $T/sql/imported"
  assert_line "  $T/work/maillogsentinel.csv.tmpAbC123"
  # The lock files come last.
  [ "$(echo "$output" | tail -5 | head -4 | grep -c '\.lock$\|/lock$')" = 4 ]
  [ -z "$(find "$T/work" "$T/state" "$T/sql" -mindepth 1)" ]
  local b
  b=$(backup_dir purge)
  [ "$(find "$b" -name 'mls-*.sql' | wc -l)" -ge 1 ]
  [ "$(wc -l <"$b/MANIFEST")" = "$(echo "$output" | grep -c '^  /')" ]
  run drv_run --purge
  assert_success
  assert_output "maillogsentinel: nothing to purge for $T/conf"
  everything
}

@test "--reset and --purge refuse while an extraction, a dataset writer, an export or an import holds its lock" {
  everything
  drv_snapshot >"$T/before.sums"
  local lock
  for lock in "$T/state/lock" "$T/work/maillogsentinel.csv.lock" "$T/state/sql-export.lock" \
    "$T/sql/import.lock"; do
    as_user flock -x "$lock" sleep 30.25 &
    local holder=$!
    sleep 0.3
    for cmd in --reset --purge; do
      run drv_run "$cmd"
      assert_failure 1
      assert_output --partial "$lock is held by"
      assert_output --partial "nothing moved"
    done
    pkill -f '^sleep 30.25$' || true  # flock's child holds the lock
    wait "$holder" 2>/dev/null || true
  done
  drv_snapshot | cmp - "$T/before.sums"
  [ -z "$(ls -d "$T"/maillogsentinel_* 2>/dev/null)" ]
  # --lock-timeout waits for the holder instead.
  as_user flock -x "$T/state/lock" sleep 0.5 &
  sleep 0.1
  run drv_run --reset --lock-timeout 10
  assert_success
  wait
}

@test "--dry-run lists what would move and moves nothing; nothing to reset is not an error" {
  run drv_run --reset
  assert_success
  assert_output "maillogsentinel: nothing to reset for $T/conf"
  everything
  drv_snapshot >"$T/before.sums"
  run drv_run --purge --dry-run
  assert_success
  assert_line "maillogsentinel: --purge would move into $T/maillogsentinel_purge_STAMP:"
  assert_line "  $T/work/maillogsentinel.csv"
  drv_snapshot | cmp - "$T/before.sums"
  [ -z "$(ls -d "$T"/maillogsentinel_* 2>/dev/null)" ]
}

@test "--reset into a home on another filesystem: copied with its mode, synced, the originals removed" {
  [ -d /dev/shm ] && [ "$(stat -f -c %i /dev/shm)" != "$(stat -f -c %i "$T")" ] ||
    skip "no second filesystem (/dev/shm) here"
  everything
  SHM=$(mktemp -d /dev/shm/mls-home.XXXXXX)
  give_to_user "$SHM"
  cp "$T/work/maillogsentinel.csv" "$T/before.csv"
  local mode
  mode=$(stat -c %a "$T/work/maillogsentinel.csv")
  run as_user env HOME="$SHM" maillogsentinel --config "$T/conf" --purge
  assert_success
  local b
  b=$(ls -d "$SHM"/maillogsentinel_purge_*)
  cmp "$T/before.csv" "$b/working_dir/maillogsentinel.csv"
  [ "$(stat -c %a "$b/working_dir/maillogsentinel.csv")" = "$mode" ]
  [ -d "$b/sql_export_dir/imported" ] && [ -n "$(ls "$b/sql_export_dir/imported")" ]
  [ -z "$(find "$T/work" "$T/state" "$T/sql" -mindepth 1)" ]
}

@test "--reset / --purge: usage errors and a home that cannot be written" {
  run drv_run --reset --purge
  assert_failure 2
  assert_output --partial "exclude each other"
  run drv_run --reset --from-now
  assert_failure 2
  everything
  drv_snapshot >"$T/before.sums"
  run as_user env HOME=/nonexistent/home maillogsentinel --config "$T/conf" --reset
  assert_failure 1
  assert_output --partial "/nonexistent/home"
  assert_output --partial "nothing moved"
  drv_snapshot | cmp - "$T/before.sums"
  # The service user's home is its working directory: the backup would stay in it.
  run as_user env HOME="$T/work/" maillogsentinel --config "$T/conf" --purge
  assert_failure 1
  assert_output --partial "your home $T/work/ is inside $T/work: the backup would stay among the files it clears"
  drv_snapshot | cmp - "$T/before.sums"
}
