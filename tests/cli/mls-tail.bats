#!/usr/bin/env bats
# mls-tail: incremental reading of a log across runs and rotations. Every test
# numbers its log lines and checks that the concatenated output of all runs is
# exactly the numbered sequence: nothing lost, nothing repeated, in order.

load test_helper

setup() {
  mls_scratch
  LOG="$T/mail.log"
  ST="$T/state"
}
teardown() {
  if [ -n "${FOLLOW_PID:-}" ]; then kill "$FOLLOW_PID" 2>/dev/null || true; fi
  mls_scratch_cleanup
}

# gen FROM TO: log lines numbered FROM..TO (distinct, so fingerprints differ)
gen() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    for (i = a; i <= b; i++)
      printf "Nov  5 10:%02d:%02d mx postfix/smtpd[%d]: line %d\n", int(i / 60) % 60, i % 60, 1000 + i, i
  }'
}
# run_tail [ARGS]: one committed run, output appended to $T/out; must succeed
run_tail() { mls-tail --state "$ST" "$@" "$LOG" >>"$T/out"; }
# expect FROM TO: the runs so far printed exactly lines FROM..TO
expect() { diff -u <(gen "$1" "$2") "$T/out"; }

@test "mls-tail: first run prints all history oldest first, in numeric order" {
  local n
  for n in 10 9 3 2; do gen $((100 - n * 5)) $((104 - n * 5)) | gzip >"$LOG.$n.gz"; done
  gen 95 99 >"$LOG.1"
  gen 100 102 >"$LOG"
  echo junk >"$LOG.swp"; echo junk >"$LOG~"; echo junk >"$LOG.bak"; echo junk >"$T/.mail.log.swp"
  run_tail
  diff -u <(gen 50 54; gen 55 59; gen 85 89; gen 90 94; gen 95 102) "$T/out"
  head -1 "$ST" | grep -qx 'mls-tail-state 2'
  run_tail
  diff -u <(gen 50 54; gen 55 59; gen 85 89; gen 90 94; gen 95 102) "$T/out"
}

@test "mls-tail: without --state prints all history and commits nothing" {
  gen 1 3 >"$LOG.1"
  gen 4 5 >"$LOG"
  mls-tail "$LOG" >"$T/out"
  expect 1 5
  [ "$(ls "$T")" = "$(printf 'mail.log\nmail.log.1\nout')" ]
}

@test "mls-tail: resumes after the last committed line" {
  gen 1 10 >"$LOG"
  run_tail
  gen 11 15 >>"$LOG"
  run_tail
  run_tail
  expect 1 15
}

@test "mls-tail: an incomplete last line is held back until completed" {
  gen 1 3 >"$LOG"
  printf 'Nov  5 10:00:04 mx postfix/smtpd[1004]: li' >>"$LOG"
  run_tail
  expect 1 3
  printf 'ne 4\n' >>"$LOG"
  gen 5 5 >>"$LOG"
  run_tail
  diff -u <(gen 1 3; printf 'Nov  5 10:00:04 mx postfix/smtpd[1004]: line 4\n'; gen 5 5) "$T/out"
}

@test "mls-tail: rename rotation with unread lines in the old file" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 9 >>"$LOG"
  mv "$LOG" "$LOG.1"
  gen 10 12 >"$LOG"
  run_tail
  expect 1 12
  gen 13 14 >>"$LOG"
  run_tail
  expect 1 14
}

@test "mls-tail: rename + gzip without delaycompress" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 9 >>"$LOG"
  mv "$LOG" "$LOG.1" && gzip "$LOG.1"
  gen 10 12 >"$LOG"
  run_tail
  expect 1 12
}

@test "mls-tail: rename + gzip with delaycompress, one rotation per run" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 7 >>"$LOG"
  mv "$LOG" "$LOG.1"
  gen 8 9 >"$LOG"
  run_tail
  gen 10 11 >>"$LOG"
  mv "$LOG.1" "$LOG.2" && gzip "$LOG.2"
  mv "$LOG" "$LOG.1"
  gen 12 13 >"$LOG"
  run_tail
  expect 1 13
}

@test "mls-tail: two rotations between runs (.2.gz, an unseen .1, the current)" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 7 >>"$LOG"
  mv "$LOG" "$LOG.1"
  gen 8 10 >"$LOG"
  mv "$LOG.1" "$LOG.2" && gzip "$LOG.2"
  mv "$LOG" "$LOG.1"
  gen 11 12 >"$LOG"
  run_tail
  expect 1 12
}

