#!/usr/bin/env bats
# maillogsentinel, the driver: command line, the extraction run, progress,
# the operational log, stage failures, the lock, concurrency, rotation.
# (Crashes: driver-faults.bats. Bad input: driver-bad-input.bats.)

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

setup_file() {
  SAMPLE_DIR=$(mktemp -d /tmp/mls-driver.XXXXXX)
  chmod 0755 "$SAMPLE_DIR"
  # 40000 lines: a first part of 20000, then 10000 + 10000 for rotation tests.
  drv_genlog --lines 40000 --seed 2 >"$SAMPLE_DIR/all.log" 2>"$SAMPLE_DIR/all.count"
  drv_genlog --lines 20000 --seed 2 >"$SAMPLE_DIR/a.log" 2>"$SAMPLE_DIR/a.count"
  head -n 20000 "$SAMPLE_DIR/all.log" | cmp - "$SAMPLE_DIR/a.log" ||
    { echo "genlog: a prefix is not the shorter log" >&2; return 1; }
  sed -n '20001,30000p' "$SAMPLE_DIR/all.log" >"$SAMPLE_DIR/b.log"
  sed -n '30001,40000p' "$SAMPLE_DIR/all.log" >"$SAMPLE_DIR/c.log"
  drv_reference "$SAMPLE_DIR/a.log" "$SAMPLE_DIR/a.csv"
  drv_reference "$SAMPLE_DIR/all.log" "$SAMPLE_DIR/all.csv"
  chmod -R a+rX "$SAMPLE_DIR"
  export SAMPLE_DIR
}

teardown_file() { rm -rf "$SAMPLE_DIR"; }

setup() { drv_scratch; }
# hold_lock FILE: another process holds flock(FILE) (flock -o: flock itself,
# not its sleeping child) until release_holder; returns once it does.
hold_lock() {
  (exec flock -o "$1" sleep 30) &
  HOLDER=$!
  for i in $(seq 100); do ! flock -n "$1" true && break; sleep 0.02; done
}

# first_part_then_more: a committed first run over a.log, then b.log appended.
first_part_then_more() {
  use_log a.log
  drv_run >/dev/null 2>&1
  cat "$SAMPLE_DIR/b.log" >>"$T/log/mail.log"
}

# expect_a_and_b: the dataset holds exactly the events of a.log then b.log.
expect_a_and_b() {
  drv_reference <(cat "$SAMPLE_DIR/a.log" "$SAMPLE_DIR/b.log") "$T/ab.csv"
  cmp "$T/ab.csv" "$T/work/maillogsentinel.csv"
}

release_holder() {
  if [ -n "${HOLDER:-}" ]; then
    local child
    child=$(pgrep -P "$HOLDER" || true)
    kill "$HOLDER" ${child:+"$child"} 2>/dev/null || true
    wait "$HOLDER" 2>/dev/null || true
    HOLDER=
  fi
}

teardown() {
  release_holder
  mls_scratch_cleanup
}

count() { sed -n "s/^$1=//p" "$2"; }
# The summary's outage clause for N SASL backend outages (lib/progress.h FormatSummary).
outages() {
  case $1 in 0) ;; 1) printf ', 1 SASL backend outage' ;; *) printf ', %d SASL backend outages' "$1" ;; esac
}
# The summary's logins clause for N successful logins stored ([logins] track, the default).
logins() { if [ "$1" != 0 ]; then printf ', %d logins stored' "$1"; fi; }

use_log() {
  cp "$SAMPLE_DIR/$1" "$T/log/mail.log"
  give_to_user "$T/log/mail.log"
}

# ---- command line ----------------------------------------------------------

@test "maillogsentinel --version and --help" {
  run maillogsentinel --version
  assert_success
  assert_output --regexp '^maillogsentinel \(maillogsentinel\) [0-9]+\.[0-9]+\.[0-9]+$'
  run maillogsentinel --help
  assert_success
  assert_line --partial 'Usage: maillogsentinel'
  for flag in --config --dry-run --lock-timeout --help --version; do
    assert_output --partial -- "$flag"
  done
  assert_output --partial 'maillogsentinel(8)'
}

@test "maillogsentinel: usage errors exit 2" {
  run maillogsentinel --no-such-flag
  assert_failure 2
  assert_line "maillogsentinel: Try 'maillogsentinel --help'."
  run maillogsentinel stray-argument
  assert_failure 2
  run maillogsentinel --lock-timeout -1
  assert_failure 2
  assert_line 'maillogsentinel: --lock-timeout: expected a number of seconds between 0 and 86400'
  run maillogsentinel --lock-timeout soon
  assert_failure 2
}

@test "maillogsentinel --dry-run prints the shell pipeline, shell-quoted (golden)" {
  cat >"$T/odd.conf" <<EOF2
[paths]
working_dir = /srv/mls data
state_dir = /srv/it's/state
mail_log = /var/log/mail.log
[dns]
enabled = false
EOF2
  run maillogsentinel --config "$T/odd.conf" --dry-run
  assert_success
  expected="$MLS_BIN/mls-tail --state '/srv/it'\\''s/state/state.offset' --pending '/srv/it'\\''s/state/state.offset.pending' --progress-fd 3 --map-fd 4 /var/log/mail.log 3>/dev/null 4>/dev/null \\
  | $MLS_BIN/mls-parse --stats --map-fd 4 --logins 4</dev/null \\
  | $MLS_BIN/mls-enrich --stats --no-dns --cache '/srv/it'\\''s/state/dns-cache' --cache-size 10000 --cache-ttl 86400 \\
  | $MLS_BIN/mls-store --csv '/srv/mls data/maillogsentinel.csv' --stats"
  assert_equal "$output" "$expected"
  # -n is the same, and works as root: it runs nothing.
  run maillogsentinel -n --config "$T/odd.conf"
  assert_success
  assert_equal "$output" "$expected"
}

@test "maillogsentinel --dry-run output is a pipeline the shell runs as is" {
  use_log a.log
  run maillogsentinel --config "$T/conf" -n
  assert_success
  [ ! -e "$T/work/maillogsentinel.log" ] && [ ! -e "$T/state/lock" ]  # touched nothing
  as_user bash -c "$output" 2>/dev/null
  cmp "$SAMPLE_DIR/a.csv" "$T/work/maillogsentinel.csv"
}

