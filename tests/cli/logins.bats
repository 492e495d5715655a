#!/usr/bin/env bats
# Logins after failures, end to end: a generated month with planted compromise
# cases (bench/gen-logins; it checks its own truth) through the driver, then
# mls-report. Every planted case is found, nothing else is; the failures'
# dataset is byte for byte what it is without tracking logins.

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

GEN="$MLS_SRCDIR/bench/gen-logins"
CHECK="$MLS_SRCDIR/tests/data/logins/check-planted"

setup() {
  drv_scratch # its config keeps logins 3650 days: the generated month is in the past
  export TZ=UTC
  grep -qx 'retention_days = 3650' "$T/conf"
}
teardown() { mls_scratch_cleanup; }

# truth KEY: a number of the truth's "counts"
truth() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))["counts"][sys.argv[1]])' "$1" "$T/truth.json"; }

@test "logins: a generated month: every planted case found and nothing else; the failures unchanged" {
  "$GEN" --truth "$T/truth.json" --out "$T/log/mail.log" 2>/dev/null
  give_to_user "$T"
  run drv_run
  assert_success
  # Every failure in the failures' dataset, every success in the logins'.
  [ "$(drv_rows "$T/work/maillogsentinel.csv")" -eq "$(truth failures)" ]
  [ "$(drv_rows "$T/work/maillogsentinel-logins.csv")" -eq "$(truth successes)" ]
  grep -q "committed: $(truth lines) new lines read, $(truth failures) events stored, $(truth successes) logins stored" \
    "$T/work/maillogsentinel.log"
  # The month's report (the generator's month starts 2026-11-01).
  report() { mls-report --config "$T/conf" --since 2026-11-01T00:00:00 --until 2026-12-01T00:00:00 "$@"; }
  report --format json >"$T/r.json"
  run "$CHECK" "$T/truth.json" "$T/r.json"
  echo "$output"
  assert_success
  assert_output --regexp '^ok: [0-9]+ high and [0-9]+ low cases, as planted$'
  # The line-per-case form says the same, and exit status 3: a high case.
  run -3 report --format logins
  [ "${#lines[@]}" -eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$T/truth.json")" ]
  [[ "${lines[0]}" == high$'\t'* ]]
  # The text report starts with them, before the statistics.
  report >"$T/r.txt"
  run grep -n -m1 -e '^LOGINS AFTER FAILURES' -e '^SUMMARY' "$T/r.txt"
  assert_output --regexp '^[0-9]+:LOGINS AFTER FAILURES'
  # The same month without tracking logins: the failures' dataset is the same bytes.
  mkdir "$T/w2" "$T/s2"
  sed "s|$T/work|$T/w2|; s|$T/state|$T/s2|; s|^retention_days = 3650\$|&\ntrack = no|" "$T/conf" >"$T/conf2"
  grep -qx 'track = no' "$T/conf2"
  give_to_user "$T"
  run as_user maillogsentinel --config "$T/conf2"
  assert_success
  cmp "$T/work/maillogsentinel.csv" "$T/w2/maillogsentinel.csv"
  [ ! -e "$T/w2/maillogsentinel-logins.csv" ]
  run mls-report --config "$T/conf2" --since 2026-11-01T00:00:00 --until 2026-12-01T00:00:00 --format json
  python3 -c 'import json,sys; l=json.loads(sys.argv[1])["logins_after_failures"]; assert not l["tracked"] and not l["cases"], l' "$output"
}

@test "logins: the mail's subject says ALERT; a tampered logins file is refused by the failures' reader" {
  "$GEN" --days 10 --users 40 --truth "$T/truth.json" --out "$T/log/mail.log" 2>/dev/null
  give_to_user "$T"
  drv_run
  mls-report --config "$T/conf" --since 2026-11-01T00:00:00 --until 2026-11-11T00:00:00 \
    --send --dry-run --to postmaster@example.org >"$T/mail"
  run grep -m1 '^Subject: ' "$T/mail"
  assert_output --regexp '^Subject: .*: ALERT [0-9]+ logins after failures, [0-9]+ SASL$'
  # The HTML form: the high cases highlighted, before the summary tiles.
  mls-report --config "$T/conf" --since 2026-11-01T00:00:00 --until 2026-11-11T00:00:00 \
    --format html >"$T/r.html"
  [ "$(grep -o 'class="login-high"' "$T/r.html" | wc -l)" -eq \
    "$(python3 -c 'import json,sys; print(sum(c["severity"] == "high" for c in json.load(open(sys.argv[1]))["cases"]))' "$T/truth.json")" ]
  python3 - "$T/r.html" <<'PY'
import sys
h = open(sys.argv[1]).read()
assert h.index('id="logins-after-failures"') < h.index('id="summary"')
PY
  # A reader of failures never takes the logins for failures.
  run mls-report --csv "$T/work/maillogsentinel-logins.csv" --format json
  assert_failure 1
  assert_output --partial "line 1: the logins' dataset, not the failures'"
  run mls-store --csv "$T/work/maillogsentinel-logins.csv" </dev/null
  assert_failure 1
  assert_output --partial "the logins' dataset, not the failures'; refusing to append"
}