@test "mls-tail: copytruncate with unread lines in the copy" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 8 >>"$LOG"
  cp "$LOG" "$LOG.1" && : >"$LOG"
  gen 9 10 >>"$LOG"
  run_tail
  expect 1 10
}

@test "mls-tail: copytruncate, the log regrew past the old offset, copy compressed" {
  gen 1 3 >"$LOG"
  run_tail
  gen 4 5 >>"$LOG"
  cp "$LOG" "$LOG.1" && : >"$LOG" && gzip "$LOG.1"
  gen 6 40 >>"$LOG"
  run_tail
  expect 1 40
}

@test "mls-tail: empty new file after rotation, then a rotation compressed at once" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 7 >>"$LOG"
  mv "$LOG" "$LOG.1" && : >"$LOG"
  run_tail
  expect 1 7
  gen 8 9 >>"$LOG"
  mv "$LOG.1" "$LOG.2" && gzip "$LOG.2" && mv "$LOG" "$LOG.1" && gzip "$LOG.1"
  gen 10 11 >"$LOG"
  run_tail
  expect 1 11
}

@test "mls-tail: a rotated file's unterminated last line is printed with a newline" {
  gen 1 2 >"$LOG"
  run_tail
  printf 'Nov  5 10:00:03 mx postfix/smtpd[1003]: line 3' >>"$LOG"
  mv "$LOG" "$LOG.1"
  gen 4 4 >"$LOG"
  run_tail
  expect 1 4
}

@test "mls-tail: the position's file rotated away: warning, LOGFILE from the start" {
  gen 1 5 >"$LOG"
  run_tail
  mv "$LOG" "$T/elsewhere"
  gen 6 8 >"$LOG"
  run mls-tail --state "$ST" "$LOG"
  assert_success
  assert_line --index 0 "mls-tail: $LOG: the file of the saved position is gone (rotated away or deleted); the lines after its offset $(gen 1 5 | wc -c) are lost; reading $LOG from the start"
  mls-tail --state "$ST" "$LOG" >>"$T/out"  # nothing new: no repeat
  diff -u <(gen 1 5) "$T/out"
}

@test "mls-tail: the older tool's integer state is a starting offset" {
  gen 1 10 >"$LOG"
  gen 1 4 | wc -c >"$ST"
  run_tail
  expect 5 10
  head -1 "$ST" | grep -qx 'mls-tail-state 2'
  gen 11 11 >>"$LOG"
  run_tail
  expect 5 11
}

@test "mls-tail: an integer state beyond the end of the log starts at 0 with a warning" {
  gen 1 3 >"$LOG"
  echo 999999 >"$ST"
  run mls-tail --state "$ST" "$LOG"
  assert_success
  assert_line --index 0 "mls-tail: $LOG: shorter than the saved offset 999999; reading from the start"
  [ "${#lines[@]}" = 4 ]
}

@test "mls-tail: a corrupt state file: message with file and line, exit 1, nothing printed" {
  gen 1 3 >"$LOG"
  printf 'mls-tail-state 1\ndevice 1\ninode x\n' >"$ST"
  cp "$ST" "$T/before"
  run mls-tail --state "$ST" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $ST:3: bad inode 'x'"
  cmp "$ST" "$T/before"
  echo garbage >"$ST"
  run mls-tail --state "$ST" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $ST:1: not an mls-tail state file (expected 'mls-tail-state 2')"
}

@test "mls-tail: an unreadable log: Permission denied, exit 1, nothing committed" {
  gen 1 3 >"$LOG"
  chmod 000 "$LOG"
  run as_user mls-tail --state "$ST" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $LOG: Permission denied"
  [ ! -e "$ST" ]
}

@test "mls-tail: a missing log without siblings is an error" {
  run mls-tail --state "$ST" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $LOG: No such file or directory"
  [ ! -e "$ST" ]
}

@test "mls-tail: a missing state directory is an error" {
  gen 1 3 >"$LOG"
  run mls-tail --state "$T/nope/state" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $T/nope: No such file or directory"
  run mls-tail --state "$ST" --pending "$T/nope/pending" "$LOG"
  assert_failure 1
  assert_output "mls-tail: $T/nope: No such file or directory"
}

