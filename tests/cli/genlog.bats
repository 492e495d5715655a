#!/usr/bin/env bats
# bench/genlog: the deterministic mail.log generator the benchmarks and
# sample data rely on. Its stderr counts must be exact.

load test_helper

GENLOG="$MLS_SRCDIR/bench/genlog"
FAILED=': SASL [A-Za-z0-9-]* authentication failed: '

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

# count KEY FILE: the value of KEY=N in a genlog stderr file
count() { sed -n "s/^$1=//p" "$2"; }

@test "genlog: same arguments give byte-identical output" {
  "$GENLOG" --lines 20000 --seed 42 --hosts 3 >"$T/a" 2>"$T/a.err"
  "$GENLOG" --lines 20000 --seed 42 --hosts 3 >"$T/b" 2>"$T/b.err"
  cmp "$T/a" "$T/b"
  cmp "$T/a.err" "$T/b.err"
  "$GENLOG" --lines 5000 --seed 42 --format rfc3339 --ipv6-ratio 0.5 >"$T/c"
  "$GENLOG" --lines 5000 --seed 42 --format rfc3339 --ipv6-ratio 0.5 >"$T/d"
  cmp "$T/c" "$T/d"
}

@test "genlog: a different seed gives different output" {
  "$GENLOG" --lines 2000 --seed 1 >"$T/a" 2>/dev/null
  "$GENLOG" --lines 2000 --seed 2 >"$T/b" 2>/dev/null
  ! cmp -s "$T/a" "$T/b"
}

@test "genlog: writes exactly N lines" {
  for n in 0 1 7 12345; do
    "$GENLOG" --lines "$n" --seed 3 >"$T/out" 2>/dev/null
    [ "$(wc -l <"$T/out")" -eq "$n" ]
    # every line is complete
    [ "$n" = 0 ] || [ "$(tail -c1 "$T/out" | od -An -c | tr -d ' ')" = '\n' ]
  done
}

@test "genlog: stderr counts match grep (bsd, 1 host)" {
  "$GENLOG" --lines 100000 --seed 5 --stats >"$T/log" 2>"$T/err"
  export LC_ALL=C
  [ "$(count sasl_failures "$T/err")" -eq "$(grep -c "$FAILED" "$T/log")" ]
  [ "$(count outages "$T/err")" -eq \
    "$(grep -c "${FAILED}Connection lost to authentication server" "$T/log")" ]
  [ "$(count events "$T/err")" -eq \
    "$(grep "$FAILED" "$T/log" | grep -vc 'failed: Connection lost to authentication server')" ]
  [ "$(count aborted "$T/err")" -eq \
    "$(grep -c ': SASL [A-Za-z0-9-]* authentication aborted$' "$T/log")" ]
  [ "$(count lines "$T/err")" -eq 100000 ]
  # a realistic share of failures (default --fail-ratio 0.02)
  s=$(count sasl_failures "$T/err")
  [ "$s" -gt 1500 ] && [ "$s" -lt 2500 ]
}

@test "genlog: stderr counts match grep (rfc3339, 4 hosts, ports, IPv6)" {
  "$GENLOG" --lines 50000 --seed 9 --format rfc3339 --hosts 4 --ipv6-ratio 0.3 \
    --fail-ratio 0.1 --stats >"$T/log" 2>"$T/err"
  export LC_ALL=C
  [ "$(count sasl_failures "$T/err")" -eq "$(grep -c "$FAILED" "$T/log")" ]
  [ "$(count outages "$T/err")" -eq \
    "$(grep -c "${FAILED}Connection lost to authentication server" "$T/log")" ]
  [ "$(count events_ipv6 "$T/err")" -eq \
    "$(grep "$FAILED" "$T/log" | grep -v 'Connection lost to auth' | grep -c '\[[0-9a-f:]*:[0-9a-f:]*\]')" ]
  # port logging on mx2 and mx4 only; multi-instance tags on mx3
  grep -q " mx2 postfix/[a-z/]*smtpd\[[0-9]*\]: warning: [^ ]*\]:[0-9]*: SASL" "$T/log"
  ! grep -q " mx1 [^ ]*smtpd\[[0-9]*\]: connect from [^ ]*\]:[0-9]" "$T/log"
  grep -q " mx3 postfix-in/smtpd\[" "$T/log"
}

