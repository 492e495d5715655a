#!/usr/bin/env bats
# mls-parse: syslog lines in, one TSV event per Postfix SASL failure out.

bats_require_minimum_version 1.5.0

load test_helper

D="$MLS_SRCDIR/tests/data/mls-parse"
REF=2027-01-01T12:00:00Z
EVENT='Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x, sasl_username=bob'
EVENT_TSV=$'2026-11-25T20:18:08+00:00\tvm\t192.0.2.1\tbob\tLOGIN\tunknown\t\tpostfix/smtpd\tx'

setup() {
  mls_scratch
  export TZ=UTC
}
teardown() { mls_scratch_cleanup; }

@test "mls-parse: --help describes every option and exits 0" {
  run mls-parse --help
  [ "$status" -eq 0 ]
  for opt in --reference-time --include-aborted --stats --max-line-length --map-fd --help --version; do
    [[ "$output" == *"$opt"* ]]
  done
  [[ "$output" == *"Usage: mls-parse"* ]]
}

@test "mls-parse: --version names the tool and exits 0" {
  run mls-parse --version
  [ "$status" -eq 0 ]
  [[ "$output" == "mls-parse (maillogsentinel) "* ]]
}

@test "mls-parse: an unknown option is a usage error (exit 2)" {
  run --separate-stderr mls-parse --frobnicate
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == *"mls-parse: "*"frobnicate"* ]]
  [[ "$stderr" == *"Try 'mls-parse --help'."* ]]
}

@test "mls-parse: a bad --reference-time is a usage error (exit 2)" {
  run --separate-stderr mls-parse --reference-time yesterday </dev/null
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "mls-parse: --reference-time: not an ISO 8601 time: 'yesterday'" ]
}

@test "mls-parse: --map-fd: a closed descriptor is a usage error; a bad map is one warning" {
  run --separate-stderr mls-parse --map-fd 57 </dev/null 57<&-
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "mls-parse: --map-fd 57: not an open descriptor" ]
  # A map that is not one: said once, then warnings name the input as without a map.
  outage='Nov 25 20:18:09 vm postfix/smtpd[1]: warning: unknown[192.0.2.2]: SASL LOGIN authentication failed: Connection lost to authentication server'
  # (The maps are files, written before mls-parse starts: what a pipe holds
  # when mls-parse looks depends on timing.)
  printf 'not a map\n' >"$T/bad.map"
  run --separate-stderr bash -c 'printf "%s\n" "$1" | mls-parse --map-fd 4 4<"$2"' _ "$outage" "$T/bad.map"
  [ "$status" -eq 0 ]
  [ "${stderr_lines[0]}" = "mls-parse: input map: not a record: 'not a map'; log lines are named by their offset in the input" ]
  [[ "${stderr_lines[1]}" == "mls-parse: standard input: Nov 25 20:18:09 (line 1, byte 0): SASL backend outage"* ]]
  # A file named on the command line is never located through the map.
  printf '%s\n' "$outage" >"$T/a.log"
  printf '0\t0\t/elsewhere\n' >"$T/other.map"
  run --separate-stderr mls-parse --map-fd 4 "$T/a.log" 4<"$T/other.map"
  [[ "${stderr_lines[0]}" == "mls-parse: $T/a.log: Nov 25 20:18:09 (line 1, byte 0): SASL backend outage"* ]]
}

@test "mls-parse: --max-line-length out of range is a usage error (exit 2)" {
  run --separate-stderr mls-parse --max-line-length 10 </dev/null
  [ "$status" -eq 2 ]
  [[ "${stderr_lines[0]}" == "mls-parse: --max-line-length must be between 64 and "* ]]
}

@test "mls-parse: golden output" {
  mls-parse --reference-time "$REF" "$D/golden.log" >"$T/out" 2>"$T/err"
  diff -u "$D/golden.tsv" "$T/out"
  grep -qxF "mls-parse: $D/golden.log: 2027-01-01T00:00:07+0000 (line 11, byte 1326): SASL backend outage (Connection lost to authentication server), not an event" "$T/err"
}

@test "mls-parse: a warning names the line by its input, its own time stamp, line number and byte offset" {
  { printf '%s\n' "$EVENT" "$EVENT"; printf '%s\n' "${EVENT/Nov 25/Dec 32}"; } >"$T/bad.log"
  run --separate-stderr mls-parse --reference-time "$REF" "$T/bad.log"
  assert_success
  assert_equal "$stderr" "$(printf '%s\n' \
    "mls-parse: $T/bad.log: Dec 32 20:18:08 (line 3, byte 242): skipped an event whose time does not exist" \
    "mls-parse: 1 event(s) skipped: their time stamp names no real date or time (bad_time)")"
  # Standard input, from a pipe as in the pipeline: no file name, the same stamp and offset.
  run --separate-stderr bash -c 'cat "$1" | mls-parse --reference-time "$2"' _ "$T/bad.log" "$REF"
  assert_success
  assert_equal "${stderr_lines[0]}" "mls-parse: standard input: Dec 32 20:18:08 (line 3, byte 242): skipped an event whose time does not exist"
}