@test "mls-tail: --pending gets the new position, --state stays untouched" {
  gen 1 5 >"$LOG"
  run_tail
  cp "$ST" "$T/before"
  gen 6 8 >>"$LOG"
  mls-tail --state "$ST" --pending "$T/pending" "$LOG" >>"$T/out"
  cmp "$ST" "$T/before"
  ! cmp -s "$T/pending" "$ST"
  # the driver did not commit: the same lines again
  mls-tail --state "$ST" --pending "$T/pending" "$LOG" >"$T/again"
  diff -u <(gen 6 8) "$T/again"
  # the driver committed: nothing again
  mv "$T/pending" "$ST"
  mls-tail --state "$ST" --pending "$T/pending" "$LOG" >>"$T/out"
  expect 1 8
  cmp "$T/pending" "$ST"
}

@test "mls-tail: dateext siblings are read in date order, before numbered ones" {
  gen 1 2 | gzip >"$LOG-20240101.gz"
  gen 3 4 >"$LOG-20240102"
  gen 5 6 >"$LOG"
  run_tail
  expect 1 6
}

@test "mls-tail: a truncated .gz sibling is read as far as possible, with a warning" {
  gen 1 20000 | gzip >"$T/full.gz"
  head -c 2000 "$T/full.gz" >"$LOG.2.gz"
  gen 20001 20002 >"$LOG.1"
  gen 20003 20003 >"$LOG"
  mls-tail --state "$ST" "$LOG" >"$T/out" 2>"$T/err"
  grep -qx "mls-tail: $LOG.2.gz: gzip: unexpected end of file; the rest of this file is skipped" "$T/err"
  tail -3 "$T/out" | diff -u <(gen 20001 20003) -
  [ "$(head -1 "$T/out")" = "$(gen 1 1)" ]
}

@test "mls-tail: --progress-fd reports bytes over all files, once at the end" {
  gen 1 1000 | gzip >"$LOG.1.gz"
  gen 1001 2000 >"$LOG"
  mls-tail --progress-fd 3 "$LOG" 3>"$T/progress" >"$T/out"
  expect 1 2000
  total=$(($(stat -c %s "$LOG.1.gz") + $(stat -c %s "$LOG")))
  tail -1 "$T/progress" | grep -qx "progress $total $total"
  ! grep -v '^progress [0-9]* [0-9]*$' "$T/progress"
}

@test "mls-tail: --map-fd says which file and offset each run of output bytes comes from" {
  gen 1 1000 | gzip >"$LOG.2.gz"
  gen 1001 2000 >"$LOG.1"
  gen 2001 2500 >"$LOG"
  touch -d '2 days ago' "$LOG.2.gz"
  touch -d '1 day ago' "$LOG.1"
  mls-tail --state "$ST" --map-fd 4 "$LOG" 4>"$T/map" >"$T/out"
  expect 1 2500
  a=$(gen 1 1000 | wc -c)
  b=$(gen 1001 2000 | wc -c)
  printf '0\t0\t%s\n%s\t0\t%s\n%s\t0\t%s\n' "$LOG.2.gz" "$a" "$LOG.1" "$((a + b))" "$LOG" |
    diff -u - "$T/map"
  # The next run starts in the middle of LOGFILE: its offset there.
  before=$(stat -c %s "$LOG")
  gen 2501 2600 >>"$LOG"
  mls-tail --state "$ST" --map-fd 4 "$LOG" 4>"$T/map" >"$T/out2"
  diff -u <(gen 2501 2600) "$T/out2"
  printf '0\t%s\t%s\n' "$before" "$LOG" | diff -u - "$T/map"
  # Every record's offset is the start of the bytes it names: checked byte for byte.
  cmp <(tail -c +$((before + 1)) "$LOG") "$T/out2"
}

@test "mls-tail --map-fd | mls-parse --map-fd: warnings name the log file and the offset in it" {
  outage() { printf '%s mx postfix/smtpd[7]: warning: unknown[127.0.0.9]: SASL LOGIN authentication failed: Connection lost to authentication server\n' "$1"; }
  { gen 1 3; outage 'Nov  5 11:00:00'; } >"$LOG.1"
  { gen 4 5; outage 'Nov  5 12:00:00'; } >"$LOG"
  touch -d '1 day ago' "$LOG.1"
  mkfifo "$T/map"
  mls-tail --map-fd 4 "$LOG" 4>"$T/map" | mls-parse --map-fd 4 4<"$T/map" 2>"$T/err" >/dev/null
  grep -qxF "mls-parse: $LOG.1: Nov  5 11:00:00 (byte $(gen 1 3 | wc -c)): SASL backend outage (Connection lost to authentication server), not an event" "$T/err"
  grep -qxF "mls-parse: $LOG: Nov  5 12:00:00 (byte $(gen 4 5 | wc -c)): SASL backend outage (Connection lost to authentication server), not an event" "$T/err"
  # Without the map: the input's line number and offset, as before.
  mls-tail "$LOG" | mls-parse 2>"$T/err" >/dev/null
  grep -qF "mls-parse: standard input: Nov  5 12:00:00 (line 7, byte" "$T/err"
}

