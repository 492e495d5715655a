#!/usr/bin/env bats
# mls-anonymize: the anonymised log gives mls-parse the same events (methods,
# ports, reasons, services, times) and mls-report the same totals and list
# shapes; no address, user name, e-mail address or host name of the original
# is left; same key, same output; --dataset uses the log's pseudonyms; any
# bytes in, nothing crashes and nothing leaks; bad keys and patterns refused.

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

setup() {
  mls_scratch
  head -c 32 /dev/urandom >"$T/key"
  head -c 32 /dev/urandom >"$T/key2"
}
teardown() { mls_scratch_cleanup; }

REF=--reference-time=2026-12-01T00:00:00Z
parse() { mls-parse "$REF" --include-aborted "$@" 2>/dev/null; }

# logs: the logs to prove it on: ours, the shared real captures when there, a
# generated one (every kind of Postfix line, IPv4 and IPv6).
logs() {
  echo "$MLS_SRCDIR/tests/data/postfix-real-maillog.log"
  echo "$MLS_SRCDIR/tests/data/sample-mail.log"
  local f
  for f in postfix/real-maillog_file.log postfix/real-rsyslog.log upstream/sample_sasl.log; do
    [ -f "$SHARED_TESTDATA/$f" ] && echo "$SHARED_TESTDATA/$f"
  done
  "$GENLOG" --lines 20000 --seed 5 --ipv6-ratio 0.3 >"$T/gen.log" 2>/dev/null
  echo "$T/gen.log"
}

# The values of column N (1-based) of mls-parse's TSV, sorted.
col() { cut -f "$1" | sort; }

# report CSV: the report's numbers and list shapes (not the names in them).
shape() {
  mls-report --csv "$1" --format json --top 1000 --since 2000-01-01T00:00:00 \
    --until 2100-01-01T00:00:00 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("total", d["total"], "ips", d["distinct_ips"], "users", d["distinct_users"], "no_user", d["no_user"])
for k in ("top_auth", "top_users", "top_ips", "brute_force", "spraying"):
    print(k, sorted(e["count"] for e in d[k]))
print("new_ips", d["new_ips"]["count"])
'
}

@test "the anonymised logs give mls-parse the same events and mls-report the same shape" {
  local log n=0
  while read -r log; do
    mls-anonymize --key "$T/key" "$log" >"$T/anon.log"
    [ "$(wc -l <"$log")" = "$(wc -l <"$T/anon.log")" ]
    parse "$log" >"$T/a.tsv"
    parse "$T/anon.log" >"$T/b.tsv"
    [ "$(wc -l <"$T/a.tsv")" = "$(wc -l <"$T/b.tsv")" ]
    [ -s "$T/a.tsv" ] && n=$((n + 1))
    # time, method, port, service, reason: the same, line for line
    diff <(cut -f 1,5,7,8,9 "$T/a.tsv") <(cut -f 1,5,7,8,9 "$T/b.tsv")
    # as many distinct addresses, users and clients; none of them kept
    for c in 3 4 6; do
      [ "$(cut -f $c "$T/a.tsv" | sort -u | wc -l)" = "$(cut -f $c "$T/b.tsv" | sort -u | wc -l)" ]
    done
    rm -f "$T/a.csv" "$T/b.csv"
    mls-store --csv "$T/a.csv" <"$T/a.tsv"
    mls-store --csv "$T/b.csv" <"$T/b.tsv"
    diff <(shape "$T/a.csv") <(shape "$T/b.csv")
  done < <(logs)
  [ "$n" -ge 3 ]
}

