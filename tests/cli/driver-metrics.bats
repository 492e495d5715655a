#!/usr/bin/env bats
# The metrics file ([general] metrics_file, --metrics-file): after every
# extraction run, committed or failed, the driver writes Prometheus text
# exposition (node_exporter's textfile collector) atomically; counters add up
# over runs, a failed run keeps the time of the last success. The file is
# checked with promtool when it is installed, else with the strict validator
# below (the format's grammar, HELP and TYPE before the samples, no duplicate
# series, counters named *_total, float values).

bats_require_minimum_version 1.5.0

load test_helper
load driver_helper

setup() {
  drv_scratch
  mkdir -p "$T/prom"
  PROM="$T/prom/maillogsentinel.prom"
  sed -i "s|^log_level = .*|&\nmetrics_file = $PROM|" "$T/conf"
  give_to_user "$T"
  LOG="$T/work/maillogsentinel.log"
  CSV="$T/work/maillogsentinel.csv"
}
teardown() { mls_scratch_cleanup; }

# m SERIES: the value of one series ('name' or 'name{label="v"}').
m() { awk -v k="$1" '$1 == k { print $2 }' "$PROM"; }

# The op log's committed summaries, summed: "N new lines read", "N events stored".
log_lines() { sed -n 's/^.* INFO maillogsentinel: committed: \([0-9]*\) new lines read.*/\1/p' "$LOG" | awk '{ s += $1 } END { print s + 0 }'; }
log_events() { sed -n 's/^.* INFO maillogsentinel: committed: .* \([0-9]*\) events stored.*/\1/p' "$LOG" | awk '{ s += $1 } END { print s + 0 }'; }

# valid FILE: promtool check metrics when installed, else the strict validator.
valid() {
  if command -v promtool >/dev/null; then
    promtool check metrics <"$1"
  else
    valid_py "$1"
  fi
}

# valid_py FILE: the strict validator (also alone: it must reject broken files).
valid_py() {
  python3 - "$1" <<'PY'
import math, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "no final newline"
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample_re = re.compile(r"^(%s)(\{(?:%s(?:,%s)*)?,?\})? (\S+)(?: (-?[0-9]+))?$" % (name_re, label_re, label_re))
help_re = re.compile(r"^# HELP (%s) (.*)$" % name_re)
type_re = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % name_re)
helps, types, series, done, current = {}, {}, set(), set(), None
for n, line in enumerate(text.split("\n")[:-1], 1):
    where = "line %d: %r" % (n, line)
    if line.startswith("#"):
        m = help_re.match(line) or type_re.match(line)
        assert m, where + ": a comment that is not a valid # HELP or # TYPE"
        name = m.group(1)
        table = helps if line.startswith("# HELP") else types
        assert name not in table, where + ": a second " + line[:6]
        assert name not in done, where + ": after the metric's samples"
        table[name] = m.group(2)
        if current != name:
            if current: done.add(current)
            current = name
        continue
    m = sample_re.match(line)
    assert m, where + ": not a sample line"
    name, labels, value = m.group(1), m.group(2) or "", m.group(3)
    assert name == current, where + ": not after its own # HELP/# TYPE"
    assert name in helps and name in types, where + ": no HELP or TYPE before it"
    assert name.startswith("maillogsentinel_"), where + ": not our prefix"
    if types[name] == "counter":
        assert name.endswith("_total"), where + ": a counter not named *_total"
        assert float(value) >= 0, where + ": a negative counter"
    else:
        assert not name.endswith("_total"), where + ": a gauge named *_total"
    if value not in ("NaN", "+Inf", "-Inf"):
        assert math.isfinite(float(value)), where
    key = name + labels
    assert key not in series, where + ": a duplicate series"
    series.add(key)
assert series, "no samples"
print("ok: %d series" % len(series))
PY
}