@test "genlog: time stamps never go backwards" {
  "$GENLOG" --lines 30000 --seed 11 --format rfc3339 --hosts 2 >"$T/log" 2>/dev/null
  cut -d' ' -f1 "$T/log" | LC_ALL=C sort -c
}

@test "genlog: BSD stamps roll over the year; postlog pads the day with a zero" {
  "$GENLOG" --lines 4000 --seed 1 --start 2026-12-31T23:55:00 >"$T/log" 2>/dev/null
  head -1 "$T/log" | grep -q '^Dec 31 23:55:'
  grep -q '^Jan  1 00:0' "$T/log"
  # once January starts, December never comes back
  [ "$(sed -n '/^Jan/,$p' "$T/log" | grep -c '^Dec')" -eq 0 ]
  "$GENLOG" --lines 3000 --seed 1 --format postlog --start 2026-03-01T23:58:00 >"$T/pl" 2>/dev/null
  grep -q '^Mar 02 00:0' "$T/pl"
  "$GENLOG" --lines 3000 --seed 1 --start 2026-03-01T23:58:00 >"$T/bsd" 2>/dev/null
  grep -q '^Mar  2 00:0' "$T/bsd"
}

@test "genlog: the log holds every shape the parser must know" {
  "$GENLOG" --lines 300000 --seed 1 --hosts 2 >"$T/log" 2>/dev/null
  export LC_ALL=C
  for re in \
    'SASL LOGIN authentication failed: UGFzc3dvcmQ6$' \
    'SASL PLAIN authentication failed: $' \
    'authentication failed: (reason unavailable), sasl_username=' \
    'authentication failed: authentication failure$' \
    'authentication failed: authentication failure, sasl_username=' \
    'SASL CRAM-MD5 authentication failed: Invalid authentication mechanism' \
    'authentication failed: Connection lost to authentication server' \
    'sasl_username=(unavailable)$' \
    'SASL login authentication failed' 'SASL Plain authentication failed' \
    'SASL LOGIN authentication aborted$' \
    'warning: SASL authentication failure: ' \
    'lost connection after AUTH from ' 'too many errors after AUTH from ' \
    'auth=0/[0-9]' 'auth=1 ' 'client=[^ ]*, sasl_method=[A-Z]*, sasl_username=' \
    'NOQUEUE: reject: RCPT from ' 'postfix/submission/smtpd\[' 'postfix/smtps/smtpd\[' \
    'postfix/smtp\[[0-9]*\]: [0-9A-F]*: to=<' 'postfix/smtp\[[0-9]*\]: [0-9A-F]*: SASL authentication failed; ' \
    'postfix/qmgr\[' 'postfix/cleanup\[' 'postfix/local\[' 'postfix/postscreen\[' \
    'postfix/anvil\[[0-9]*\]: statistics: .* at [A-Z][a-z][a-z] [ 1-3][0-9] ' \
    ' dovecot: imap-login: Login: ' ' dovecot: auth: ' \
    ' unknown\[[0-9.]*\]' ' unknown\[[0-9a-f:]*\]' \
    '[a-z]\[[0-9a-f]*:[0-9a-f:]*\]: SASL' \
    ' [0-9]*\.[0-9]*\.[0-9]*\.[0-9]*\.[a-z.-]*\[[0-9.]*\]: SASL' \
    '\]:[0-9]*: SASL [A-Za-z0-9-]* authentication failed: '
  do
    grep -q -e "$re" "$T/log" || { echo "missing: $re"; return 1; }
  done
}

@test "genlog: bad arguments are usage errors" {
  run "$GENLOG" --seed 1
  [ "$status" -eq 2 ]
  run "$GENLOG" --lines 10 --seed 1 --format json
  [ "$status" -eq 2 ]
  run "$GENLOG" --lines 10 --seed 1 --start yesterday
  [ "$status" -eq 2 ]
  assert_output --partial 'expected YYYY-MM-DDTHH:MM:SS'
}