@test "no address, user name, e-mail address or host name of the original is left" {
  local log
  while read -r log; do
    mls-anonymize --key "$T/key" "$log" >"$T/anon.log"
    parse "$log" >"$T/a.tsv"
    {
      cut -f 3,4 "$T/a.tsv" | tr '\t' '\n'                                  # addresses, users
      cut -f 6 "$T/a.tsv" | grep -vx unknown                                  # client names
      grep -oE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' "$log"       # e-mail addresses
      grep -oE '[0-9]{1,3}(\.[0-9]{1,3}){3}' "$log" | grep -vE '^(3\.7\.11|2\.3\.19\.1)$'
      grep -oE '[A-Za-z0-9.-]+\[[0-9a-fA-F]*[.:][0-9a-fA-F.:]*\]' "$log" | sed 's/\[.*//' | grep -vx unknown
      grep -oE 'helo=<[^>]*>' "$log" | sed 's/^helo=<//; s/>$//'
    } | grep -v '^$' | sort -u >"$T/secrets"
    [ -s "$T/secrets" ]
    # Each one, as a word of its own, must be gone. Values of 3 bytes or less
    # (a user "bob") and the attackers' user names that are also words of
    # Postfix's and Dovecot's own messages ("smtp" as in postfix/smtp, "mail" as in mail=1, "user"
    # as in user=<...>, "User" as in "User unknown") can be there for that
    # reason alone: those are checked in the parsed columns below.
    awk 'length($0) > 3' "$T/secrets" | grep -vxF -e smtp -e user -e User -e mail >"$T/long"
    # (The pseudonyms themselves set aside: a user called "user" is not in "user-3f9a...".)
    sed -E 's/(user|redacted)-[0-9a-f]{12,}|example-[0-9a-f]{12,}\.invalid/P/g' "$T/anon.log" >"$T/rest"
    run grep -n -w -F -f "$T/long" "$T/rest"
    [ "$status" = 1 ] || { echo "left in $log:"; echo "$output" | head; false; }
    parse "$T/anon.log" >"$T/b.tsv"
    ! cut -f 4 "$T/b.tsv" | grep -v '^$' | grep -vE '^user-[0-9a-f]{12,}(@example-[0-9a-f]{12,}\.invalid)?$'
    ! cut -f 6 "$T/b.tsv" | grep -vE '^(unknown|example-[0-9a-f]{12,}\.invalid)$'
  done < <(logs)
}

@test "same key, same output; another key or none, other pseudonyms; families kept; prefixes with --prefix-preserving" {
  local log=$MLS_SRCDIR/tests/data/postfix-real-maillog.log
  mls-anonymize --key "$T/key" "$log" >"$T/1"
  mls-anonymize --key "$T/key" <"$log" >"$T/2"
  cmp "$T/1" "$T/2"
  mls-anonymize --key "$T/key2" "$log" >"$T/3"
  mls-anonymize "$log" >"$T/4"
  mls-anonymize "$log" >"$T/5"
  ! cmp -s "$T/1" "$T/3"
  ! cmp -s "$T/4" "$T/5"
  # IPv4 stays IPv4, IPv6 stays IPv6
  parse "$log" | cut -f 3 >"$T/ips.a"
  parse "$T/1" | cut -f 3 >"$T/ips.b"
  [ "$(grep -c : "$T/ips.a")" = "$(grep -c : "$T/ips.b")" ]
  paste "$T/ips.a" "$T/ips.b" | awk '{ if ((index($1, ":") > 0) != (index($2, ":") > 0)) exit 1 }'
  # Two addresses of one /24 (one /64) share it with --prefix-preserving only.
  printf 'a 192.0.2.10 b 192.0.2.77 c 2001:db8:1:2::5 d 2001:db8:1:2:ffff::9\n' >"$T/p.log"
  read -r _ a _ b _ c _ d < <(mls-anonymize --key "$T/key" --prefix-preserving "$T/p.log")
  [ "${a%.*}" = "${b%.*}" ]
  [ "$(printf '%s' "$c" | cut -d: -f1-4)" = "$(printf '%s' "$d" | cut -d: -f1-4)" ]
  read -r _ a _ b _ < <(mls-anonymize --key "$T/key" "$T/p.log")
  [ "${a%.*}" != "${b%.*}" ]
}

@test "--dataset: the same pseudonyms as the log under the same key, through the dataset format" {
  local log=$T/gen.log
  "$GENLOG" --lines 5000 --seed 9 --ipv6-ratio 0.3 >"$log" 2>/dev/null
  # The dataset of the anonymised log ...
  mls-anonymize --key "$T/key" "$log" | parse | mls-store --csv "$T/from-log.csv"
  # ... is the anonymised dataset of the log.
  parse "$log" | mls-store --csv "$T/orig.csv"
  mls-anonymize --key "$T/key" --dataset "$T/orig.csv" >"$T/anon.csv"
  [ "$(wc -l <"$T/anon.csv")" -gt 50 ]
  cmp "$T/from-log.csv" "$T/anon.csv"
  # and mls-report reads it
  [ "$(shape "$T/anon.csv")" = "$(shape "$T/orig.csv")" ]
}

