#!/usr/bin/env bats
# tests/cli/journal_helper.bash and bench/log2journal (issue 14's fixtures):
# real journal files from syslog lines, read back with journalctl only (no
# maillogsentinel tool is needed here). Inputs: bench/genlog and inline lines.

load test_helper
load journal_helper

GENLOG="$MLS_SRCDIR/bench/genlog"

setup() {
  mls_scratch
  jr_available
  export TZ=UTC
}
teardown() { mls_scratch_cleanup; }

# precise DIR: every entry as 'short-iso-precise', with the offset written as
# in RFC 3339 (+00:00), i.e. the input's own form for genlog --format rfc3339.
precise() {
  journalctl --directory "$1" -q -o short-iso-precise --no-pager | sed -E 's/^([^ ]+)\+0000 /\1+00:00 /'
}

# message_bytes DIR MATCH...: the MESSAGE of the entries matching MATCH, raw,
# one per line as 'LENGTH HEX-OF-FIRST-64-BYTES ... HEX-OF-LAST-8-BYTES'.
message_bytes() {
  local dir=$1
  shift
  journalctl --directory "$dir" -o export --all --no-pager "$@" | python3 -c '
import struct, sys
d = sys.stdin.buffer.read()
for entry in d.split(b"\n\n"):
    i = 0
    while i < len(entry):
        nl = entry.find(b"\n", i)
        nl = len(entry) if nl < 0 else nl
        line = entry[i:nl]
        if b"=" in line:
            i = nl + 1
            key, val = line.split(b"=", 1)
        else:  # binary form: KEY LF le64 length bytes LF
            key = line
            n = struct.unpack("<Q", entry[nl + 1:nl + 9])[0]
            val = entry[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        if key == b"MESSAGE":
            print(len(val), val[:64].hex(), val[-8:].hex())'
}

@test "journal: every line becomes an entry, read back exactly (RFC 3339, UTC)" {
  "$GENLOG" --lines 3000 --seed 7 --format rfc3339 --hosts 3 >"$T/in.log" 2>/dev/null
  jr_make "$T/j" <"$T/in.log"
  [ -f "$T/j/system.journal" ]
  [ "$(journalctl --directory "$T/j" --no-pager -q -o cat | wc -l)" -eq 3000 ]
  precise "$T/j" >"$T/out.log"
  cmp "$T/in.log" "$T/out.log"
  # short-iso (what jr_lines shows): the same lines at whole seconds
  jr_lines "$T/j" | sed -E 's/\+0000 / /' >"$T/short.log"
  sed -E 's/^([^ .]+)(\.[0-9]+)?\+00:00 /\1 /' "$T/in.log" | cmp - "$T/short.log"
  # log2journal is deterministic
  "$LOG2JOURNAL" "$T/in.log" 2>/dev/null >"$T/a.export"
  "$LOG2JOURNAL" <"$T/in.log" 2>/dev/null >"$T/b.export"
  cmp "$T/a.export" "$T/b.export"
}

@test "journal: BSD stamps in the TZ's local time, the year from --year, Dec -> Jan" {
  printf '%s\n' \
    'Dec 31 23:59:59 mx1 postfix/smtpd[10]: connect from a[192.0.2.1]' \
    'Jan  1 00:00:01 mx1 postfix/smtpd[10]: disconnect from a[192.0.2.1]' \
    'Jan 01 00:00:02 mx1 postfix/anvil[11]: statistics: max connection rate 1/60s' \
    'not a syslog line at all' \
    'Jan  1 00:00:03 mx1 a line with no program tag' >"$T/in.log"
  TZ=Europe/Paris jr_make "$T/j" --year 2025 <"$T/in.log"
  run jr_lines "$T/j"
  assert_output "$(printf '%s\n' \
    '2025-12-31T22:59:59+0000 mx1 postfix/smtpd[10]: connect from a[192.0.2.1]' \
    '2025-12-31T23:00:01+0000 mx1 postfix/smtpd[10]: disconnect from a[192.0.2.1]' \
    '2025-12-31T23:00:02+0000 mx1 postfix/anvil[11]: statistics: max connection rate 1/60s' \
    '2025-12-31T23:00:02+0000 mx1 unknown: not a syslog line at all' \
    '2025-12-31T23:00:03+0000 mx1 unknown: a line with no program tag')"
  TZ=Europe/Paris run jr_lines "$T/j" -o short
  assert_line --index 0 'Dec 31 23:59:59 mx1 postfix/smtpd[10]: connect from a[192.0.2.1]'
  assert_line --index 1 'Jan 01 00:00:01 mx1 postfix/smtpd[10]: disconnect from a[192.0.2.1]'
}

@test "journal: Postfix's unit, other programs, journald's suppression notice" {
  "$GENLOG" --lines 1000 --seed 8 --format rfc3339 --hosts 3 >"$T/in.log" 2>/dev/null
  jr_make "$T/j" --others 70 --suppressed 1234 --no-unit-every 4 <"$T/in.log"
  [ "$(journalctl --directory "$T/j" -q -o cat --no-pager | wc -l)" -eq 1071 ]
  postfix=$(grep -c ' postfix[-/a-z]*/[a-z]*\[' "$T/in.log")
  unit=$(journalctl --directory "$T/j" -q -o cat --no-pager _SYSTEMD_UNIT=postfix@-.service | wc -l)
  multi=$(journalctl --directory "$T/j" -q -o cat --no-pager _SYSTEMD_UNIT=postfix@postfix-in.service | wc -l)
  # every 4th Postfix entry has no unit
  [ "$((unit + multi))" -eq "$((postfix - postfix / 4))" ]
  [ "$multi" -gt 0 ]
  # 10 of each kind (saslauthd is also in genlog's Cyrus lines)
  for p in sshd CRON systemd saslauthd kernel systemd-journald root; do
    n=$(grep -c " $p\[" "$T/in.log" || true)
    [ "$p" = systemd-journald ] && n=1  # the suppression notice
    [ "$(journalctl --directory "$T/j" -q -o cat --no-pager SYSLOG_IDENTIFIER="$p" | wc -l)" -eq $((10 + n)) ]
  done
  [ "$(journalctl --directory "$T/j" -q -o cat --no-pager _TRANSPORT=kernel | wc -l)" -eq 10 ]
  run journalctl --directory "$T/j" -q -o cat --no-pager MESSAGE_ID=a596d6fe7bfa4994828e72309e95d61e
  assert_output 'Suppressed 1234 messages from postfix@-.service'
  run journalctl --directory "$T/j" -q -o verbose --no-pager N_DROPPED=1234
  assert_output --partial 'SYSLOG_IDENTIFIER=systemd-journald'
  assert_output --partial '_TRANSPORT=driver'
  # the look-alike from another program: Postfix's text, not Postfix's identifier
  run journalctl --directory "$T/j" -q -o cat --no-pager SYSLOG_IDENTIFIER=root -n 1
  assert_output --partial 'SASL LOGIN authentication failed'
  # --no-unit: none at all
  jr_make "$T/k" --no-unit <"$T/in.log"
  [ -z "$(journalctl --directory "$T/k" -q -o cat --no-pager _SYSTEMD_UNIT=postfix@-.service)" ]
}

@test "journal: binary messages (NUL, invalid UTF-8) and an embedded newline survive" {
  "$GENLOG" --lines 100 --seed 9 --format rfc3339 >"$T/in.log" 2>/dev/null
  jr_make "$T/j" --binary-message-every 25 --newline-message <"$T/in.log"
  [ "$(journalctl --directory "$T/j" -q -o cat --no-pager | grep -c .)" -ge 105 ]
  run message_bytes "$T/j" --grep 'binary message'
  [ "${#lines[@]}" -eq 4 ]
  # 'warning: binary message #1: NUL' 00 ' bad UTF-8' ff fe c3 28 ' end'
  want=$(printf 'warning: binary message #1: NUL\0 bad UTF-8\377\376\303( end' | od -An -tx1 | tr -d ' \n')
  assert_line --index 0 "50 $want $(printf '\377\376\303( end' | od -An -tx1 | tr -d ' \n')"
  # journalctl shows such a message as a blob unless --all
  run journalctl --directory "$T/j" -q --no-pager -o short-iso --grep 'binary message #2'
  [ "$status" -ne 0 ] || [[ $output != *NUL* ]]
  # the newline: one entry, two lines of text, the forged second line in it
  run journalctl --directory "$T/j" -q --no-pager -o cat --grep 'embedded newline'
  assert_line --index 0 'warning: embedded newline follows'
  assert_line --index 1 --partial 'postfix/smtpd[4243]: warning: unknown[192.0.2.254]: SASL LOGIN authentication failed'
  [ "${#lines[@]}" -eq 2 ]
}

@test "journal: a message over 64 KiB survives whole" {
  "$GENLOG" --lines 40 --seed 10 --format rfc3339 >"$T/in.log" 2>/dev/null
  jr_make "$T/j" --long-message 100000 <"$T/in.log"
  run message_bytes "$T/j" SYSLOG_IDENTIFIER=postfix/cleanup SYSLOG_PID=4242
  [ "${#lines[@]}" -eq 1 ]
  # 100,000 bytes: 'warning: long message: ', the digits 0-9 over and over, ' END'
  want=$(python3 -c '
m = b"warning: long message: "
m += (b"0123456789" * 10000)[:100000 - len(m) - 4] + b" END"
print(len(m), m[:64].hex(), m[-8:].hex())')
  assert_output "$want"
}

@test "journal: two boots" {
  "$GENLOG" --lines 600 --seed 11 --format rfc3339 >"$T/in.log" 2>/dev/null
  jr_make "$T/j" --boot-every 400 <"$T/in.log"
  run journalctl --directory "$T/j" --list-boots --no-pager
  [ "${#lines[@]}" -eq 3 ]  # a header line and two boots
  boots=$(journalctl --directory "$T/j" -o json --no-pager | python3 -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["_BOOT_ID"] for l in sys.stdin)
print(" ".join(str(n) for _, n in sorted(c.items(), key=lambda x: -x[1])))')
  [ "$boots" = "400 200" ]
  [ "$(journalctl --directory "$T/j" -b 0 -q -o cat --no-pager | wc -l)" -eq 200 ]
  [ "$(journalctl --directory "$T/j" -b -1 -q -o cat --no-pager | wc -l)" -eq 400 ]
  # all the lines still in time order
  precise "$T/j" | cmp - "$T/in.log"
}

@test "journal: rotation (both ways): journalctl --directory reads the files in time order" {
  "$GENLOG" --lines 4000 --seed 12 --format rfc3339 --hosts 2 >"$T/in.log" 2>/dev/null
  head -n 1500 "$T/in.log" >"$T/1.log"
  sed -n '1501,2800p' "$T/in.log" >"$T/2.log"
  tail -n +2801 "$T/in.log" >"$T/3.log"
  for how in archive new; do
    D=$T/$how
    jr_make "$D" <"$T/1.log"
    JR_ROTATE=$how jr_append "$D" <"$T/2.log"
    JR_ROTATE=$how jr_append "$D" <"$T/3.log"
    [ "$(ls "$D"/*.journal | wc -l)" -eq 3 ]
    [ "$(ls "$D" | grep -cE '^system@[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{16}\.journal$')" -eq 2 ]
    precise "$D" | cmp - "$T/in.log"
    # the files, oldest head first, hold the three parts in order
    i=0
    for f in $(jr_files "$D"); do
      i=$((i + 1))
      journalctl --file "$f" -o short-iso-precise --no-pager | sed -E 's/^([^ ]+)\+0000 /\1+00:00 /' |
        cmp - "$T/$i.log"
    done
    [ "$i" = 3 ]
  done
  # archive: the newest entries are in system.journal, as after journald's rotation
  [ "$(journalctl --file "$T/archive/system.journal" -q -o cat --no-pager | wc -l)" -eq 1200 ]
  # new: system.journal keeps the oldest
  [ "$(journalctl --file "$T/new/system.journal" -q -o cat --no-pager | wc -l)" -eq 1500 ]
  # and the journal grows in place
  printf '2026-02-01T00:00:00.000000+00:00 mx1 postfix/smtpd[1]: grown\n' >"$T/4.log"
  jr_grow "$T/archive" <"$T/4.log"
  run jr_lines "$T/archive" -n 1
  assert_output '2026-02-01T00:00:00+0000 mx1 postfix/smtpd[1]: grown'
}

@test "journal: vacuum deletes the oldest file, the oldest entries go with it" {
  "$GENLOG" --lines 3000 --seed 13 --format rfc3339 >"$T/in.log" 2>/dev/null
  head -n 1000 "$T/in.log" >"$T/1.log"
  tail -n +1001 "$T/in.log" >"$T/2.log"
  jr_make "$T/j" <"$T/1.log"
  jr_append "$T/j" <"$T/2.log"
  oldest=$(jr_files "$T/j" | head -n 1)
  [[ $oldest == "$T/j/system@"* ]]
  run jr_vacuum "$T/j"
  assert_output "$oldest"
  [ ! -e "$oldest" ]
  precise "$T/j" | cmp - "$T/2.log"
  [ "$(jr_files "$T/j")" = "$T/j/system.journal" ]
  # a second vacuum leaves nothing; a third has nothing to delete
  jr_vacuum "$T/j"
  [ -z "$(journalctl --directory "$T/j" -q -o cat --no-pager)" ]
  run jr_vacuum "$T/j"
  [ "$status" -ne 0 ]
}

@test "journal: helpers fail loudly" {
  run jr_make "$T/j" --no-such-option </dev/null
  [ "$status" -ne 0 ]
  assert_output --partial 'log2journal'
  printf '2026-01-01T00:00:00Z mx1 postfix/smtpd[1]: x\n' | jr_make "$T/j"
  run jr_make "$T/j" </dev/null
  [ "$status" -ne 0 ]
  assert_output --partial 'already holds journal files'
  run jr_grow "$T/none" </dev/null
  [ "$status" -ne 0 ]
}