@test "maillogsentinel: refuses to run the extraction as root" {
  [ "$(id -u)" = 0 ] || skip "needs root"
  use_log a.log
  run maillogsentinel --config "$T/conf"
  assert_failure 1
  assert_output 'maillogsentinel: refusing to run the extraction as root; run it as the service user (see maillogsentinel(8), SECURITY CONSIDERATIONS)'
  [ -z "$(find "$T/work" "$T/state" -mindepth 1)" ]
}

@test "maillogsentinel: missing or invalid config: file:line message, exit 2" {
  run as_user maillogsentinel --config "$T/nope.conf"
  assert_failure 2
  assert_output "maillogsentinel: $T/nope.conf: No such file or directory"
  printf '[paths]\nworking_dir = %s/work\ntreshold = 3\n' "$T" >"$T/bad.conf"
  give_to_user "$T/bad.conf"
  run as_user maillogsentinel --config "$T/bad.conf"
  assert_failure 2
  assert_output "maillogsentinel: $T/bad.conf:3: unknown key 'treshold' in [paths]"
  # A near miss gets a hint; so does a key of another section.
  printf '[paths]\nmail_logs = /var/log/mail.log\n' >"$T/bad.conf"
  run -2 as_user maillogsentinel --config "$T/bad.conf"
  assert_output "maillogsentinel: $T/bad.conf:2: unknown key 'mail_logs' in [paths]; did you mean 'mail_log'?"
  printf '[report]\nmail_log = /var/log/mail.log\n' >"$T/bad.conf"
  run -2 as_user maillogsentinel --config "$T/bad.conf" --report
  assert_output "maillogsentinel: $T/bad.conf:2: unknown key 'mail_log' in [report]; 'mail_log' belongs in [paths]"
  # As root too (the config is read before the root check), and with --dry-run.
  run -2 maillogsentinel --config "$T/bad.conf" --dry-run
}

@test "config errors exit 2 in every tool that reads the config" {
  printf '[report]\ntpo = 5\n' >"$T/bad.conf"
  give_to_user "$T/bad.conf"
  msg="$T/bad.conf:2: unknown key 'tpo' in [report]; did you mean 'top'?"
  run -2 as_user maillogsentinel --config "$T/bad.conf"
  assert_output "maillogsentinel: $msg"
  run -2 as_user maillogsentinel --config "$T/bad.conf" --report
  assert_output "maillogsentinel: $msg"
  run -2 mls-store --config "$T/bad.conf" </dev/null
  assert_output "mls-store: $msg"
  run -2 mls-report --config "$T/bad.conf"
  assert_output "mls-report: $msg"
  run -2 mls-enrich --config "$T/bad.conf" </dev/null
  assert_output "mls-enrich: $msg"
  run -2 mls-ipinfo --config "$T/bad.conf" 192.0.2.1
  assert_output "mls-ipinfo: $msg"
  # A config that cannot be read is a config error too.
  run -2 mls-report --config "$T/none.conf"
  assert_output "mls-report: $T/none.conf: No such file or directory"
}

# ---- mail_log checked before the stages --------------------------------------

# mail_log_is VALUE: sets mail_log in $T/conf (line 4).
mail_log_is() {
  sed -i "s|^mail_log = .*|mail_log = $1|" "$T/conf"
  [ "$(sed -n 4p "$T/conf")" = "mail_log = $1" ]
}

@test "maillogsentinel: mail_log a directory: config error naming the line, exit 2" {
  mail_log_is "$T/log"
  run -2 --separate-stderr drv_run
  [ -z "$output" ]
  [ "$stderr" = "maillogsentinel: $T/conf:4: mail_log $T/log: is a directory; mail_log names the log file (e.g. /var/log/mail.log)" ] || { echo "$stderr"; false; }
  [ ! -e "$T/state/lock" ] && [ ! -e "$T/work/maillogsentinel.csv" ]
  grep -q " ERROR maillogsentinel: $T/conf:4: mail_log $T/log: is a directory" "$T/work/maillogsentinel.log"
}

@test "maillogsentinel: mail_log in quotes or with a trailing comment: values are literal, exit 2" {
  mail_log_is "\"$T/log/mail.log\""
  run -2 drv_run
  assert_output "maillogsentinel: $T/conf:4: mail_log \"$T/log/mail.log\": the quotes are part of the value (values are literal, there are no quotes in this file); write mail_log = $T/log/mail.log"
  mail_log_is "$T/log/mail.log  # Debian"
  run -2 drv_run
  assert_output "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log  # Debian: a comment after a value is part of the value (values are literal; a comment is a line of its own); write mail_log = $T/log/mail.log"
}

@test "maillogsentinel: mail_log missing: exit 1, unless rotated files are there" {
  rm "$T/log/mail.log"
  run -1 drv_run
  assert_output "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: No such file or directory (nor any rotated file of it)"
  [ ! -e "$T/state/lock" ]
  # The default value is named as such.
  if [ ! -e /var/log/mail.log ] && ! ls /var/log/mail.log.* >/dev/null 2>&1; then
    sed -i '/^mail_log = /d' "$T/conf"
    run -1 drv_run
    assert_output "maillogsentinel: $T/conf: [paths] mail_log not set: mail_log /var/log/mail.log: No such file or directory (nor any rotated file of it)"
  fi
  # Between logrotate's rename and the new file: the rotated file is read.
  drv_config >"$T/conf"
  cp "$SAMPLE_DIR/a.log" "$T/log/mail.log.1"
  give_to_user "$T"
  run -0 --separate-stderr drv_run
  cmp "$SAMPLE_DIR/a.csv" "$T/work/maillogsentinel.csv"
}

@test "maillogsentinel: mail_log unreadable: exit 1 with the group to join" {
  [ "$(id -u)" = 0 ] || skip "needs root to give the log away"
  getent group adm >/dev/null || skip "no group adm"
  use_log a.log
  chown 0:adm "$T/log/mail.log"
  chmod 0640 "$T/log/mail.log"
  run -1 drv_run
  assert_output "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: Permission denied; add the service user to group adm (usermod -a -G adm USER), which may read it"
  chmod 0600 "$T/log/mail.log"
  run -1 drv_run
  assert_output "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: Permission denied; the log is not readable by its group: add the service user to group adm and have the log written with group adm, mode 0640 (as Debian's rsyslog does)"
  [ ! -e "$T/state/lock" ] && [ ! -e "$T/work/maillogsentinel.csv" ]
}

