#!/usr/bin/env bats
# Postfix's own log file and its own rotation (issue 8): Postfix 3.7 logs to
# `maillog_file` through postlogd, and `postfix logrotate` renames that file to
# FILE.YYYYMMDD-HHMMSS and gzips it (maillog_file_compressor). The driver, as
# the service user, runs between and across real rotations; every failure line
# Postfix wrote ends up in the dataset exactly once.
#
# Runs only as root with Postfix installed and not already running (skipped
# otherwise; a failure in CI). Lines are written with postlog(1), through the
# real postlogd, with the failure text Postfix's smtpd logs.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load ../cli/driver_helper
load postfix-local

setup_file() {
  pf_skip_unless_possible
  command -v postlog >/dev/null 2>&1 || skip_unless_available "postlog is not installed"
  pf_suite_setup pf-logrotate
}

teardown_file() {
  pf_suite_teardown
  rm -f "$PF_LOG".[0-9]*
}

setup() {
  drv_scratch
  sed -i "s|^mail_log = .*|mail_log = $PF_LOG|" "$T/conf"
  rm -f "$PF_LOG".[0-9]*
  postfix logrotate >/dev/null 2>&1 || true # a fresh log for this test
  rm -f "$PF_LOG".[0-9]*
  : >"$PF_LOG"
  N=0
}

teardown() { mls_scratch_cleanup; }

# fail_lines K: K more failure lines through postlogd (users uNNNNN, unique),
# then waits until postlogd has written the last one.
fail_lines() {
  local k last
  for ((k = 0; k < $1; k++)); do
    N=$((N + 1))
    last=$(printf 'u%05d' "$N")
    postlog -t postfix/smtpd "warning: unknown[127.0.0.$((N % 250 + 2))]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=$last"
  done
  local i
  for ((i = 0; i < 200; i++)); do
    grep -q "sasl_username=$last\$" "$PF_LOG" && break
    sleep 0.05
  done
  chmod a+r "$PF_LOG"
}

# rotate: `postfix logrotate` (rename to FILE.YYYYMMDD-HHMMSS, then gzip); one
# second apart, so that two rotations never share a name.
rotate() {
  sleep 1.1
  postfix logrotate >/dev/null
  local i
  for ((i = 0; i < 100; i++)); do
    ls "$PF_LOG".*.gz >/dev/null 2>&1 && ! ls "$PF_LOG".[0-9]*[0-9] >/dev/null 2>&1 && break
    sleep 0.05
  done
  [ -e "$PF_LOG" ] || : >"$PF_LOG"
  chmod a+r "$PF_LOG" "$PF_LOG".*
}

# users_stored: the distinct users of the dataset, one per line, sorted; and
# fails if any is there twice.
check_stored() {
  local want=$1 csv=$T/work/maillogsentinel.csv
  local got
  got=$(tail -n +2 "$csv" | cut -d';' -f4 | sort)
  [ "$(printf '%s\n' "$got" | uniq -d)" = "" ] || { echo "stored twice: $(printf '%s\n' "$got" | uniq -d | head -3)"; return 1; }
  [ "$(printf '%s\n' "$got" | grep -c .)" = "$want" ] || { echo "stored $(printf '%s\n' "$got" | grep -c .) of $want"; return 1; }
  diff <(for ((k = 1; k <= want; k++)); do printf 'u%05d\n' "$k"; done) <(printf '%s\n' "$got")
}

@test "postfix logrotate: unread lines of the renamed and gzipped file are read, nothing twice" {
  fail_lines 60
  run drv_run
  assert_success
  check_stored 60
  # Lines after the last run, then Postfix's rotation, then more lines.
  fail_lines 40
  rotate
  fail_lines 30
  run drv_run
  assert_success
  check_stored 130
  # Two rotations between runs, the second with nothing new in between.
  fail_lines 25
  rotate
  fail_lines 5
  rotate
  run drv_run
  assert_success
  check_stored 160
  ls "$PF_LOG".* | grep -c '\.gz$' | grep -qx 3
  # Nothing new: nothing read, nothing added.
  run drv_run
  assert_success
  check_stored 160
}

@test "postfix logrotate: a first run reads the rotated history oldest first" {
  fail_lines 20
  rotate
  fail_lines 20
  rotate
  fail_lines 20
  run drv_run
  assert_success
  check_stored 60
  # In the order Postfix wrote them.
  diff <(for ((k = 1; k <= 60; k++)); do printf 'u%05d\n' "$k"; done) \
    <(tail -n +2 "$T/work/maillogsentinel.csv" | cut -d';' -f4)
}
