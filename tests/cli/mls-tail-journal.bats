#!/usr/bin/env bats
# mls-tail --journal: Postfix's entries of real journal files (made without
# systemd by journal_helper.bash) as the lines mls-parse reads, the same events
# as the text log; the cursor as the position: resumed, across a rotation, after
# a vacuum (a warning, on by time), a foreign cursor (likewise), a garbage one
# (exit 1, nothing read, nothing written); no permission is an error, not an
# empty journal; journald's "Suppressed N messages" counted and warned about.

bats_require_minimum_version 1.5.0

load test_helper
load journal_helper
load driver_helper

setup() {
  mls_scratch
  jr_available
  export TZ=UTC
  J=$T/journal
}
teardown() { mls_scratch_cleanup; }

REF=--reference-time=2026-12-01T00:00:00Z
parse() { mls-parse "$REF" "$@" 2>/dev/null; }
tailj() { mls-tail --journal --journal-dir "$J" "$@"; }

@test "--journal prints the Postfix entries as lines: the same events as the text log; binary, long and multi-line messages" {
  drv_genlog --lines 20000 --seed 8 --ipv6-ratio 0.2 >"$T/mail.log"
  jr_make "$J" --others 300 --no-unit-every 3 --binary-message-every 2000 --long-message 70000 \
    --newline-message <"$T/mail.log"
  run -0 tailj --state "$T/st"
  tailj >"$T/out" 2>"$T/err"
  # Every Postfix line, in order, and nothing else: the text log's events.
  grep -c ' postfix' "$T/mail.log" >"$T/want"
  [ "$(grep -vc '^$' "$T/out")" -gt "$(cat "$T/want")" ]   # + the added binary/long/newline entries
  parse "$T/mail.log" >"$T/a.tsv"
  parse "$T/out" >"$T/b.tsv"
  [ -s "$T/a.tsv" ]
  diff "$T/a.tsv" "$T/b.tsv"
  # The others (sshd, cron, journald, a "root" entry that copies a SASL failure) are not there.
  ! grep -q ' sshd\[' "$T/out"
  ! grep -q '192\.0\.2\.253' "$T/out"
  # The newline: one line, #012 in place of the newline, the forged event after it not one.
  grep -q '#012' "$T/out"
  ! grep -q '^[^ ]* [^ ]* [^ ]*: .*192\.0\.2\.254' <(grep -v '#012' "$T/out")
  # The 70,000-byte message whole (no 64 KiB cut), the binary bytes as they were.
  [ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/out")" -gt 70000 ]
  LC_ALL=C grep -aq $'\xff\xfe\xc3(' "$T/out"
  # Lines in the RFC 3339 form with microseconds, host and pid.
  head -1 "$T/out" | grep -qE '^2026-01-01T00:00:[0-9]{2}\.[0-9]{6}\+00:00 mx1 postfix/[a-z/]+\[[0-9]+\]: '
}

@test "--journal resumes after the cursor: nothing twice, nothing lost, across growth and a rotation" {
  drv_genlog --lines 9000 --seed 3 >"$T/mail.log"
  sed -n 1,3000p "$T/mail.log" | jr_make "$J"
  tailj --state "$T/st" >"$T/1"
  grep -q '^cursor s=' "$T/st"
  run -0 tailj --state "$T/st"
  assert_output ""
  sed -n 3001,6000p "$T/mail.log" | jr_grow "$J"
  tailj --state "$T/st" --pending "$T/st.pending" >"$T/2"
  # --pending: the state untouched until the caller renames
  tailj --state "$T/st" --pending "$T/st.pending" | cmp - "$T/2"
  mv "$T/st.pending" "$T/st"
  sed -n 6001,9000p "$T/mail.log" | jr_append "$J"
  [ "$(ls "$J"/*.journal | wc -l)" = 2 ]
  tailj --state "$T/st" >"$T/3"
  cat "$T/1" "$T/2" "$T/3" | parse >"$T/b.tsv"
  parse "$T/mail.log" | cmp - "$T/b.tsv"
  grep -c . "$T/1" "$T/2" "$T/3"
}

