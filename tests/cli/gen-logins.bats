#!/usr/bin/env bats
# bench/gen-logins: the month of SMTP AUTH logins with planted compromise
# cases, and tests/data/logins/check-planted. The generator alone: its truth
# must describe its log exactly (the detector's own tests use both).

load test_helper

GEN="$MLS_SRCDIR/bench/gen-logins"
CHECK="$MLS_SRCDIR/tests/data/logins/check-planted"
FAILED=': SASL [A-Za-z0-9-]* authentication failed: '
SUCCEEDED=': client=[^ ]*, sasl_method=[A-Za-z0-9-]*, sasl_username='

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

# truth KEY FILE: a number of the truth's "counts"
truth() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))["counts"][sys.argv[1]])' "$1" "$2"; }

@test "gen-logins: same seed, same bytes; another seed, another month" {
  "$GEN" --seed 7 --days 12 --users 60 --truth "$T/a.json" --out "$T/a" 2>"$T/a.err"
  "$GEN" --seed 7 --days 12 --users 60 --truth "$T/b.json" >"$T/b" 2>"$T/b.err"
  cmp "$T/a" "$T/b"
  cmp "$T/a.json" "$T/b.json"
  cmp "$T/a.err" "$T/b.err"
  "$GEN" --seed 8 --days 12 --users 60 --truth "$T/c.json" --out "$T/c" 2>/dev/null
  ! cmp -s "$T/a" "$T/c"
}

@test "gen-logins: the truth's counts match the log; stamps in order, inside the month" {
  "$GEN" --truth "$T/truth.json" --out "$T/log" 2>"$T/err"
  export LC_ALL=C
  [ "$(truth lines "$T/truth.json")" -eq "$(wc -l <"$T/log")" ]
  [ "$(truth failures "$T/truth.json")" -eq "$(grep -c "$FAILED" "$T/log")" ]
  [ "$(truth successes "$T/truth.json")" -eq "$(grep -c "$SUCCEEDED" "$T/log")" ]
  grep -qx "lines=$(wc -l <"$T/log")" "$T/err"
  grep -qx "failures=$(grep -c "$FAILED" "$T/log")" "$T/err"
  # a month with real traffic on both sides
  [ "$(truth failures "$T/truth.json")" -gt 5000 ]
  [ "$(truth successes "$T/truth.json")" -gt 5000 ]
  cut -d' ' -f1 "$T/log" | sort -c
  head -1 "$T/log" | grep -q '^2026-11-01T[0-9:.]*+00:00 mx1 '
  tail -1 "$T/log" | grep -q '^2026-11-30T[0-9:.]*+00:00 mx1 '
  # every shape the detector must read, and none of the forbidden addresses
  for re in \
    'postfix/submission/smtpd\[' 'postfix/smtps/smtpd\[' ' postfix/smtpd\[' \
    "${FAILED}UGFzc3dvcmQ6, sasl_username=" "${FAILED}[^,]*\$" \
    '\]:[0-9]*: SASL ' '\]:[0-9]*, sasl_method=' 'unknown\[[0-9a-f]*:[0-9a-f:]*\]: SASL' \
    ': [0-9A-Za-z]*[a-z][0-9A-Za-z]*: client=[^ ]*, sasl_method=' \
    ': [0-9A-F]\{10\}: client=[^ ]*, sasl_method=' \
    ' connect from ' ' disconnect from ' 'postfix/smtp\[[0-9]*\]: [^ ]*: to=<' \
    'postfix/cleanup\[' ': client=[^ ,]*$'
  do
    grep -q -e "$re" "$T/log" || { echo "missing: $re"; return 1; }
  done
  ! grep -q -e '\[127\.' -e '\[::1\]' "$T/log"
}

@test "gen-logins: the planted cases as announced" {
  "$GEN" --seed 3 --truth "$T/truth.json" --out "$T/log" 2>"$T/err"
  grep -qx 'cases_high=12' "$T/err"
  grep -qx 'cases_low=10' "$T/err"
  run python3 - "$T/truth.json" "$T/log" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
log = open(sys.argv[2], encoding="utf-8").read()
assert (t["start"], t["days"], t["lookback_days"]) == ("2026-11-01", 30, 30), t
kinds = sorted(",".join(c["kinds"]) + " " + c["severity"] for c in t["cases"])
assert kinds == sorted(["address low"] * 10 + ["address high"] * 5 + ["account high"] * 5
                       + ["address,account high"] * 2), kinds
pairs = {(c["ip"], c["user"]) for c in t["cases"]}
assert len(pairs) == len(t["cases"]), "a pair planted twice"
# sorted: high first, then by login; each login is a success line of the pair
order = [(c["severity"] != "high", c["login"]) for c in t["cases"]]
assert order == sorted(order), order
for c in t["cases"]:
    assert "%s mx1 " % c["login"] in log, c
    line = log.split("%s mx1 " % c["login"], 1)[1].split("\n", 1)[0]
    assert "[%s]" % c["ip"] in line and line.endswith("sasl_username=" + c["user"]), line
print("ok")
EOF
  assert_success
  assert_output ok
}

@test "check-planted: a report with the planted cases passes, any difference fails" {
  "$GEN" --seed 5 --days 15 --users 50 --truth "$T/truth.json" --out "$T/log" 2>/dev/null
  # A report as the detector would write it, IPv6 spelt out in full, kinds
  # reversed, stamps to the second; then the same with one case changed.
  python3 - "$T/truth.json" "$T" <<'EOF'
import ipaddress, json, sys
t = json.load(open(sys.argv[1]))
cases = [{"severity": c["severity"], "kinds": c["kinds"][::-1],
          "ip": ipaddress.ip_address(c["ip"]).exploded, "user": c["user"],
          "first_login": c["login"][:19] + "+00:00", "count": 1} for c in t["cases"]]
def write(name, cases):
    high = sum(c["severity"] == "high" for c in cases)
    json.dump({"logins_after_failures": {"lookback_days": 30, "high": high,
               "low": len(cases) - high, "cases": cases}}, open(sys.argv[2] + name, "w"))
write("/good.json", cases)
cases[0] = dict(cases[0], severity="low")
write("/bad.json", cases)
EOF
  run "$CHECK" "$T/truth.json" "$T/good.json"
  assert_success
  assert_output 'ok: 12 high and 10 low cases, as planted'
  run "$CHECK" "$T/truth.json" "$T/bad.json"
  [ "$status" -eq 1 ]
  assert_output --partial 'different: '
  run "$CHECK" "$T/truth.json"
  [ "$status" -eq 2 ]
}

@test "gen-logins: bad arguments are usage errors" {
  run "$GEN" --out "$T/log"
  [ "$status" -eq 2 ]
  assert_output --partial 'the following arguments are required: --truth'
  run "$GEN" --truth "$T/t.json" --start yesterday
  [ "$status" -eq 2 ]
  assert_output --partial 'expected YYYY-MM-DD'
  run "$GEN" --truth "$T/t.json" --start 2026-02-30
  [ "$status" -eq 2 ]
  assert_output --partial 'not a valid date'
  run "$GEN" --truth "$T/t.json" --days 5
  [ "$status" -eq 2 ]
  assert_output --partial '--days must be within'
  run "$GEN" --truth "$T/t.json" --users 10
  [ "$status" -eq 2 ]
  assert_output --partial '--users must be within'
  run "$GEN" --truth "$T/t.json" --seed x
  [ "$status" -eq 2 ]
  [ ! -e "$T/t.json" ]
}