# ---- the run ---------------------------------------------------------------

@test "maillogsentinel: first run stores every event; -v: plain lines on stderr of a non-TTY" {
  use_log a.log
  run drv_run
  assert_success
  cmp "$SAMPLE_DIR/a.csv" "$T/work/maillogsentinel.csv"
  [ "$(drv_rows "$T/work/maillogsentinel.csv")" -eq "$(count events "$SAMPLE_DIR/a.count")" ]
  # -v: stderr has a start line, the stages' counters and the summary, no
  # control characters at all; stdout nothing.
  rm -rf "$T/work"/* "$T/state"/*
  as_user maillogsentinel --config "$T/conf" -v >"$T/stdout" 2>"$T/stderr"
  [ ! -s "$T/stdout" ]
  run cat "$T/stderr"
  assert_line --index 0 "maillogsentinel: reading $T/log/mail.log"
  assert_line --regexp "^mls-parse: lines=20000 events=$(count events "$SAMPLE_DIR/a.count") "
  assert_line --regexp "^mls-store: appended $(count events "$SAMPLE_DIR/a.count") events to "
  assert_line "maillogsentinel: 20000 new lines read, $(count events "$SAMPLE_DIR/a.count") events stored$(logins "$(count logins "$SAMPLE_DIR/a.count")")$(outages "$(count outages "$SAMPLE_DIR/a.count")")"
  ! grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/stderr"
  # Nothing new: the next run reads nothing and changes nothing.
  before=$(drv_snapshot)
  run drv_run --verbose
  assert_success
  assert_line 'maillogsentinel: 0 new lines read, 0 events stored'
  [ "$(drv_snapshot)" = "$before" ]
  [ ! -e "$T/work/maillogsentinel.csv.journal" ] && [ ! -e "$T/state/txn.dataset" ] && [ ! -e "$T/state/state.offset.pending" ]
}

@test "maillogsentinel: progress bar on a TTY" {
  command -v script >/dev/null || skip "script(1) not installed"
  use_log a.log
  as_user script -qec "maillogsentinel --config $T/conf 2>/dev/null" /dev/null >"$T/tty.out"
  grep -q $'\r\\[[#-]*\\] *[0-9]*%' "$T/tty.out"
  grep -q "maillogsentinel: 20000 new lines read" "$T/tty.out"
}

@test "maillogsentinel: on a TTY the bar fits its width and is cleared around stage messages" {
  command -v script >/dev/null || skip "script(1) not installed"
  use_log all.log
  # The stages' warnings (the outage summary) on the same terminal; 20 columns.
  as_user script -qec "stty cols 20; maillogsentinel --config $T/conf" /dev/null >"$T/tty.out"
  grep -q "maillogsentinel: 40000 new lines read" "$T/tty.out"
  # Every bar drawn fits 19 columns; every message starts on a cleared line.
  tr '\n' '\r' <"$T/tty.out" | tr '\r' '\n' | grep -E '^\[[#-]*\] *[0-9]+%' >"$T/bars" || true
  [ -s "$T/bars" ]
  ! awk 'length($0) > 19' "$T/bars" | grep -q .
  grep -q "mls-parse: [0-9]* line(s) report" "$T/tty.out"
  # Never written after the bar on its line: at the start of a line, or of
  # one the bar was cleared from ("\r" + blanks + "\r").
  ! grep -q $'[^\r\n]mls-parse: ' "$T/tty.out"
  # -q: no progress even on a terminal.
  use_log a.log
  rm -rf "$T/work"/* "$T/state"/*
  as_user script -qec "maillogsentinel --config $T/conf -q" /dev/null >"$T/tty.out"
  [ ! -s "$T/tty.out" ]
}

@test "maillogsentinel: operational log is 0640, timestamped, and has every stage's stderr tagged" {
  use_log a.log
  DRV_LOG_LEVEL=DEBUG drv_config >"$T/conf"
  run drv_run
  assert_success
  log=$T/work/maillogsentinel.log
  [ "$(stat -c %a "$log")" = 640 ]
  # Every line: timestamp, level, tag.
  ! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [a-z-]+: ' "$log"
  grep -qE ' INFO maillogsentinel: extraction started \(pid [0-9]+, config ' "$log"
  grep -qE ' DEBUG maillogsentinel: stage 1: .*/mls-tail --state ' "$log"
  grep -qE " INFO mls-parse: lines=20000 events=$(count events "$SAMPLE_DIR/a.count") " "$log"
  grep -qE " INFO mls-store: appended $(count events "$SAMPLE_DIR/a.count") events to " "$log"
  grep -qE ' INFO maillogsentinel: committed: 20000 new lines read' "$log"
  # Stage warnings (the generated log has SASL backend outages) are logged
  # tagged with the stage, and echoed on the driver's stderr as they were.
  [ "$(count outages "$SAMPLE_DIR/a.count")" -gt 0 ]
  grep -qE ' WARNING mls-parse: .*authentication server' "$log"
  refute_output --partial 'mls-parse: lines=20000'
}

@test "maillogsentinel: a normal run off a terminal prints nothing; counters and one summary in the op log" {
  # A log with nothing unusual: no SASL backend outage, no impossible time.
  grep -v 'Connection lost to authentication server' "$SAMPLE_DIR/a.log" >"$T/log/mail.log"
  give_to_user "$T/log/mail.log"
  lines=$(wc -l <"$T/log/mail.log")
  as_user maillogsentinel --config "$T/conf" >"$T/stdout" 2>"$T/stderr"
  [ ! -s "$T/stdout" ] || { cat "$T/stdout"; false; }
  [ ! -s "$T/stderr" ] || { cat "$T/stderr"; false; }
  log=$T/work/maillogsentinel.log
  grep -qE " INFO mls-parse: lines=$lines events=[0-9]+ outages=0 " "$log"
  grep -qE ' INFO mls-store: appended [0-9]+ events to ' "$log"
  [ "$(grep -c ' maillogsentinel: committed: ' "$log")" = 1 ]
  grep -qE " INFO maillogsentinel: committed: $lines new lines read, [0-9]+ events stored(, [0-9]+ logins stored)?\$" "$log"
  ! grep -qE ' (WARNING|ERROR|CRITICAL) ' "$log"
  # The next run, nothing new: nothing either, one more summary.
  as_user maillogsentinel --config "$T/conf" >"$T/stdout" 2>"$T/stderr"
  [ ! -s "$T/stdout" ] && [ ! -s "$T/stderr" ]
  [ "$(grep -c ' maillogsentinel: committed: ' "$log")" = 2 ]
}