@test "--map writes the mapping (0600) for the owner; nothing without it" {
  local log=$MLS_SRCDIR/tests/data/postfix-real-maillog.log
  ( cd "$T" && mls-anonymize --key key "$log" >/dev/null && [ -z "$(ls "$T" | grep -v '^key')" ] )
  mls-anonymize --key "$T/key" --map "$T/map.tsv" "$log" >"$T/anon.log"
  [ "$(stat -c %a "$T/map.tsv")" = 600 ]
  # Every mapped value's pseudonym is what the log got.
  grep -q "^ip	127.0.0.2	" "$T/map.tsv"
  pseudo=$(awk -F'\t' '$1 == "ip" && $2 == "127.0.0.2" { print $3 }' "$T/map.tsv")
  grep -qF "unknown[$pseudo]" "$T/anon.log"
  grep -q "^user	admin	user-" "$T/map.tsv"
  grep -q "^domain	test.local	example-" "$T/map.tsv"
}

@test "any bytes in: nothing crashes, no address or host name in the garbage survives; gzip in" {
  head -c 2000000 /dev/urandom >"$T/noise"
  printf '\xff\xfe 198.51.100.77\r\x00 mail.victim.example \xc3\n' >>"$T/noise"
  printf 'x\n%*s\n' 70000 '' | tr ' ' 'a' >>"$T/noise"
  run mls-anonymize --key "$T/key" "$T/noise"
  assert_success
  mls-anonymize --key "$T/key" "$T/noise" >"$T/out"
  [ "$(wc -c <"$T/out")" -gt 1900000 ]
  ! grep -aq '198\.51\.100\.77' "$T/out"
  ! grep -aq 'mail\.victim\.example' "$T/out"
  # gzip, as a file and on standard input
  local log=$MLS_SRCDIR/tests/data/postfix-real-maillog.log
  gzip -c "$log" >"$T/l.gz"
  mls-anonymize --key "$T/key" "$log" >"$T/plain"
  mls-anonymize --key "$T/key" "$T/l.gz" | cmp - "$T/plain"
  mls-anonymize --key "$T/key" <"$T/l.gz" | cmp - "$T/plain"
  cat "$T/l.gz" | mls-anonymize --key "$T/key" | cmp - "$T/plain"
  # | head: stops at once, no complaint
  run bash -c "mls-anonymize --key '$T/key' '$T/noise' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
  [[ "$output" =~ ^(0|141)$ ]]
}

@test "bad key, bad pattern, unreadable input: a clear message and the right status" {
  printf 'short' >"$T/short"
  run mls-anonymize --key "$T/short" /dev/null
  assert_failure 2
  assert_output --partial "a key file holds at least 16 bytes"
  run mls-anonymize --key "$T/missing" /dev/null
  assert_failure 2
  assert_output --partial "$T/missing"
  run mls-anonymize --also '(' /dev/null
  assert_failure 2
  assert_output --partial "--also '(': not a regular expression"
  printf 'Jan  1 00:00:00 mx1 postfix/smtpd[1]: ticket-4711 from 192.0.2.1\n' >"$T/t.log"
  run mls-anonymize --key "$T/key" "$T/nope.log" "$T/t.log"
  assert_failure 1
  assert_output --partial "$T/nope.log: No such file or directory"
  assert_output --partial "postfix/smtpd[1]: ticket-4711 from "
  run mls-anonymize --key "$T/key" --also 'ticket-[0-9]+' "$T/t.log"
  assert_success
  refute_output --partial "ticket-4711"
  assert_output --partial "redacted-"
  printf 'not a dataset\n' >"$T/bad.csv"
  run mls-anonymize --dataset "$T/bad.csv"
  assert_failure 1
  assert_output --partial "not a maillogsentinel dataset"
}