@test "--journal: a vacuumed cursor goes on by time with a warning; a foreign one likewise; garbage is exit 1" {
  drv_genlog --lines 6000 --seed 5 >"$T/mail.log"
  sed -n 1,2000p "$T/mail.log" | jr_make "$J"
  tailj --state "$T/st" >/dev/null
  cp "$T/st" "$T/st.old"
  sed -n 2001,4000p "$T/mail.log" | jr_append "$J"
  sed -n 4001,6000p "$T/mail.log" | jr_append "$J"
  jr_vacuum "$J" >/dev/null   # the file that held the cursor's entry
  run tailj --state "$T/st.old"
  assert_success
  assert_output --partial "the entry of the saved position is no longer in the journal"
  assert_output --partial "entries in between may be missing"
  # It went on at the first entry after the cursor's time: the rest, once.
  tailj --state "$T/st" 2>/dev/null | parse >"$T/b.tsv"
  sed -n 2001,6000p "$T/mail.log" | parse | cmp - "$T/b.tsv"
  # A cursor of another journal: by its time too.
  mkdir "$T/other"
  printf '2026-01-01T00:00:00+00:00 mx9 postfix/smtpd[1]: x\n' | J=$T/other jr_make "$T/other"
  J=$T/other tailj --state "$T/foreign" >/dev/null
  run tailj --state "$T/foreign"
  assert_success
  assert_output --partial "no longer in the journal"
  # Garbage: exit 1, nothing printed, the state as it was.
  printf 'mls-tail-journal 1\ncursor nonsense\nrealtime 5\n' >"$T/bad"
  cp "$T/bad" "$T/bad.orig"
  run tailj --state "$T/bad"
  assert_failure 1
  assert_output --partial "the saved journal cursor is corrupt"
  cmp "$T/bad" "$T/bad.orig"
  printf 'not a position\n' >"$T/bad2"
  run tailj --state "$T/bad2"
  assert_failure 1
  assert_output --partial "not an mls-tail journal position"
}

@test "--journal --from-end: no history on the first run, then only what is new" {
  drv_genlog --lines 4000 --seed 6 >"$T/mail.log"
  sed -n 1,2000p "$T/mail.log" | jr_make "$J"
  run -0 tailj --state "$T/st" --from-end
  assert_output ""
  sed -n 2001,4000p "$T/mail.log" | jr_grow "$J"
  tailj --state "$T/st" | parse >"$T/b.tsv"
  sed -n 2001,4000p "$T/mail.log" | parse | cmp - "$T/b.tsv"
}