@test "mls-parse: reads standard input when there is no file or the file is -" {
  mls-parse --reference-time "$REF" <"$D/golden.log" >"$T/a" 2>/dev/null
  diff -u "$D/golden.tsv" "$T/a"
  mls-parse --reference-time "$REF" - <"$D/golden.log" >"$T/b" 2>/dev/null
  diff -u "$D/golden.tsv" "$T/b"
  printf '%s\n' "$EVENT" | mls-parse "$D/golden.log" - --reference-time "$REF" >"$T/c" 2>/dev/null
  diff -u <(cat "$D/golden.tsv"; printf '%s\n' "$EVENT_TSV") "$T/c"
}

@test "mls-parse: --stats prints the summary line to stderr" {
  run --separate-stderr mls-parse --stats --reference-time "$REF" "$D/golden.log"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 5 ]
  [ "${stderr_lines[-1]}" = "mls-parse: lines=16 events=5 outages=1 aborted=1 overlong=0 bad_time=0" ]
}

@test "mls-parse: statistics add up over several files" {
  run --separate-stderr mls-parse --stats --reference-time "$REF" "$D/golden.log" "$D/golden.log"
  [ "$status" -eq 0 ]
  [ "${stderr_lines[-1]}" = "mls-parse: lines=32 events=10 outages=2 aborted=2 overlong=0 bad_time=0" ]
}

@test "mls-parse: --include-aborted emits aborted authentications" {
  run --separate-stderr mls-parse --include-aborted --stats --reference-time "$REF" "$D/golden.log"
  [ "$status" -eq 0 ]
  [ "${lines[5]}" = $'2027-01-01T00:00:08+00:00\tmx3\t198.51.100.79\t\tLOGIN\tunknown\t\tpostfix/smtps/smtpd\tauthentication aborted' ]
  [ "${stderr_lines[-1]}" = "mls-parse: lines=16 events=6 outages=1 aborted=1 overlong=0 bad_time=0" ]
}

@test "mls-parse: no events, no output, exit 0" {
  run --separate-stderr mls-parse --stats </dev/null
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$stderr" = "mls-parse: lines=0 events=0 outages=0 aborted=0 overlong=0 bad_time=0" ]
}

@test "mls-parse: a missing file is exit 1 naming it; the other files are still read" {
  run --separate-stderr mls-parse "$T/nope.log" "$D/golden.log" --reference-time "$REF"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "mls-parse: $T/nope.log: No such file or directory" ]
  [ "${#lines[@]}" -eq 5 ]
}

@test "mls-parse: reading a directory is exit 1 with a read error" {
  run --separate-stderr mls-parse "$T"
  [ "$status" -eq 1 ]
  [ "$stderr" = "mls-parse: $T: read error: Is a directory" ]
}

@test "mls-parse: an unreadable file is exit 1" {
  printf '%s\n' "$EVENT" >"$T/secret.log"
  chmod 000 "$T/secret.log"
  give_to_user "$T"
  run --separate-stderr as_user mls-parse "$T/secret.log"
  if [ "$(id -u)" = 0 ] && [ "$status" -eq 0 ]; then skip "cannot drop privileges here"; fi
  [ "$status" -eq 1 ]
  [ "$stderr" = "mls-parse: $T/secret.log: Permission denied" ]
}

@test "mls-parse: a full output device is exit 1 with a write error" {
  run --separate-stderr bash -c 'mls-parse --reference-time "$1" "$2" "$2" >/dev/full' _ "$REF" "$D/golden.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"mls-parse: write error: No space left on device"* ]]
}

@test "mls-parse: a 2 MB line is skipped and counted; the lines around it are not" {
  { printf '%s\n' "$EVENT"; head -c 2097152 /dev/zero | tr '\0' 'A'; printf '\n%s\n' "$EVENT"; } >"$T/big.log"
  run --separate-stderr mls-parse --stats --reference-time "$REF" "$T/big.log"
  [ "$status" -eq 0 ]
  [ "$output" = "$EVENT_TSV"$'\n'"$EVENT_TSV" ]
  [ "${stderr_lines[0]}" = "mls-parse: $T/big.log: line 2 (byte 121): skipped a line of 2097152 bytes (longer than 65536)" ]
  [ "${stderr_lines[-1]}" = "mls-parse: lines=3 events=2 outages=0 aborted=0 overlong=1 bad_time=0" ]
}