@test "mls-tail: an output error exits 1 without committing" {
  gen 1 30000 >"$LOG"
  run bash -c 'mls-tail --state "$1" "$2" >&-' _ "$ST" "$LOG"
  assert_failure 1
  assert_output --partial "mls-tail: standard output: Bad file descriptor"
  [ ! -e "$ST" ]
  run bash -c 'set -o pipefail; trap "" PIPE; mls-tail --state "$1" "$2" | true' _ "$ST" "$LOG"
  assert_failure 1
  assert_output --partial "mls-tail: standard output: Broken pipe"
  [ ! -e "$ST" ]
}

@test "mls-tail: a large log streams in constant memory" {
  gen 1 200000 >"$LOG"
  for i in 1 2 3 4 5; do cat "$LOG"; done >"$LOG.1"
  /usr/bin/time -f '%M' -o "$T/rss" mls-tail "$LOG" | wc -l >"$T/count"
  [ "$(cat "$T/count")" = 1200000 ]
  if ! ldd "$(command -v mls-tail)" | grep -q libasan; then  # ASan's shadow memory
    [ "$(tail -1 "$T/rss")" -lt 20000 ]  # KiB, for 60 MB of input
  fi
}

@test "mls-tail: --help, --version and usage errors" {
  run mls-tail --help
  assert_success
  assert_output --partial "--progress-fd"
  run mls-tail --version
  assert_success
  run mls-tail
  assert_failure 2
  run mls-tail --bogus "$LOG"
  assert_failure 2
  run mls-tail --progress-fd 57 "$LOG" 57<&-
  assert_failure 2
  assert_line --index 0 "mls-tail: --progress-fd 57: not an open descriptor"
  run mls-tail --map-fd 57 "$LOG" 57<&-
  assert_failure 2
  assert_line --index 0 "mls-tail: --map-fd 57: not an open descriptor"
}

# ---- rotation suite: issue 8 ---------------------------------------------------