@test "maillogsentinel: off a terminal, SASL backend outages are one warning; per-line notices are INFO" {
  use_log a.log
  [ "$(count outages "$SAMPLE_DIR/a.count")" -gt 0 ]
  as_user maillogsentinel --config "$T/conf" >"$T/stdout" 2>"$T/stderr"
  [ ! -s "$T/stdout" ]
  run cat "$T/stderr"
  assert_output "mls-parse: $(count outages "$SAMPLE_DIR/a.count") line(s) report 'Connection lost to authentication server': the SASL backend was unreachable (not counted as attacks)"
  # Each outage line is named by the log file, its time stamp and its offset
  # there (mls-tail --map-fd to mls-parse --map-fd), not "standard input".
  ! grep -q 'standard input' "$T/work/maillogsentinel.log"
  check_located "$T/work/maillogsentinel.log" "$(count outages "$SAMPLE_DIR/a.count")"
}

# check_located OPLOG N: N "SASL backend outage" notices in OPLOG, each naming a
# file, a time stamp and a byte offset at which that file holds a line with
# that stamp and the outage message.
check_located() {
  python3 - "$1" "$2" <<'PY'
import re, sys
found = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r" INFO mls-parse: (/\S+): (.+?) \(byte (\d+)\): SASL backend outage", line)
    if not m:
        continue
    path, stamp, offset = m.group(1), m.group(2), int(m.group(3))
    with open(path, "rb") as f:
        f.seek(offset)
        text = f.readline().decode("utf-8", "replace")
    if offset > 0:
        with open(path, "rb") as f:
            f.seek(offset - 1)
            assert f.read(1) == b"\n", "offset %d of %s is not a line start" % (offset, path)
    assert text.startswith(stamp), "%s at %d: %r does not start with %r" % (path, offset, text, stamp)
    assert "Connection lost to authentication server" in text, text
    found += 1
assert found == int(sys.argv[2]), "%d located notices, expected %s" % (found, sys.argv[2])
print("ok", found)
PY
}

@test "maillogsentinel: a warning about a line in a rotated file names that file and the offset in it" {
  # Two files: the rotated one (older) and the live one, an outage line in each.
  outage() { printf '%s mx1 postfix/smtpd[7]: warning: unknown[127.0.0.9]: SASL LOGIN authentication failed: Connection lost to authentication server\n' "$1"; }
  {
    printf 'Nov 24 09:00:00 mx1 postfix/smtpd[7]: connect from unknown[127.0.0.9]\n'
    outage 'Nov 24 09:00:01'
  } >"$T/log/mail.log.1"
  touch -d '2026-11-24 10:00' "$T/log/mail.log.1"
  {
    printf 'Nov 25 09:00:00 mx1 postfix/smtpd[7]: connect from unknown[127.0.0.9]\n'
    printf 'Nov 25 09:00:00 mx1 postfix/smtpd[7]: connect from unknown[127.0.0.8]\n'
    outage 'Nov 25 09:00:02'
  } >"$T/log/mail.log"
  give_to_user "$T/log"
  run -0 --separate-stderr drv_run -v
  run check_located "$T/work/maillogsentinel.log" 2
  assert_output "ok 2"
  grep -q " INFO mls-parse: $T/log/mail.log.1: Nov 24 09:00:01 (byte 70): SASL backend outage" "$T/work/maillogsentinel.log"
  grep -q " INFO mls-parse: $T/log/mail.log: Nov 25 09:00:02 (byte 140): SASL backend outage" "$T/work/maillogsentinel.log"
}