@test "mls-parse: --max-line-length raises the limit" {
  { head -c 100000 /dev/zero | tr '\0' 'A'; printf '\n'; } >"$T/long.log"
  run --separate-stderr mls-parse --stats --max-line-length 200000 "$T/long.log"
  [ "$status" -eq 0 ]
  [ "$stderr" = "mls-parse: lines=1 events=0 outages=0 aborted=0 overlong=0 bad_time=0" ]
}

@test "mls-parse: NUL bytes and invalid UTF-8 pass through as data" {
  printf 'Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: \0\xff, sasl_username=a\0b\xc3\n\0\0\0\n' >"$T/bin.log"
  mls-parse --stats "$T/bin.log" >"$T/out" 2>"$T/err"
  printf '2026-11-25T20:18:08+00:00\tvm\t192.0.2.1\ta\0b\xc3\tLOGIN\tunknown\t\tpostfix/smtpd\t\0\xff\n' >"$T/expected"
  cmp "$T/expected" "$T/out"
  [ "$(cat "$T/err")" = "mls-parse: lines=2 events=1 outages=0 aborted=0 overlong=0 bad_time=0" ]
}

@test "mls-parse: CRLF line ends are handled" {
  printf '%s\r\n%s\r\n' "$EVENT" "$EVENT" >"$T/crlf.log"
  run mls-parse "$T/crlf.log"
  [ "$output" = "$EVENT_TSV"$'\n'"$EVENT_TSV" ]
}

@test "mls-parse: a last line without a newline is still parsed" {
  printf '%s' "$EVENT" >"$T/noeol.log"
  run mls-parse "$T/noeol.log"
  [ "$output" = "$EVENT_TSV" ]
}

@test "mls-parse: BSD stamps are local time in TZ" {
  run env TZ=Europe/Paris mls-parse --reference-time 2026-12-01T00:00:00Z <<<"$EVENT"
  [ "$status" -eq 0 ]
  [[ "$output" == "2026-11-25T20:18:08+01:00"$'\t'* ]]
  run env TZ=America/New_York mls-parse --reference-time 2026-12-01T00:00:00Z <<<"${EVENT/Nov 25/Jul  4}"
  [[ "$output" == "2026-07-04T20:18:08-04:00"$'\t'* ]]
}

@test "mls-parse: the repeated hour at the end of DST gets both offsets, in stream order" {
  # What syslog writes in Paris from 00:00Z to 02:30Z on 2026-10-25 (the clock
  # goes from 02:59:59 CEST back to 02:00:00 CET at 01:00Z), an event every
  # 150 seconds with noise between: every printed time must be the instant
  # the line was written.
  local start epoch stamp
  start=$(date -u -d 2026-10-25T00:00:00Z +%s)
  for ((epoch = start; epoch <= start + 9000; epoch += 150)); do
    stamp=$(TZ=Europe/Paris LC_ALL=C date -d "@$epoch" '+%b %e %H:%M:%S')
    printf '%s mx1 postfix/smtpd[1]: connect from unknown[192.0.2.1]\n' "$stamp"
    printf '%s mx1 postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x\n' "$stamp"
    echo "$epoch" >>"$T/epochs"
  done >"$T/fold.log"
  TZ=Europe/Paris mls-parse --stats --reference-time 2026-12-01T00:00:00Z "$T/fold.log" >"$T/out" 2>"$T/err"
  [ "$(cat "$T/err")" = "mls-parse: lines=122 events=61 outages=0 aborted=0 overlong=0 bad_time=0" ]
  cut -f1 "$T/out" >"$T/times"
  # The instants, exactly (so also non-decreasing).
  while read -r stamp; do date -d "$stamp" +%s; done <"$T/times" >"$T/got"
  diff -u "$T/epochs" "$T/got"
  # The repeated hour is there twice: first +02:00, then +01:00.
  [ "$(grep -c '^2026-10-25T02:..:..+02:00$' "$T/times")" -eq 24 ]
  [ "$(grep -c '^2026-10-25T02:..:..+01:00$' "$T/times")" -eq 24 ]
  [ "$(sed -n 's/.*\(+0[12]:00\)$/\1/p' "$T/times" | uniq | tr '\n' ' ')" = "+02:00 +01:00 " ]
  # RFC 3339 stamps carry their offset: the same instants, whatever TZ says.
  while read -r stamp; do
    printf '%s mx1 postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x\n' "$stamp"
  done <"$T/times" | TZ=America/New_York mls-parse | cut -f1 | diff -u "$T/times" -
}