@test "--journal: no permission to read the journal is an error naming the fix, not an empty journal" {
  [ "$(id -u)" = 0 ] || skip "needs root to make a journal another user cannot read"
  drv_genlog --lines 100 --seed 2 >"$T/mail.log"
  jr_make "$J" <"$T/mail.log"
  chmod 0640 "$J"/*.journal
  chown root:root "$J"/*.journal
  chmod 0755 "$J"
  run as_user mls-tail --journal --journal-dir "$J" --state "$T/st"
  assert_failure 1
  assert_output --partial "Permission denied"
  assert_output --partial "add it to group systemd-journal"
  [ ! -e "$T/st" ]
}

@test "--journal: journald's Suppressed messages are counted (--stats) and warned about; usage errors" {
  drv_genlog --lines 500 --seed 2 >"$T/mail.log"
  jr_make "$J" --suppressed 4321 <"$T/mail.log"
  run tailj --stats
  assert_success
  assert_output --partial "mls-tail: journald dropped 4321 Postfix messages"
  assert_output --regexp "mls-tail: entries=[0-9]+ printed=[0-9]+ suppressed=4321"
  run mls-tail --journal "$T/mail.log"
  assert_failure 2
  assert_output --partial "--journal reads the journal: no LOGFILE"
  run mls-tail --journal --match nope
  assert_failure 2
  assert_output --partial "--match 'nope': expected FIELD=VALUE"
  run mls-tail --match A=b "$T/mail.log"
  assert_failure 2
  # --match narrows: one unit only
  run -0 tailj --match _SYSTEMD_UNIT=nothing.service
  assert_output ""
}

@test "the real Postfix captures, replayed into a journal, give the same events as from the file" {
  local f n=0
  for f in "$MLS_SRCDIR/tests/data/postfix-real-maillog.log" \
    "$SHARED_TESTDATA/postfix/real-maillog_file.log" "$SHARED_TESTDATA/postfix/real-rsyslog.log"; do
    [ -f "$f" ] || continue
    rm -rf "$J"
    jr_make "$J" --year 2026 <"$f"
    parse "$f" >"$T/a.tsv"
    tailj | parse >"$T/b.tsv"
    [ -s "$T/a.tsv" ]
    diff "$T/a.tsv" "$T/b.tsv"
    n=$((n + 1))
  done
  [ "$n" -ge 1 ]
}

@test "the driver with [paths] source = journal: the same dataset as from the file; journald's drops reach the report" {
  drv_scratch
  J=$T/journal
  drv_genlog --lines 3000 --seed 12 >"$T/mail.log"
  jr_make "$J" --others 50 --suppressed 77 <"$T/mail.log"
  chmod -R a+rX "$J"
  printf '[paths]\nworking_dir = %s\nstate_dir = %s\nsource = journal\njournal_dir = %s\n[dns]\nenabled = false\n' \
    "$T/work" "$T/state" "$J" >"$T/conf"
  give_to_user "$T"
  run drv_run
  assert_success
  assert_output --partial "journald dropped 77 Postfix messages"
  drv_reference "$T/mail.log" "$T/ref.csv"
  cmp "$T/ref.csv" "$T/work/maillogsentinel.csv"
  grep -q 'committed: .*77 Postfix messages dropped by journald' "$T/work/maillogsentinel.log"
  sleep 1  # the window [now - 24 h, now) leaves out the second of the commit
  run as_user mls-report --config "$T/conf" --window 24h
  assert_success
  assert_output --regexp "Journal drops +77 +Postfix lines journald dropped \(rate limit\)"
  run as_user mls-report --config "$T/conf" --window 24h --format json
  assert_output --partial '"journal_suppressed": 77'
  # --dry-run shows the journal stage
  run drv_run --dry-run
  assert_output --partial "mls-tail --journal"
}

@test "--journal --follow: new entries as they come, in place and after a rotation; SIGTERM commits" {
  drv_genlog --lines 3000 --seed 14 >"$T/mail.log"
  sed -n 1,1000p "$T/mail.log" | jr_make "$J"
  # (mls-tail itself in the background, not the tailj function's subshell: $! is its pid)
  mls-tail --journal --journal-dir "$J" --state "$T/st" --follow --poll-ms 50 >"$T/out" 2>"$T/err" &
  local pid=$! i
  wait_lines() {
    for ((i = 0; i < 200; i++)); do
      [ "$(grep -c . "$T/out")" -ge "$1" ] && return 0
      sleep 0.05
    done
    echo "waited for $1 lines, have $(grep -c . "$T/out")"
    return 1
  }
  local n1 n2 n3
  n1=$(sed -n 1,1000p "$T/mail.log" | grep -c ' postfix')
  wait_lines "$n1"
  sed -n 1001,2000p "$T/mail.log" | jr_grow "$J"
  n2=$(sed -n 1,2000p "$T/mail.log" | grep -c ' postfix')
  wait_lines "$n2"
  sed -n 2001,3000p "$T/mail.log" | jr_append "$J"
  n3=$(grep -c ' postfix' "$T/mail.log")
  wait_lines "$n3"
  kill -TERM "$pid"
  wait "$pid"
  parse "$T/out" | cmp - <(parse "$T/mail.log")
  # The position was committed: nothing more to print.
  run -0 tailj --state "$T/st"
  assert_output ""
}