# wait_for CMD...: until CMD succeeds (10 s deadline)
wait_for() {
  local i
  for ((i = 0; i < 200; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  echo "timed out waiting for: $*" >&2
  return 1
}

@test "mls-tail: postfix logrotate (LOGFILE.YYYYMMDD-HHMMSS, then gzip) loses nothing" {
  LOG="$T/postfix.log"
  gen 1 5 >"$LOG"
  run_tail
  gen 6 9 >>"$LOG"
  mv "$LOG" "$LOG.20261205-085712"
  gen 10 12 >"$LOG"
  run_tail
  expect 1 12
  gen 13 14 >>"$LOG"
  mv "$LOG" "$LOG.20261206-085712" && gzip "$LOG.20261206-085712"
  gen 15 16 >"$LOG"
  run_tail
  expect 1 16
  gzip "$LOG.20261205-085712"
  mls-tail "$LOG" >"$T/all"  # a first run: the whole history, oldest first
  diff -u <(gen 1 16) "$T/all"
}

@test "mls-tail: switching logrotate from numbered names to dateext does not re-read LOGFILE.1" {
  gen 1 3 >"$LOG.1"
  touch -d '2 days ago' "$LOG.1"
  gen 4 6 >"$LOG"
  run_tail
  gen 7 8 >>"$LOG"
  mv "$LOG" "$LOG-20261205"
  gen 9 10 >"$LOG"
  run_tail
  expect 1 10
  gen 11 11 >>"$LOG"
  mv "$LOG" "$LOG-20261206" && gzip "$LOG-20261205"
  gen 12 12 >"$LOG"
  run_tail
  expect 1 12
  mls-tail "$LOG" >"$T/all"
  diff -u <(gen 1 12) "$T/all"
}

@test "mls-tail: a position saved on an empty log finds its lines after copytruncate" {
  : >"$LOG"
  run_tail
  grep -qx 'fingerprint 0 cbf29ce484222325' "$ST"
  gen 1 3 >>"$LOG"
  cp "$LOG" "$LOG.1" && : >"$LOG"
  gen 4 5 >>"$LOG"
  run_tail
  expect 1 5
}

@test "mls-tail: a position saved on an empty log finds its lines renamed and compressed at once" {
  : >"$LOG"
  run_tail
  gen 1 3 >>"$LOG"
  mv "$LOG" "$LOG.1" && gzip "$LOG.1"
  gen 4 5 >"$LOG"
  run_tail
  expect 1 5
  gen 6 6 >>"$LOG"
  run_tail
  expect 1 6
}

@test "mls-tail: the position's file deleted by rotation: loss warned, the newer .1 still read" {
  gen 1 2 | gzip >"$LOG.9.gz"
  touch -d '3 days ago' "$LOG.9.gz"  # older history, never rotated again
  gen 3 5 >"$LOG"
  run_tail
  expect 1 5
  gen 90 91 >>"$LOG"  # never read: rotated away twice (rotate 1)
  mv "$LOG" "$LOG.1" && gen 6 7 >"$LOG"
  rm "$LOG.1" && mv "$LOG" "$LOG.1" && gen 8 9 >"$LOG"  # may reuse the inode
  mls-tail --state "$ST" "$LOG" >>"$T/out" 2>"$T/err"
  expect 1 9
  diff -u - "$T/err" <<EOF
mls-tail: $LOG: the file of the saved position is gone (rotated away or deleted); the lines after its offset $(gen 3 5 | wc -c) are lost; reading 1 rotated file(s) and $LOG from the start; 1 older rotated file(s) not read again
EOF
  run_tail
  expect 1 9
}

@test "mls-tail: a symlinked LOGFILE: rotated files are looked for next to its target" {
  mkdir "$T/real"
  local R="$T/real/mail.log"
  ln -s real/mail.log "$LOG"
  gen 1 5 >"$R"
  run_tail
  gen 6 8 >>"$R"
  mv "$R" "$R.1" && gen 9 10 >"$R"
  run_tail
  expect 1 10
  gen 11 11 >>"$R"
  mv "$R.1" "$R.2" && gzip "$R.2" && mv "$R" "$R.1" && gen 12 12 >"$R"
  run_tail
  expect 1 12
  grep -qx "log $R" "$ST"
  mls-tail "$LOG" >"$T/all"
  diff -u <(gen 1 12) "$T/all"
}

@test "mls-tail: --rotated-dir finds the files logrotate's olddir moved away" {
  mkdir "$T/old"
  local O="$T/old/mail.log"
  gen 1 5 >"$LOG"
  run_tail --rotated-dir "$T/old"
  gen 6 8 >>"$LOG"
  mv "$LOG" "$O.1" && gen 9 10 >"$LOG"
  run_tail --rotated-dir "$T/old"
  expect 1 10
  gen 11 11 >>"$LOG"
  mv "$O.1" "$O.2" && gzip "$O.2" && mv "$LOG" "$O.1" && gen 12 12 >"$LOG"
  run_tail --rotated-dir "$T/old"
  expect 1 12
  mls-tail --rotated-dir "$T/old" "$LOG" >"$T/all"
  diff -u <(gen 1 12) "$T/all"
}

@test "mls-tail: a .gz read to its end is not decompressed again while the log stays empty" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 9 >>"$LOG"
  mv "$LOG" "$LOG.1" && gzip "$LOG.1" && : >"$LOG"
  run_tail
  expect 1 9
  grep -qx 'complete yes' "$ST"
  mls-tail --state "$ST" --progress-fd 3 "$LOG" 3>"$T/progress" >>"$T/out"
  expect 1 9
  [ "$(cat "$T/progress")" = "progress 0 0" ]  # not one byte of the .gz read
  gen 10 10 >>"$LOG"
  run_tail
  expect 1 10
}

@test "mls-tail: an older tool's offset inside a line skips to the next line, with a warning" {
  gen 1 10 >"$LOG"
  local at=$(($(gen 1 4 | wc -c) + 7)) line5=$(gen 5 5 | wc -c)
  echo "$at" >"$ST"
  mls-tail --state "$ST" "$LOG" >>"$T/out" 2>"$T/err"
  expect 6 10
  diff -u - "$T/err" <<EOF
mls-tail: $LOG: the saved offset $at is inside a line; skipping $((line5 - 7)) bytes to the start of the next line
EOF
}

@test "mls-tail: another LOGFILE: its whole history is read, with a message" {
  gen 1 5 >"$LOG"
  run_tail
  LOG="$T/postfix.log"
  gen 6 7 | gzip >"$LOG.20261204-000000.gz"
  gen 8 9 >"$LOG.20261205-000000"
  gen 10 11 >"$LOG"
  mls-tail --state "$ST" "$LOG" >>"$T/out" 2>"$T/err"
  expect 1 11
  diff -u - "$T/err" <<EOF
mls-tail: $LOG: the saved position is in another log ($T/mail.log); reading the whole history of $LOG
EOF
  gen 12 12 >>"$LOG"
  run_tail
  expect 1 12
}

@test "mls-tail: a version 1 state file is still read, and rewritten as version 2" {
  gen 1 5 >"$LOG"
  run_tail
  sed -i -e '1s/ 2$/ 1/' -e '/^\(log\|birth\|mtime\|complete\) /d' "$ST"
  [ "$(wc -l <"$ST")" = 5 ]
  gen 6 7 >>"$LOG"
  run_tail
  expect 1 7
  head -1 "$ST" | grep -qx 'mls-tail-state 2'
  grep -qx "log $LOG" "$ST"
}

@test "mls-tail: a .gz its compressor has not made readable yet is waited for" {
  gen 1 5 >"$LOG"
  as_user mls-tail --state "$ST" "$LOG" >>"$T/out"
  gen 6 8 >>"$LOG"
  mv "$LOG" "$LOG.1" && gen 9 10 >"$LOG"
  gzip "$LOG.1" && chmod 000 "$LOG.1.gz"  # as gzip creates it, before its final mode
  as_user mls-tail --state "$ST" "$LOG" >>"$T/out" 2>"$T/err" &
  FOLLOW_PID=$!
  wait_for grep -q 'waiting for it' "$T/err"
  chmod 644 "$LOG.1.gz"
  wait "$FOLLOW_PID"
  FOLLOW_PID=
  expect 1 10
  diff -u - "$T/err" <<EOF
mls-tail: $LOG.1.gz: Permission denied; waiting for it (still being compressed?)
mls-tail: $LOG.1.gz: readable now; continuing
EOF
}

# ---- --follow ----------------------------------------------------------------

# wait_lines N [SECONDS]: until $T/out has at least N lines (10 s deadline)
wait_lines() {
  local i
  for ((i = 0; i < ${2:-10} * 20; i++)); do
    [ "$(wc -l <"$T/out")" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "timed out waiting for $1 lines; have $(wc -l <"$T/out")" >&2
  return 1
}
start_follow() {
  : >"$T/out"
  timeout 60 mls-tail --follow --poll-ms 20 "$@" "$LOG" >"$T/out" 2>"$T/err" 3>&- &
  FOLLOW_PID=$!
}
# pause_follower: stops mls-tail (PAUSED: its pid) while it waits between two
# looks at the files (ppoll on its inotify descriptor, x86-64 syscall 271, or
# poll(NULL, 0, MS) without inotify), so that it sees what follows all at once
pause_follower() {
  local i
  PAUSED=$(pgrep -P "$FOLLOW_PID" mls-tail)
  for ((i = 0; i < 1000; i++)); do
    kill -STOP "$PAUSED"
    grep -qE '^(271 0x[0-9a-f]+ 0x1|[0-9]+ 0x0 0x0) ' "/proc/$PAUSED/syscall" && return 0
    kill -CONT "$PAUSED"
    sleep 0.005
  done
  echo "mls-tail never seen sleeping between polls" >&2
  return 1
}
stop_follow() {
  kill -TERM "$FOLLOW_PID"
  local rc=0
  wait "$FOLLOW_PID" || rc=$?
  FOLLOW_PID=
  return $rc
}

@test "mls-tail --follow: appended lines, a rename rotation, a copytruncate" {
  gen 1 3 >"$LOG"
  start_follow --state "$ST"
  wait_lines 3
  gen 4 6 >>"$LOG"
  wait_lines 6
  printf 'Nov  5 10:00:07 mx postfix/smtpd[1007]: line 7' >>"$LOG"
  mv "$LOG" "$LOG.1"
  gen 8 9 >"$LOG"
  wait_lines 9
  cp "$LOG" "$LOG.1" && : >"$LOG"
  gen 10 11 >>"$LOG"
  wait_lines 11
  stop_follow
  expect 1 11
  # the state was committed: a new run prints nothing more
  gen 12 12 >>"$LOG"
  mls-tail --state "$ST" "$LOG" >>"$T/out"
  expect 1 12
}

@test "mls-tail --follow: the new file appears after the rename; --pending follows too" {
  gen 1 2 >"$LOG"
  start_follow --state "$ST" --pending "$T/pending"
  wait_lines 2
  mv "$LOG" "$LOG.1"
  gen 3 3 >>"$LOG.1"
  wait_lines 3
  gen 4 5 >"$LOG"
  wait_lines 5
  stop_follow
  expect 1 5
  [ ! -e "$ST" ]
  mv "$T/pending" "$ST"
  gen 6 6 >>"$LOG"
  mls-tail --state "$ST" "$LOG" >>"$T/out"
  expect 1 6
}

@test "mls-tail --follow: a partial line is printed once completed; SIGTERM commits" {
  gen 1 2 >"$LOG"
  start_follow --state "$ST"
  wait_lines 2
  printf 'Nov  5 10:00:03 mx postfix/smtpd[1003]: li' >>"$LOG"
  printf 'ne 3\n' >>"$LOG"
  gen 4 4 >>"$LOG"
  wait_lines 4
  stop_follow
  diff -u <(gen 1 4) "$T/out"
  mls-tail --state "$ST" "$LOG" >>"$T/out"
  diff -u <(gen 1 4) "$T/out"
}

@test "mls-tail --follow: a copytruncate of a log that was empty when reopened" {
  gen 1 2 >"$LOG"
  start_follow --state "$ST"
  wait_lines 2
  mv "$LOG" "$LOG.1" && : >"$LOG"
  wait_for grep -qx 'complete yes' "$ST"  # reopened the new, empty log
  pause_follower                          # no look at the files until all is done
  gen 3 5 >>"$LOG"
  mv "$LOG.1" "$LOG.2" && cp "$LOG" "$LOG.1" && : >"$LOG"
  gen 6 7 >>"$LOG"
  kill -CONT "$PAUSED"
  wait_lines 7
  stop_follow
  expect 1 7
  gen 8 8 >>"$LOG"
  run_tail
  expect 1 8
}

# Issue 15: --follow wakes on change (inotify). With a poll every minute, only
# inotify can print a line within 2 s (an append, a rename rotation, a gzip of
# a rotated file, a copytruncate), and SIGTERM must end the minute's wait.
@test "mls-tail --follow: inotify wakes it at once, whatever the rotation; SIGTERM too" {
  gen 1 3 >"$LOG"
  : >"$T/out"
  timeout 60 mls-tail --follow --poll-ms 60000 --state "$ST" "$LOG" >"$T/out" 2>"$T/err" 3>&- &
  FOLLOW_PID=$!
  wait_lines 3 2
  gen 4 5 >>"$LOG"                                  # an append
  wait_lines 5 2
  mv "$LOG" "$LOG.1" && gen 6 7 >"$LOG"             # rename + create
  wait_lines 7 2
  mv "$LOG.1" "$LOG.2" && gzip "$LOG.2"             # the rotated file compressed,
  mv "$LOG" "$LOG.1" && gen 8 9 >"$LOG"             # then rotated again
  wait_lines 9 2
  gen 10 10 >>"$LOG"
  wait_lines 10 2
  mv "$LOG.2.gz" "$LOG.3.gz" && gzip "$LOG.1" && mv "$LOG.1.gz" "$LOG.2.gz"
  cp "$LOG" "$LOG.1" && : >"$LOG"                   # copytruncate
  gen 11 12 >>"$LOG"
  wait_lines 12 2
  expect 1 12
  [ ! -s "$T/err" ]
  local t0=$SECONDS
  stop_follow                                       # SIGTERM: exit 0 at once, committed
  [ $((SECONDS - t0)) -le 3 ]
  gen 13 13 >>"$LOG"
  run_tail
  expect 1 13
}

@test "mls-tail --follow: inotify with --rotated-dir, made only by the first rotation" {
  gen 1 2 >"$LOG"
  : >"$T/out"
  timeout 60 mls-tail --follow --poll-ms 60000 --rotated-dir "$T/old" --state "$ST" "$LOG" \
    >"$T/out" 2>"$T/err" 3>&- &
  FOLLOW_PID=$!
  wait_lines 2 2
  mkdir "$T/old" && mv "$LOG" "$T/old/mail.log.1" && gen 3 4 >"$LOG"
  wait_lines 4 2
  gzip "$T/old/mail.log.1" && mv "$LOG" "$T/old/mail.log.1" && gen 5 6 >"$LOG"
  wait_lines 6 2
  stop_follow
  expect 1 6
  ! grep -v "^mls-tail: $T/old: No such file or directory; rotated files are not looked for there$" "$T/err"
  gen 7 7 >>"$LOG"
  run_tail --rotated-dir "$T/old"
  expect 1 7
}

# Issue 8 (3e): a log rotated faster than mls-tail can list its siblings. Each
# run either reads a consistent set of files or fails, printing and committing
# nothing; once the rotations stop, one more run finishes. Every line exactly
# once (order aside: a writer racing a rename may put a line in either file).
@test "mls-tail: rotations faster than listing: runs fail cleanly or read exactly once" {
  local n=6000
  # The writer appends line by line, opening the log by name each time.
  ( for ((i = 1; i <= n; i++)); do
      printf 'Nov  5 10:00:00 mx postfix/smtpd[1]: line %d\n' "$i" >>"$LOG"
    done
    : >"$T/writer.done" ) &
  # The rotator renames the log away as fast as it can (dateext-like names,
  # nothing deleted); the writer recreates it.
  python3 - "$LOG" "$T/writer.done" <<'PY' &
import os, sys, time
log, done = sys.argv[1], sys.argv[2]
k = 0
while not os.path.exists(done):
    k += 1
    try:
        os.rename(log, "%s-%08d" % (log, k))
    except FileNotFoundError:
        pass
    time.sleep(0.0002)
PY
  local rotator=$! ok=0 failed=0 rc
  while [ ! -e "$T/writer.done" ]; do
    rc=0
    mls-tail --state "$ST" "$LOG" >"$T/run.out" 2>"$T/run.err" || rc=$?
    if [ "$rc" = 0 ]; then
      cat "$T/run.out" >>"$T/out"
      ok=$((ok + 1))
    else
      # A failed run printed nothing a caller could have kept.
      [ ! -s "$T/run.out" ] || { echo "a failed run printed output"; cat "$T/run.err"; return 1; }
      grep -q 'kept changing\|No such file' "$T/run.err" || { cat "$T/run.err"; return 1; }
      failed=$((failed + 1))
      [ -z "${MLS_DEBUG:-}" ] || sed "s/^/# /" "$T/run.err" >&3
    fi
  done
  wait "$rotator"
  run_tail
  echo "# $ok runs read, $failed failed cleanly, $(ls "$T" | grep -c 'mail.log-') rotations" >&3
  [ "$(wc -l <"$T/out")" = "$n" ]
  diff <(seq 1 "$n") <(sed 's/.*line //' "$T/out" | sort -n)
}

@test "mls-tail --from-end: a first run prints nothing, commits the end; later lines print once" {
  gen 1 5 | gzip >"$LOG.2.gz"
  gen 6 10 >"$LOG.1"
  gen 11 20 >"$LOG"
  printf 'Nov  5 10:00:21 mx postfix/smtpd[1021]: line 21 (no newline yet)' >>"$LOG"
  run_tail --from-end
  [ ! -s "$T/out" ]
  head -1 "$ST" | grep -qx 'mls-tail-state 2'
  # The unterminated line was not passed: it is printed whole once it ends.
  printf '\n' >>"$LOG"
  gen 22 25 >>"$LOG"
  run_tail --from-end
  run_tail
  diff -u <(printf 'Nov  5 10:00:21 mx postfix/smtpd[1021]: line 21 (no newline yet)\n'; gen 22 25) "$T/out"
}

@test "mls-tail --from-end: with a saved position the option changes nothing" {
  gen 1 5 >"$LOG"
  run_tail
  gen 6 9 >>"$LOG"
  run_tail --from-end
  expect 1 9
}

@test "mls-tail --from-end --pending: the end goes to PENDING, the state file is not created" {
  gen 1 5 >"$LOG"
  mls-tail --from-end --state "$ST" --pending "$T/pending" "$LOG" >"$T/out"
  [ ! -s "$T/out" ]
  [ ! -e "$ST" ]
  mv "$T/pending" "$ST"
  gen 6 8 >>"$LOG"
  run_tail
  diff -u <(gen 6 8) "$T/out"
  run mls-tail --state "$ST" -
  assert_failure 2
  assert_line --index 0 "mls-tail: LOGFILE cannot be standard input ('-'): a position is saved in a file"
  run mls-tail --from-end --state "$T/none" "$T/missing.log"
  assert_failure 1
  assert_output "mls-tail: $T/missing.log: No such file or directory (--from-end starts at its end)"
}