@test "mls-parse: events with an impossible time are skipped, counted and warned about (exit 0)" {
  {
    printf '%s\n' "${EVENT/Nov 25/Dec 32}" "$EVENT" "${EVENT/20:18:08/25:00:00}"
    for i in $(seq 30); do printf '%s\n' "${EVENT/Nov 25/Feb 30}"; done
    printf '%s\n' "${EVENT/Nov 25 20:18:08/2026-11-25T20:60:08+00:00}"
  } >"$T/bad.log"
  run --separate-stderr mls-parse --stats --reference-time "$REF" "$T/bad.log"
  [ "$status" -eq 0 ]
  [ "$output" = "$EVENT_TSV" ]
  [ "${stderr_lines[0]}" = "mls-parse: $T/bad.log: Dec 32 20:18:08 (line 1, byte 0): skipped an event whose time does not exist" ]
  [ "${stderr_lines[1]}" = "mls-parse: $T/bad.log: Nov 25 25:00:00 (line 3, byte 242): skipped an event whose time does not exist" ]
  [ "${stderr_lines[9]}" = "mls-parse: $T/bad.log: Feb 30 20:18:08 (line 11, byte 1210): skipped an event whose time does not exist; further ones are only counted" ]
  [ "${stderr_lines[10]}" = "mls-parse: 33 event(s) skipped: their time stamp names no real date or time (bad_time)" ]
  [ "${stderr_lines[11]}" = "mls-parse: lines=34 events=1 outages=0 aborted=0 overlong=0 bad_time=33" ]
  [ "${#stderr_lines[@]}" -eq 12 ]
}

@test "mls-parse: year inference follows --reference-time" {
  run mls-parse --reference-time 2027-01-01T00:10:00Z <<<"${EVENT/Nov 25/Dec 31}"
  [[ "$output" == "2026-12-31T20:18:08+00:00"$'\t'* ]]
  run mls-parse --reference-time 2030-06-01T00:00:00+02:00 <<<"$EVENT"
  [[ "$output" == "2029-11-25T20:18:08+00:00"$'\t'* ]]
}

@test "mls-parse: events reach a live pipe before the input ends" {
  mkfifo "$T/fifo"
  mls-parse <"$T/fifo" >"$T/out" &
  local pid=$!
  local fd
  exec {fd}>"$T/fifo"
  printf '%s\n' "$EVENT" >&"$fd"
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$T/out" ] && break; sleep 0.1; done
  [ "$(cat "$T/out")" = "$EVENT_TSV" ]
  kill -0 "$pid"  # still running: the input is still open
  exec {fd}>&-
  wait "$pid"
}

@test "mls-parse: a closed pipe downstream stops it quietly" {
  for i in $(seq 2000); do printf '%s\n' "$EVENT"; done >"$T/many.log"
  run bash -c 'mls-parse "$1" "$1" "$1" | head -n 1' _ "$T/many.log"
  [ "$status" -eq 0 ]
  [ "$output" = "$EVENT_TSV" ]
}

@test "mls-parse: counts agree with genlog's on a generated log (all three stamp formats)" {
  local fmt
  for fmt in bsd postlog rfc3339; do
    "$MLS_SRCDIR/bench/genlog" --lines 60000 --seed 17 --hosts 2 --format "$fmt" \
      --start 2026-12-31T23:30:00 >"$T/gen.log" 2>"$T/gen.count"
    mls-parse --stats --reference-time 2027-01-02T00:00:00Z "$T/gen.log" >"$T/gen.tsv" 2>"$T/gen.err"
    local events outages aborted
    events=$(sed -n 's/^events=//p' "$T/gen.count")
    outages=$(sed -n 's/^outages=//p' "$T/gen.count")
    aborted=$(sed -n 's/^aborted=//p' "$T/gen.count")
    [ "$(tail -n 1 "$T/gen.err")" = "mls-parse: lines=60000 events=$events outages=$outages aborted=$aborted overlong=0 bad_time=0" ]
    [ "$(wc -l <"$T/gen.tsv")" -eq "$events" ]
    # Every record has 9 fields and a valid stamp; the year rolls over once.
    [ "$(awk -F'\t' 'NF != 9' "$T/gen.tsv" | wc -l)" -eq 0 ]
    [ "$(cut -f1 "$T/gen.tsv" | grep -cvE '^202[67]-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$')" -eq 0 ]
    [ "$(cut -f1 "$T/gen.tsv" | cut -c1-4 | uniq | tr '\n' ' ')" = "2026 2027 " ]
  done
}

@test "mls-parse: memory stays small on a big input" {
  [ -x /usr/bin/time ] || skip "/usr/bin/time not installed"
  "$MLS_SRCDIR/bench/genlog" --lines 100000 --seed 5 >"$T/big.log" 2>/dev/null
  { head -c 5000000 /dev/zero | tr '\0' 'B'; echo; } >>"$T/big.log"
  /usr/bin/time -f '%M' -o "$T/rss" mls-parse "$T/big.log" "$T/big.log" >/dev/null 2>&1
  [ "$(tail -n 1 "$T/rss")" -lt 16384 ]
}