# The file is valid and alone; its counts are the op log's summaries and the
# CSV's rows.
counts_match() {
  run -0 valid "$PROM"
  only_the_file
  [ "$(m maillogsentinel_lines_read_total)" = "$(log_lines)" ]
  [ "$(m maillogsentinel_events_stored_total)" = "$(drv_rows "$CSV")" ]
  [ "$(m maillogsentinel_events_stored_total)" = "$(log_events)" ]
}

# The directory holds the one file (no temporary left), mode 0644.
only_the_file() {
  [ "$(ls -A "$T/prom")" = "maillogsentinel.prom" ]
  [ "$(stat -c %a "$PROM")" = 644 ]
}

@test "metrics: a committed run writes the file with the run's counts, valid, alone in its directory" {
  drv_genlog --lines 5000 --seed 3 >"$T/log/mail.log" 2>/dev/null
  # One SASL backend outage in the lines read.
  printf '%s\n' '2026-01-01T02:00:00.000000+00:00 mx1 postfix/smtpd[4242]: warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: Connection lost to authentication server' >>"$T/log/mail.log"
  give_to_user "$T"
  before=$(date +%s)
  run -0 drv_run
  after=$(date +%s)
  counts_match
  [ "$(m maillogsentinel_lines_read_total)" = 5001 ]
  [ "$(m maillogsentinel_events_stored_total)" -gt 0 ]
  [ "$(m maillogsentinel_sasl_backend_outages_total)" = 1 ]
  grep -q ' INFO maillogsentinel: committed: .*, 1 SASL backend outage$' "$LOG"
  [ "$(m maillogsentinel_journal_suppressed_total)" = 0 ]
  # [dns] enabled = false: no answers, no cache hits; every status present.
  for s in ok nxdomain servfail timeout refused nodata error; do
    [ "$(m "maillogsentinel_dns_lookups_total{status=\"$s\"}")" = 0 ]
  done
  [ "$(m maillogsentinel_dns_cache_hits_total)" = 0 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 1 ]
  [ "$(m 'maillogsentinel_runs_total{result="failed"}')" = 0 ]
  [ "$(m maillogsentinel_last_run_failed)" = 0 ]
  t=$(m maillogsentinel_last_success_timestamp_seconds)
  [ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
  d=$(m maillogsentinel_last_run_duration_seconds)
  python3 -c "import sys; d = float(sys.argv[1]); assert 0 <= d < $((after - before + 2)), d" "$d"
  grep -q '^# TYPE maillogsentinel_last_run_duration_seconds gauge$' "$PROM"
  grep -q '^# HELP maillogsentinel_events_stored_total ' "$PROM"
}

@test "metrics: a second run with new lines adds to the counters" {
  drv_genlog --lines 6000 --seed 5 >"$T/all.log" 2>/dev/null
  head -n 4000 "$T/all.log" >"$T/log/mail.log"
  give_to_user "$T"
  run -0 drv_run
  first=$(m maillogsentinel_events_stored_total)
  t1=$(m maillogsentinel_last_success_timestamp_seconds)
  tail -n +4001 "$T/all.log" >>"$T/log/mail.log"
  sleep 1
  run -0 drv_run
  counts_match
  [ "$(m maillogsentinel_lines_read_total)" = 6000 ]
  [ "$(m maillogsentinel_events_stored_total)" -gt "$first" ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 2 ]
  [ "$(m maillogsentinel_last_success_timestamp_seconds)" -gt "$t1" ]
  # A run with nothing new: one more committed run, the counters unchanged.
  run -0 drv_run
  [ "$(m maillogsentinel_lines_read_total)" = 6000 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 3 ]
}

@test "metrics: failed runs (a failing stage, an unreadable mail log) count as failed and keep last_success" {
  drv_genlog --lines 3000 --seed 7 >"$T/log/mail.log" 2>/dev/null
  give_to_user "$T"
  run -0 drv_run
  t1=$(m maillogsentinel_last_success_timestamp_seconds)
  read1=$(m maillogsentinel_lines_read_total)  # not $lines: bats run sets it
  events=$(m maillogsentinel_events_stored_total)
  drv_genlog --lines 500 --seed 8 --start 2026-01-02T00:00:00 >>"$T/log/mail.log" 2>/dev/null
  # A stage that fails: a private copy of the driver finds the fake first.
  mkdir -p "$T/bin"
  cp "$MLS_BIN/maillogsentinel" "$T/bin/"
  printf '#!/bin/sh\necho "mls-parse: simulated breakage" >&2; cat >/dev/null; exit 3\n' >"$T/bin/mls-parse"
  chmod 0755 "$T/bin/mls-parse"
  give_to_user "$T"
  sleep 1
  run -1 as_user "$T/bin/maillogsentinel" --config "$T/conf"
  run -0 valid "$PROM"
  only_the_file
  [ "$(m maillogsentinel_last_run_failed)" = 1 ]
  [ "$(m 'maillogsentinel_runs_total{result="failed"}')" = 1 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 1 ]
  [ "$(m maillogsentinel_last_success_timestamp_seconds)" = "$t1" ]
  # Nothing of the rolled-back run is counted: the next run reads its lines.
  [ "$(m maillogsentinel_lines_read_total)" = "$read1" ]
  [ "$(m maillogsentinel_events_stored_total)" = "$events" ]
  # The mail log unreadable: a failure before any stage ran.
  chmod 000 "$T/log/mail.log"
  run -1 drv_run
  [ "$(m maillogsentinel_last_run_failed)" = 1 ]
  [ "$(m 'maillogsentinel_runs_total{result="failed"}')" = 2 ]
  [ "$(m maillogsentinel_last_success_timestamp_seconds)" = "$t1" ]
  # Readable again: the real stages commit, the flag goes back to 0.
  chmod 0644 "$T/log/mail.log"
  run -0 drv_run
  counts_match
  [ "$(m maillogsentinel_last_run_failed)" = 0 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 2 ]
  [ "$(m maillogsentinel_lines_read_total)" = 3500 ]
  [ "$(m maillogsentinel_last_success_timestamp_seconds)" -gt "$t1" ]
}

@test "metrics: --metrics-file overrides the config; a garbled previous file is a warning and starts at 0" {
  drv_genlog --lines 1000 --seed 9 >"$T/log/mail.log" 2>/dev/null
  OTHER="$T/prom/other.prom"
  printf 'maillogsentinel_lines_read_total 999999\n' >"$OTHER"
  give_to_user "$T"
  run -0 --separate-stderr drv_run --metrics-file "$OTHER"
  [[ "$stderr" == *"maillogsentinel: metrics: $OTHER: line 1: "*"; its counters start again at 0"* ]]
  [ ! -e "$PROM" ]
  PROM=$OTHER
  run -0 valid "$PROM"
  [ "$(m maillogsentinel_lines_read_total)" = 1000 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 1 ]
  [ "$(ls -A "$T/prom")" = "other.prom" ]
  grep -q " WARNING maillogsentinel: metrics: $OTHER: line 1: " "$LOG"
}

@test "metrics: --metrics-file is for the extraction only; --dry-run writes none" {
  run -2 drv_run --report --metrics-file "$T/x.prom"
  assert_output --partial "--metrics-file applies to the extraction run only"
  run -0 drv_run --dry-run
  [ ! -e "$PROM" ]
}

@test "metrics: a directory the file cannot be written to is a warning; the run still commits" {
  drv_genlog --lines 500 --seed 4 >"$T/log/mail.log" 2>/dev/null
  give_to_user "$T"
  run -0 --separate-stderr drv_run --metrics-file "$T/nowhere/m.prom"
  [[ "$stderr" == *"maillogsentinel: metrics: $T/nowhere/"* ]]
  grep -q ' INFO maillogsentinel: committed: 500 new lines read' "$LOG"
}

@test "metrics: a reader during runs only ever sees a whole file" {
  drv_genlog --lines 3000 --seed 11 >"$T/all.log" 2>/dev/null
  : >"$T/log/mail.log"
  give_to_user "$T"
  mkdir "$T/seen"
  ( i=0; while [ ! -e "$T/stop" ] && [ $i -lt 400 ]; do
      [ -e "$PROM" ] && cat "$PROM" >"$T/seen/$i" 2>/dev/null; i=$((i + 1)); done ) &
  reader=$!
  for part in 1 2 3 4 5 6; do
    sed -n "$(((part - 1) * 500 + 1)),$((part * 500))p" "$T/all.log" >>"$T/log/mail.log"
    run -0 drv_run
  done
  touch "$T/stop"
  wait "$reader"
  n=0
  for f in "$T"/seen/*; do
    [ -s "$f" ] || continue
    run -0 valid "$f"
    tail -n 1 "$f" | grep -qE '^maillogsentinel_last_run_failed [01]$'
    n=$((n + 1))
  done
  [ "$n" -gt 0 ]
  [ "$(m maillogsentinel_lines_read_total)" = 3000 ]
  [ "$(m 'maillogsentinel_runs_total{result="committed"}')" = 6 ]
  only_the_file
}

@test "metrics: the validator itself rejects broken exposition" {
  drv_genlog --lines 100 --seed 1 >"$T/log/mail.log" 2>/dev/null
  give_to_user "$T"
  run -0 drv_run
  run -0 valid_py "$PROM"
  bad="$T/bad.prom"
  sed '/^# TYPE maillogsentinel_events_stored_total/d' "$PROM" >"$bad"
  run -1 valid_py "$bad"
  sed 's/^maillogsentinel_lines_read_total .*/maillogsentinel_lines_read_total x/' "$PROM" >"$bad"
  run -1 valid_py "$bad"
  { cat "$PROM"; grep '^maillogsentinel_dns_cache_hits_total' "$PROM"; } >"$bad"
  run -1 valid_py "$bad"
  sed 's/status="ok"/status="o"k"/' "$PROM" >"$bad"
  run -1 valid_py "$bad"
}

@test "metrics: mls-enrich's per-status DNS counts and cache hits add up per status" {
  drv_genlog --lines 300 --seed 12 >"$T/log/mail.log" 2>/dev/null
  # mls-enrich as the driver runs it, its --stats line replaced by one with
  # answers of every kind (the real resolver is tested in tests/integration).
  mkdir -p "$T/bin"
  cp "$MLS_BIN/maillogsentinel" "$T/bin/"
  cat >"$T/bin/mls-enrich" <<SH
#!/bin/sh
"$MLS_BIN/mls-enrich" "\$@" 2>/dev/null || exit
echo "mls-enrich: records=28 queries=9 cache_hits=19 ok=10 nxdomain=7 servfail=3 timeout=4 refused=2 nodata=1 error=1" >&2
SH
  chmod 0755 "$T/bin/mls-enrich"
  give_to_user "$T"
  run -0 as_user "$T/bin/maillogsentinel" --config "$T/conf"
  drv_genlog --lines 300 --seed 13 --start 2026-01-02T00:00:00 >>"$T/log/mail.log" 2>/dev/null
  run -0 as_user "$T/bin/maillogsentinel" --config "$T/conf"
  counts_match
  grep -q ' INFO maillogsentinel: committed: .*, 9 reverse DNS queries, 19 cache hits$' "$LOG"
  set -- ok 20 nxdomain 14 servfail 6 timeout 8 refused 4 nodata 2 error 2
  while [ $# -gt 0 ]; do
    [ "$(m "maillogsentinel_dns_lookups_total{status=\"$1\"}")" = "$2" ]
    shift 2
  done
  [ "$(m maillogsentinel_dns_cache_hits_total)" = 38 ]
}
