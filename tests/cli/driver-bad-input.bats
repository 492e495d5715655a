#!/usr/bin/env bats
# maillogsentinel with bad input and a hostile environment: each case gives a
# clear message and exit 1, changes nothing, and loses nothing: once the cause
# is fixed the next run leaves exactly the CSV one clean pass would.

load test_helper
load driver_helper

setup_file() {
  BAD_DIR=$(mktemp -d /tmp/mls-badinput.XXXXXX)
  chmod 0755 "$BAD_DIR"
  drv_genlog --lines 60000 --seed 5 >"$BAD_DIR/all.log" 2>/dev/null
  head -n 20000 "$BAD_DIR/all.log" >"$BAD_DIR/a.log"
  sed -n '20001,60000p' "$BAD_DIR/all.log" >"$BAD_DIR/b.log"
  drv_reference "$BAD_DIR/a.log" "$BAD_DIR/a.csv"
  drv_reference "$BAD_DIR/all.log" "$BAD_DIR/all.csv"
  chmod -R a+rX "$BAD_DIR"
  export BAD_DIR
}

teardown_file() { rm -rf "$BAD_DIR"; }

setup() { drv_scratch; }
teardown() { mls_scratch_cleanup; }

# A committed first part (a.log), then b.log appended and not yet read.
first_part_committed() {
  cp "$BAD_DIR/a.log" "$T/log/mail.log"
  give_to_user "$T/log/mail.log"
  drv_run >/dev/null 2>&1
  cmp "$BAD_DIR/a.csv" "$T/work/maillogsentinel.csv"
  cat "$BAD_DIR/b.log" >>"$T/log/mail.log"
}

@test "bad input: unreadable mail log" {
  first_part_committed
  before=$(drv_snapshot)
  chown 0:0 "$T/log/mail.log" 2>/dev/null || true
  chmod 0000 "$T/log/mail.log"
  run drv_run
  assert_failure 1
  # Checked before the stages start, naming the config line.
  assert_output "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: Permission denied; the log is not readable by its group: add the service user to group adm and have the log written with group adm, mode 0640 (as Debian's rsyslog does)"
  [ "$(drv_snapshot)" = "$before" ]
  grep -q " ERROR maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: Permission denied; " "$T/work/maillogsentinel.log"
  chmod 0644 "$T/log/mail.log"
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: missing state directory" {
  first_part_committed
  mv "$T/state" "$T/state.away"
  before=$(drv_snapshot)
  run drv_run
  assert_failure 1
  assert_output "maillogsentinel: state directory $T/state: No such file or directory"
  [ "$(drv_snapshot)" = "$before" ]
  grep -q " ERROR maillogsentinel: state directory $T/state: No such file or directory\$" \
    "$T/work/maillogsentinel.log"
  mv "$T/state.away" "$T/state"
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: working directory missing or not writable" {
  cp "$BAD_DIR/all.log" "$T/log/mail.log"
  give_to_user "$T/log/mail.log"
  rmdir "$T/work"
  run drv_run
  assert_failure 1
  assert_output "maillogsentinel: working directory $T/work: No such file or directory"
  mkdir -m 0555 "$T/work"
  give_to_user "$T/work"
  run drv_run
  assert_failure 1
  assert_output "maillogsentinel: working directory $T/work is not writable: Permission denied"
  [ -z "$(find "$T/work" "$T/state" -mindepth 1)" ]
  chmod 0755 "$T/work"
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: a CSV the service user cannot write fails the run and keeps the position" {
  first_part_committed
  chown 0:0 "$T/work/maillogsentinel.csv" 2>/dev/null || true
  chmod 0444 "$T/work/maillogsentinel.csv"
  before=$(drv_snapshot)
  run drv_run
  assert_failure 1
  assert_line --regexp '^maillogsentinel: stage mls-store failed \((exit status|killed by signal) [0-9]+\)$'
  [ "$(drv_snapshot)" = "$before" ]
  chmod 0644 "$T/work/maillogsentinel.csv"
  give_to_user "$T/work/maillogsentinel.csv"
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: corrupt state file" {
  first_part_committed
  cp "$T/state/state.offset" "$T/good.offset"
  printf 'mls-tail-state 1\ninode banana\n' >"$T/state/state.offset"
  give_to_user "$T/state/state.offset"
  before=$(drv_snapshot)
  run drv_run
  assert_failure 1
  assert_line --regexp "^mls-tail: $T/state/state.offset"
  assert_line 'maillogsentinel: stage mls-tail failed (exit status 1)'
  [ "$(drv_snapshot)" = "$before" ]
  # The operator restores the state file: nothing was lost, nothing doubled.
  cp "$T/good.offset" "$T/state/state.offset"
  give_to_user "$T/state/state.offset"
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: corrupt transaction journal stops the run before anything changes" {
  first_part_committed
  local j
  for j in "$T/work/maillogsentinel.csv.journal" "$T/state/txn.journal"; do
    printf 'not a journal\n' >"$j"
    give_to_user "$j"
    before=$(drv_snapshot)
    run drv_run
    assert_failure 1
    assert_output "maillogsentinel: $j: malformed transaction journal (remove it only after checking the CSV)"
    [ "$(drv_snapshot)" = "$before" ]
    rm "$j"
  done
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: write failure in the middle of the append (RLIMIT_FSIZE)" {
  first_part_committed
  size=$(stat -c %s "$T/work/maillogsentinel.csv")
  full=$(stat -c %s "$BAD_DIR/all.csv")
  limit_kb=$(((size + full) / 2 / 1024))  # room for part of the new rows only
  [ $((limit_kb * 1024)) -gt "$size" ] && [ $((limit_kb * 1024)) -lt "$full" ]
  [ "$(stat -c %s "$T/work/maillogsentinel.log")" -lt $((limit_kb * 1024 / 2)) ]
  before=$(drv_snapshot)
  run bash -c "ulimit -f $limit_kb && $(declare -f as_user); $(declare -p MLS_TEST_UID MLS_TEST_GID T PATH); as_user maillogsentinel --config $T/conf"
  assert_failure 1
  assert_line --regexp '^maillogsentinel: stage mls-store failed \((exit status [0-9]+|killed by signal 25)\)$'
  [ "$(drv_snapshot)" = "$before" ]  # the torn append was rolled back
  run drv_run
  assert_success
  cmp "$BAD_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

@test "bad input: invalid log_level is a config error naming the line" {
  drv_config | sed 's/^log_level = .*/log_level = LOUD/' >"$T/conf"
  give_to_user "$T/conf"
  run drv_run
  assert_failure 2
  assert_output --regexp "^maillogsentinel: $T/conf:[0-9]+: .*log_level"
}