@test "maillogsentinel -q: errors only; a real error is still printed" {
  use_log a.log
  run -0 --separate-stderr drv_run -q
  [ -z "$output" ] && [ -z "$stderr" ]
  grep -q ' WARNING mls-parse: .*authentication server' "$T/work/maillogsentinel.log"
  grep -q ' INFO maillogsentinel: committed: 20000 new lines read' "$T/work/maillogsentinel.log"
  # A missing log is an error, -q or not.
  rm "$T/log/mail.log"
  run -1 --separate-stderr drv_run --quiet
  [ -z "$output" ]
  [ "$stderr" = "maillogsentinel: $T/conf:4: mail_log $T/log/mail.log: No such file or directory (nor any rotated file of it)" ] || { echo "$stderr"; false; }
  # A failing stage: what it said is shown with the failure.
  rm -rf "$T/work"/* "$T/state"/*
  use_log b.log
  private_driver
  fake_stage mls-parse 'echo "mls-parse: simulated breakage" >&2; cat >/dev/null; exit 3'
  run -1 --separate-stderr as_user "$T/bin/maillogsentinel" --config "$T/conf" -q
  [ -z "$output" ]
  [ "$stderr" = $'mls-parse: simulated breakage\nmaillogsentinel: stage mls-parse failed (exit status 3)' ] || { echo "$stderr"; false; }
}

@test "maillogsentinel -v: counters and the summary on stderr; -q and -v exclude each other" {
  grep -v 'Connection lost to authentication server' "$SAMPLE_DIR/a.log" >"$T/log/mail.log"
  give_to_user "$T/log/mail.log"
  run -0 --separate-stderr drv_run -v
  [ -z "$output" ]
  [ "${stderr_lines[0]}" = "maillogsentinel: reading $T/log/mail.log" ]
  printf '%s\n' "${stderr_lines[@]}" | grep -qE '^mls-parse: lines=[0-9]+ events=[0-9]+ outages=0 '
  printf '%s\n' "${stderr_lines[@]}" | grep -qE '^mls-enrich: records=[0-9]+ '
  printf '%s\n' "${stderr_lines[@]}" | grep -qE '^mls-store: appended [0-9]+ events to '
  [[ ${stderr_lines[-1]} =~ ^maillogsentinel:\ [0-9]+\ new\ lines\ read,\ [0-9]+\ events\ stored(,\ [0-9]+\ logins\ stored)?$ ]]
  run -2 drv_run -q -v
  assert_line 'maillogsentinel: --quiet and --verbose exclude each other'
  run maillogsentinel --help
  assert_output --partial '--quiet'
  assert_output --partial '--verbose'
}

@test "maillogsentinel: log_level WARNING keeps only warnings and worse" {
  use_log a.log
  DRV_LOG_LEVEL=WARNING drv_config >"$T/conf"
  drv_run >/dev/null 2>&1
  ! grep -qE ' (DEBUG|INFO) ' "$T/work/maillogsentinel.log"
  grep -qE ' WARNING mls-parse: ' "$T/work/maillogsentinel.log"
}

# ---- failing stages --------------------------------------------------------

# A private copy of the driver in $T/bin: stages there are found first.
private_driver() {
  mkdir -p "$T/bin"
  cp "$MLS_BIN/maillogsentinel" "$T/bin/"
  give_to_user "$T/bin"
}
fake_stage() {  # fake_stage NAME SCRIPT
  printf '#!/bin/sh\n%s\n' "$2" >"$T/bin/$1"
  chmod 0755 "$T/bin/$1"
  give_to_user "$T/bin/$1"
}

@test "maillogsentinel: a failing stage is named with its exit status; nothing is committed" {
  use_log a.log
  private_driver
  fake_stage mls-parse 'echo "mls-parse: simulated breakage" >&2; cat >/dev/null; exit 3'
  run as_user "$T/bin/maillogsentinel" --config "$T/conf"
  assert_failure 1
  assert_line 'mls-parse: simulated breakage'
  assert_line 'maillogsentinel: stage mls-parse failed (exit status 3)'
  refute_line --partial 'stage mls-tail failed'
  refute_line --partial 'stage mls-store failed'
  [ ! -e "$T/work/maillogsentinel.csv" ] && [ ! -e "$T/state/state.offset" ]
  [ ! -e "$T/work/maillogsentinel.csv.journal" ] && [ ! -e "$T/state/txn.dataset" ] && [ ! -e "$T/state/state.offset.pending" ]
  grep -q ' WARNING mls-parse: simulated breakage$' "$T/work/maillogsentinel.log"
  grep -q ' ERROR maillogsentinel: stage mls-parse failed (exit status 3)$' "$T/work/maillogsentinel.log"
  # The real stages afterwards: everything is there, once.
  drv_run >/dev/null 2>&1
  cmp "$SAMPLE_DIR/a.csv" "$T/work/maillogsentinel.csv"
}

@test "maillogsentinel: a stage killed by a signal is reported so; upstream SIGPIPE is not blamed" {
  use_log a.log
  drv_run >/dev/null 2>&1
  before=$(drv_snapshot)
  cat "$SAMPLE_DIR/b.log" >>"$T/log/mail.log"
  private_driver
  fake_stage mls-store 'head -c 100 >/dev/null; kill -9 $$'
  run as_user "$T/bin/maillogsentinel" --config "$T/conf"
  assert_failure 1
  assert_output --partial 'maillogsentinel: stage mls-store failed (killed by signal 9)'
  refute_line --partial 'stage mls-parse failed'
  [ "$(drv_snapshot)" = "$before" ]
}

@test "maillogsentinel: a stage that cannot be found is an error naming it" {
  use_log a.log
  private_driver
  run as_user env PATH=/usr/bin:/bin "$T/bin/maillogsentinel" --config "$T/conf"
  assert_failure 1
  assert_output "maillogsentinel: cannot find mls-tail (looked in $T/bin and PATH)"
}

@test "maillogsentinel: stages die with a killed driver, and the lock is theirs meanwhile" {
  [ "$(id -u)" = 0 ] || skip "needs root to start the driver as the test user directly"
  cp "$SAMPLE_DIR/all.log" "$T/log/mail.log"
  for i in 1 2 3 4 5 6 7 8; do cat "$SAMPLE_DIR/all.log"; done >>"$T/log/mail.log"
  give_to_user "$T/log/mail.log"
  private_driver
  # A slow mls-store keeps the pipeline alive long enough to look at it.
  fake_stage mls-store "sleep 0.5; exec $MLS_BIN/mls-store \"\$@\""
  (exec setpriv --reuid="$MLS_TEST_UID" --regid="$MLS_TEST_GID" --clear-groups \
    "$T/bin/maillogsentinel" --config "$T/conf" >/dev/null 2>&1) &
  drv=$!
  for i in $(seq 200); do
    tail=$(pgrep -x -P "$drv" mls-tail) && store=$(pgrep -x -P "$drv" mls-store) && break
    sleep 0.01
  done
  [ -n "$tail" ] && [ -n "$store" ]
  # The lock fd is inherited by the stages.
  ls -l "/proc/$tail/fd" | grep -q " $T/state/lock\$"
  kill -9 "$drv"
  wait "$drv" || true
  for i in $(seq 100); do
    kill -0 "$tail" 2>/dev/null || kill -0 "$store" 2>/dev/null || break
    sleep 0.01
  done
  ! kill -0 "$tail" 2>/dev/null
  ! kill -0 "$store" 2>/dev/null
  # The next run recovers and gets it all, once.
  drv_run --lock-timeout 5 >/dev/null 2>&1
  drv_reference "$T/log/mail.log" "$T/ref.csv"
  cmp "$T/ref.csv" "$T/work/maillogsentinel.csv"
}

# ---- one run at a time ------------------------------------------------------

@test "maillogsentinel: with the lock held elsewhere it waits, then exits 1 changing nothing" {
  first_part_then_more
  before=$(drv_snapshot)
  hold_lock "$T/state/lock"
  start=$(date +%s%N)
  run drv_run --lock-timeout 0.5
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  assert_failure 1
  assert_line "maillogsentinel: another run holds $T/state/lock"
  [ "$elapsed_ms" -ge 450 ]
  [ "$(drv_snapshot)" = "$before" ]
  grep -q " ERROR maillogsentinel: another run holds $T/state/lock\$" "$T/work/maillogsentinel.log"
  # Once it is released, a waiting run goes ahead.
  release_holder
  run drv_run --lock-timeout 5
  assert_success
  expect_a_and_b
}

@test "maillogsentinel: the dataset's lock held by another writer: waits, says so, then exits 1 changing nothing" {
  first_part_then_more
  before=$(drv_snapshot)
  hold_lock "$T/work/maillogsentinel.csv.lock"
  run drv_run --lock-timeout 1.5
  assert_failure 1
  assert_line "maillogsentinel: another writer of $T/work/maillogsentinel.csv holds $T/work/maillogsentinel.csv.lock (waited 1.5 s; see --lock-timeout)"
  [ "$(drv_snapshot)" = "$before" ]
  grep -q " INFO maillogsentinel: waiting for $T/work/maillogsentinel.csv.lock (another writer of the dataset)\$" "$T/work/maillogsentinel.log"
  release_holder
  run drv_run --lock-timeout 5
  assert_success
  expect_a_and_b
}

@test "maillogsentinel: planted symlinks (op log, dataset, its lock) are never written through" {
  use_log a.log
  local f target=$T/elsewhere
  for f in maillogsentinel.log maillogsentinel.csv maillogsentinel.csv.lock; do
    rm -f "$T/work"/*
    as_user ln -s "$target" "$T/work/$f"
    run drv_run
    assert_failure 1
    assert_output --partial "$T/work/$f: is a symbolic link; refusing to "
    [ ! -e "$target" ]
  done
}

@test "maillogsentinel: a dataset emptied by hand is a new dataset (header first, the report reads it)" {
  use_log a.log
  drv_run >/dev/null 2>&1
  : >"$T/work/maillogsentinel.csv"
  cat "$SAMPLE_DIR/b.log" >>"$T/log/mail.log"
  run drv_run
  assert_success
  drv_reference "$SAMPLE_DIR/b.log" "$T/b.csv"
  cmp "$T/b.csv" "$T/work/maillogsentinel.csv"
  run mls-report --csv "$T/work/maillogsentinel.csv" --format json --window 7d \
    --now 2026-01-02T00:00:00
  assert_success
}

@test "maillogsentinel: two simultaneous runs store every event once" {
  use_log all.log
  as_user maillogsentinel --config "$T/conf" >"$T/out1" 2>"$T/err1" &
  p1=$!
  as_user maillogsentinel --config "$T/conf" >"$T/out2" 2>"$T/err2" &
  p2=$!
  wait "$p1"
  wait "$p2"
  cmp "$SAMPLE_DIR/all.csv" "$T/work/maillogsentinel.csv"
  # One of them read everything, the other nothing.
  sed -n 's/^.* INFO maillogsentinel: committed: /maillogsentinel: /p' "$T/work/maillogsentinel.log" >"$T/out1"
  : >"$T/out2"
  cat "$T/out1" "$T/out2" | grep -qx "maillogsentinel: 40000 new lines read, $(count events "$SAMPLE_DIR/all.count") events stored$(logins "$(count logins "$SAMPLE_DIR/all.count")")$(outages "$(count outages "$SAMPLE_DIR/all.count")")"
  cat "$T/out1" "$T/out2" | grep -qx 'maillogsentinel: 0 new lines read, 0 events stored'
}

# ---- rotation ---------------------------------------------------------------

@test "maillogsentinel: rename rotation with unread lines: every event exactly once" {
  use_log a.log
  run drv_run
  assert_success
  # More lines arrive, then logrotate renames the log before the next run.
  cat "$SAMPLE_DIR/b.log" >>"$T/log/mail.log"
  mv "$T/log/mail.log" "$T/log/mail.log.1"
  cp "$SAMPLE_DIR/c.log" "$T/log/mail.log"
  give_to_user "$T/log"
  run drv_run -v
  assert_success
  assert_line "maillogsentinel: 20000 new lines read, $(($(count events "$SAMPLE_DIR/all.count") - $(count events "$SAMPLE_DIR/a.count"))) events stored$(logins $(($(count logins "$SAMPLE_DIR/all.count") - $(count logins "$SAMPLE_DIR/a.count"))))$(outages $(($(count outages "$SAMPLE_DIR/all.count") - $(count outages "$SAMPLE_DIR/a.count"))))"
  cmp "$SAMPLE_DIR/all.csv" "$T/work/maillogsentinel.csv"
  [ "$(drv_rows "$T/work/maillogsentinel.csv")" -eq "$(count events "$SAMPLE_DIR/all.count")" ]
  # A second rotation with nothing unread: nothing new, nothing twice.
  mv "$T/log/mail.log.1" "$T/log/mail.log.2"
  mv "$T/log/mail.log" "$T/log/mail.log.1"
  : >"$T/log/mail.log"
  give_to_user "$T/log"
  run drv_run -v
  assert_success
  assert_line 'maillogsentinel: 0 new lines read, 0 events stored'
  cmp "$SAMPLE_DIR/all.csv" "$T/work/maillogsentinel.csv"
}

# ---- --report ------------------------------------------------------------------

# report_setup [SENDMAIL BODY]: a [report] section for root@localhost whose
# sendmail is $T/sendmail, a shell script (default: keep the message).
report_setup() {
  printf '#!/bin/sh\n%s\n' "${1:-cat >"\$(dirname "\$0")/msg.eml"}" >"$T/sendmail"
  chmod 0755 "$T/sendmail"
  printf '\n[report]\nemail = root@localhost\nwindow = 24h\nsendmail = %s/sendmail\n' "$T" >>"$T/conf"
  # A dataset: 3 rows of the last 24 hours.
  python3 -c '
import datetime
now = datetime.datetime.now().astimezone().replace(microsecond=0)
for k in range(1, 4):
    t = (now - datetime.timedelta(minutes=k)).isoformat()
    print("\t".join([t, "mx1", "127.0.0.%d" % k, "user%d" % k, "PLAIN", "unknown", "",
                     "postfix/smtpd", "x", "", "NXDOMAIN", "", "", ""]))' |
    mls-store --csv "$T/work/maillogsentinel.csv" 2>/dev/null
  give_to_user "$T"
}

@test "maillogsentinel --report: mls-report --send; its summary in the op log (on stderr with -v)" {
  report_setup
  run -0 --separate-stderr drv_run --report
  [ -z "$output" ] && [ -z "$stderr" ]
  run -0 --separate-stderr drv_run --report -v
  [ -z "$output" ]
  [ "$stderr" = "mls-report: report for root@localhost handed to $T/sendmail (3 rows attached)" ] ||
    { echo "$stderr"; false; }
  # From maillogsentinel@FQDN, or none (sendmail's) on a host without a domain.
  if [[ $(hostname -f 2>/dev/null || hostname) == *.* ]]; then
    grep -q '^From: maillogsentinel@' "$T/msg.eml"
  else
    ! grep -q '^From:' "$T/msg.eml"
  fi
  grep -q '^Content-Type: multipart/mixed;$' "$T/msg.eml"
  grep -q ' INFO maillogsentinel: report started (pid [0-9]*, config '"$T"'/conf)$' "$T/work/maillogsentinel.log"
  grep -q " INFO mls-report: report for root@localhost handed to $T/sendmail (" "$T/work/maillogsentinel.log"
  run maillogsentinel --help
  assert_output --partial '--report'
}

@test "maillogsentinel --report: a failed hand-off is exit 1, named on stderr and in the op log" {
  report_setup 'cat >/dev/null; exit 75'
  run -1 drv_run --report
  assert_line "mls-report: report not sent: $T/sendmail -t -oi failed: exit status 75 (temporary failure)"
  assert_line 'maillogsentinel: report failed (mls-report exit status 1)'
  refute_output --partial 'handed to'
  grep -q " ERROR mls-report: report not sent: $T/sendmail -t -oi failed: exit status 75 (temporary failure)$" "$T/work/maillogsentinel.log"
  grep -q ' ERROR maillogsentinel: report failed (mls-report exit status 1)$' "$T/work/maillogsentinel.log"
}

@test "maillogsentinel --report: sent with unreadable rows is exit 0, the rows a WARNING" {
  report_setup
  printf 'not;a;row\n' >>"$T/work/maillogsentinel.csv"
  run -0 drv_run --report
  assert_line "mls-report: $T/work/maillogsentinel.csv: 1 unreadable row left out of the report"
  refute_output --partial 'handed to'
  grep -q ' INFO mls-report: report for root@localhost handed to' "$T/work/maillogsentinel.log"
  refute_output --partial 'report failed'
  grep -q " WARNING mls-report: $T/work/maillogsentinel.csv: 1 unreadable row left out of the report$" "$T/work/maillogsentinel.log"
  ! grep -q 'ERROR' "$T/work/maillogsentinel.log"
  # The report in the mail says so too.
  python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get_body(("plain",)).get_content())' "$T/msg.eml" | grep -q '1 dataset row could not be read'
}

@test "maillogsentinel --report: sendmail's stderr is labelled in the op log" {
  report_setup 'cat >/dev/null; echo "postdrop: warning: mail_queue_enter: create file maildrop/x" >&2'
  run -0 drv_run --report
  assert_line 'mls-report: sendmail: postdrop: warning: mail_queue_enter: create file maildrop/x'
  grep -q ' WARNING mls-report: sendmail: postdrop: warning: mail_queue_enter: create file maildrop/x$' "$T/work/maillogsentinel.log"
}

@test "maillogsentinel --report --window NAME: passed to mls-report; only with --report" {
  report_setup
  run -0 --separate-stderr drv_run --report --window yesterday
  subject() {
    python3 -c 'import email, email.policy, sys
print(email.message_from_binary_file(sys.stdin.buffer, policy=email.policy.default)["Subject"])'
  }
  [[ $(subject <"$T/msg.eml") == *" SASL failure"*" yesterday ("*")" ]]
  run -0 --separate-stderr maillogsentinel --config "$T/conf" --report --window 7d --dry-run
  [[ $(subject <<<"$output") == *": 3 SASL failures in the last 7 days (to "* ]]
  run -2 maillogsentinel --config "$T/conf" --window today
  assert_output $'maillogsentinel: --window needs --report\nmaillogsentinel: Try \'maillogsentinel --help\'.'
  run -2 maillogsentinel --config "$T/conf" --report --window week
  assert_line "maillogsentinel: --window: expected today, yesterday or a time span (24h, 7d, 10m, 36h), got 'week'"
  run maillogsentinel --help
  assert_output --partial '--report [--config FILE] [--window NAME]'
  assert_output --partial '[--dry-run | --preview]'
}

@test "maillogsentinel --report --preview: the readable preview, nothing sent; only with --report" {
  report_setup 'touch "$(dirname "$0")/ran"'
  run -0 --separate-stderr maillogsentinel --config "$T/conf" --report --preview
  [ -z "$stderr" ]
  [ ! -e "$T/ran" ]
  assert_line 'To: root@localhost'
  assert_line --regexp '^Subject: \[maillogsentinel\] .*: 3 SASL failures in the last 24 hours \(to '
  assert_line --regexp '^  Failed logins +3 '
  assert_line --regexp '^-- attachment maillogsentinel-.*\.csv: 3 rows, [0-9]+ bytes$'
  run -2 maillogsentinel --config "$T/conf" --preview
  assert_output $'maillogsentinel: --preview needs --report\nmaillogsentinel: Try \'maillogsentinel --help\'.'
}

@test "maillogsentinel --report: no recipient exits 1, a bad address 2 (mls-report's status)" {
  report_setup
  sed -i '/^email = /d' "$T/conf"
  run -1 drv_run --report
  # The driver has no --to: its message offers none.
  assert_output "maillogsentinel: no recipient: set [report] email in $T/conf"
  printf 'email = root at localhost\n' >>"$T/conf"
  run -2 drv_run --report
  assert_line "mls-report: $T/conf: [report] email: bad address 'root at localhost': space outside quotes"
  assert_line 'maillogsentinel: report failed (mls-report exit status 2)'
  [ ! -e "$T/msg.eml" ]
}

@test "maillogsentinel --report --dry-run prints the message, sends and logs nothing (root too)" {
  report_setup 'touch "$(dirname "$0")/ran"'
  rm -f "$T/work/maillogsentinel.log"
  run -0 --separate-stderr maillogsentinel --config "$T/conf" --report --dry-run
  [[ ${lines[0]} == "From: maillogsentinel@"* || ${lines[0]} == "To: root@localhost" ]]
  assert_line 'To: root@localhost'
  assert_line 'MIME-Version: 1.0'
  [ ! -e "$T/ran" ] && [ ! -e "$T/work/maillogsentinel.log" ]
  # Read by `| head`: a closed pipe is not a failure, and nothing is said.
  run --separate-stderr bash -c 'set -o pipefail; maillogsentinel --config "$1" --report --dry-run | head -n 1' _ "$T/conf"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "${#lines[@]}" -eq 1 ]
}

@test "maillogsentinel --report: refuses root (the op log belongs to the service user)" {
  [ "$(id -u)" = 0 ] || skip "needs root"
  report_setup 'touch "$(dirname "$0")/ran"'
  rm -f "$T/work/maillogsentinel.log"
  run -1 maillogsentinel --config "$T/conf" --report
  assert_output 'maillogsentinel: refusing to run the report as root; run it as the service user (or mls-report --send directly)'
  [ ! -e "$T/ran" ] && [ ! -e "$T/work/maillogsentinel.log" ]
}

@test "maillogsentinel --report: usage, and mls-report missing" {
  run -2 maillogsentinel --report --lock-timeout 5
  assert_line 'maillogsentinel: --lock-timeout does not apply to --report'
  # A driver alone in its directory, with a PATH that has no mls-report.
  mkdir "$T/lonely"
  cp "$MLS_BIN/maillogsentinel" "$T/lonely/"
  report_setup
  run -1 as_user env PATH=/usr/bin:/bin "$T/lonely/maillogsentinel" --config "$T/conf" --report
  assert_output "maillogsentinel: cannot find mls-report (looked in $T/lonely and PATH)"
}

# ---- --sql-export / --sql-import ---------------------------------------------

@test "maillogsentinel --sql-export then --sql-import: the dataset in SQLite, one summary each in the op log" {
  command -v sqlite3 >/dev/null || skip_unless_available "sqlite3 is not installed (scripts/install-deps)"
  use_log a.log
  printf '\n[database]\nsql_export_dir = %s/work/sql\n' "$T" >>"$T/conf"
  drv_run
  rows=$(($(wc -l <"$T/work/maillogsentinel.csv") - 1))
  [ "$rows" -gt 0 ]
  # Off a terminal: nothing on stdout or stderr; the summaries go to the op log.
  run -0 --separate-stderr drv_run --sql-export
  [ -z "$output" ] && [ -z "$stderr" ]
  [ "$(ls "$T/work/sql"/*.sql | wc -l)" = 1 ]
  grep -q " INFO mls-sql: exported $rows rows in 1 file\$" "$T/work/maillogsentinel.log"
  grep -q " INFO maillogsentinel: SQL export started (pid " "$T/work/maillogsentinel.log"
  run -0 --separate-stderr drv_run --sql-import -v
  [ -z "$output" ]
  [ "$stderr" = "mls-sql: imported 1 file ($rows new rows), 0 already imported, 0 failed" ]
  grep -q " INFO mls-sql: imported 1 file ($rows new rows), 0 already imported, 0 failed\$" "$T/work/maillogsentinel.log"
  [ "$(sqlite3 "$T/work/maillogsentinel.sqlite" 'SELECT count(*) FROM maillogsentinel_events')" = "$rows" ]
  # Nothing new: no file, nothing imported, still exit 0.
  run -0 drv_run --sql-export
  grep -q " INFO mls-sql: exported 0 rows in 0 files\$" "$T/work/maillogsentinel.log"
  run -0 drv_run --sql-import
  grep -q " INFO mls-sql: imported 0 files (0 new rows), 0 already imported, 0 failed\$" "$T/work/maillogsentinel.log"
  ! grep -qE ' (WARNING|ERROR) (mls-sql|maillogsentinel): ' "$T/work/maillogsentinel.log"
}

@test "maillogsentinel --sql-import: a failed import is exit 1, named on stderr and in the op log" {
  command -v sqlite3 >/dev/null || skip_unless_available "sqlite3 is not installed (scripts/install-deps)"
  use_log a.log
  printf '\n[database]\nsql_export_dir = %s/work/sql\n' "$T" >>"$T/conf"
  drv_run
  drv_run --sql-export
  f=$(ls "$T/work/sql"/*.sql)
  sed -i '$s/COMMIT/COMMIT -- tampered/' "$f"
  run -1 --separate-stderr drv_run --sql-import
  [[ $stderr == *"mls-sql: $f: line "*"(changed or truncated)"* ]]
  [[ $stderr == *"maillogsentinel: SQL import failed (mls-sql exit status 1)"* ]]
  grep -q " WARNING mls-sql: $f: line " "$T/work/maillogsentinel.log"
  grep -q " ERROR maillogsentinel: SQL import failed (mls-sql exit status 1)" "$T/work/maillogsentinel.log"
  [ -f "$f" ]  # left for a later retry
}

@test "maillogsentinel --sql-export/--sql-import: usage, dry run, root refused" {
  run -2 maillogsentinel --config "$T/conf" --sql-export --sql-import
  assert_output $'maillogsentinel: --report, --sql-export, --sql-import, --reset, --purge and --setup exclude each other\nmaillogsentinel: Try \'maillogsentinel --help\'.'
  run -2 maillogsentinel --config "$T/conf" --sql-export --from-now
  assert_line "maillogsentinel: --from-now does not apply to --sql-export/--sql-import"
  run -2 maillogsentinel --config "$T/conf" --sql-import --window today
  assert_line "maillogsentinel: --window needs --report"
  run -0 maillogsentinel --config "$T/conf" --sql-export --lock-timeout 2.5 --dry-run
  assert_output "$MLS_BIN/mls-sql --config $T/conf --export --stats --lock-timeout 2.5"
  if [ "$(id -u)" = 0 ]; then
    run -1 maillogsentinel --config "$T/conf" --sql-import
    assert_output "maillogsentinel: refusing to run the SQL import as root; run it as the service user (or mls-sql directly)"
  fi
}

@test "maillogsentinel --from-now: the first run stores no history; later lines are stored once" {
  use_log a.log
  run -0 drv_run --dry-run --from-now
  assert_output --partial " --progress-fd 3 --map-fd 4 --from-end $T/log/mail.log "
  run -0 drv_run --from-now
  [ "$(drv_rows "$T/work/maillogsentinel.csv")" = 0 ]
  [ -s "$T/state/state.offset" ]
  cat "$SAMPLE_DIR/b.log" >>"$T/log/mail.log"
  run -0 drv_run
  drv_reference "$SAMPLE_DIR/b.log" "$T/b.csv"
  cmp "$T/b.csv" "$T/work/maillogsentinel.csv"
  # With a committed position the option changes nothing.
  cat "$SAMPLE_DIR/c.log" >>"$T/log/mail.log"
  run -0 drv_run --from-now
  drv_reference <(cat "$SAMPLE_DIR/b.log" "$SAMPLE_DIR/c.log") "$T/bc.csv"
  cmp "$T/bc.csv" "$T/work/maillogsentinel.csv"
  run -2 drv_run --report --from-now
  assert_line 'maillogsentinel: --from-now does not apply to --report'
}
