#!/usr/bin/env bats
# bench/gendataset: the deterministic dataset generator behind the report
# benchmark (bench/report-bench). Its stderr counts must be exact: they are
# recomputed here from the file with Python's csv module, independently of the
# generator, and the header is taken from lib/dataset.h.

load test_helper

GEN="$MLS_SRCDIR/bench/gendataset"

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

# count KEY FILE: the value of KEY=N in a stderr file
count() { sed -n "s/^$1=//p" "$2"; }

# recount CSV END OFFSET: the generator's counts, recomputed from the file.
# Fails (non-zero, with a message) if a row is malformed, out of order, after
# END, not 14 cells, or has a cell that is not formula-neutralised.
recount() {
  python3 - "$1" "$MLS_SRCDIR/lib/dataset.h" "$2" "$3" <<'PY'
import csv, datetime, re, sys
path, csv_h, end, offset = sys.argv[1:5]
src = open(csv_h).read()
m = re.search(r'kCsvHeader\s*=\s*((?:\s*"[^"]*")+)\s*;', src)
header = "".join(re.findall(r'"([^"]*)"', m.group(1)))

def unneutralise(c):  # lib/dataset.h CsvUnneutralise
    return c[1:] if len(c) >= 2 and c[0] == "'" and c[1] in "=+-@\t\r'" else c

def fail(msg):
    sys.exit("recount: " + msg)

end_t = datetime.datetime.fromisoformat(end + offset)
since_t = end_t.replace(hour=0, minute=0, second=0)
# mls-report's previous window of "today": the day before, midnight to END's clock time.
prev_lo, prev_hi = since_t - datetime.timedelta(days=1), end_t - datetime.timedelta(days=1)
rows = wrows = prev = 0
wips, wusers, before, every = {}, {}, set(), set()
last = None
first_s = last_s = ""
with open(path, newline="", encoding="utf-8") as f:
    if f.readline() != header + "\n":
        fail("header is not lib/dataset.h's kCsvHeader")
    for cells in csv.reader(f, delimiter=";", quotechar='"', strict=True):
        if len(cells) != 14:
            fail("row %d: %d cells" % (rows + 1, len(cells)))
        for c in cells:
            if c and c[0] in "=+-@\t\r":
                fail("row %d: cell not neutralised: %r" % (rows + 1, c))
        date, ip, user = cells[1], cells[2], unneutralise(cells[3])
        if not date.endswith(offset):
            fail("row %d: %s does not end in %s" % (rows + 1, date, offset))
        t = datetime.datetime.fromisoformat(date)
        second = t.replace(microsecond=0)  # mx1 logs whole seconds
        if last is not None and second < last:
            fail("row %d: %s before the row above it" % (rows + 1, date))
        if t >= end_t:
            fail("row %d: %s at or after --end" % (rows + 1, date))
        last = second
        rows += 1
        first_s = first_s or date
        last_s = date
        every.add(ip)
        if t >= since_t:
            wrows += 1
            wips[ip] = wips.get(ip, 0) + 1
            wusers[user] = wusers.get(user, 0) + 1
        else:
            before.add(ip)
            prev += prev_lo <= t < prev_hi

def top(d):
    return "%s:%d" % min(d.items(), key=lambda kv: (-kv[1], kv[0])) if d else ""

print("rows=%d" % rows)
print("window_rows=%d" % wrows)
print("window_since=%s" % since_t.isoformat())
print("window_until=%s" % end_t.isoformat())
print("window_ips=%d" % len(wips))
print("window_users=%d" % len(wusers))
print("window_new_ips=%d" % sum(1 for ip in wips if ip not in before))
print("window_top_ip=%s" % top(wips))
print("window_top_user=%s" % top(wusers))
print("previous_rows=%d" % prev)
print("ips=%d" % len(every))
print("first=%s" % first_s)
print("last=%s" % last_s)
PY
}

# same_counts ERRFILE CHECKFILE: every recounted line appears in the stderr file.
same_counts() {
  local line rc=0
  while IFS= read -r line; do
    grep -qxF -- "$line" "$1" || { echo "generator says $(grep "^${line%%=*}=" "$1"), file says $line"; rc=1; }
  done <"$2"
  return $rc
}

@test "gendataset: same arguments give byte-identical output, another seed does not" {
  "$GEN" --rows 30000 --seed 7 --window-rows 2000 >"$T/a" 2>"$T/a.err"
  "$GEN" --rows 30000 --seed 7 --window-rows 2000 >"$T/b" 2>"$T/b.err"
  cmp "$T/a" "$T/b"
  cmp "$T/a.err" "$T/b.err"
  "$GEN" --rows 30000 --seed 8 --window-rows 2000 >"$T/c" 2>/dev/null
  ! cmp -s "$T/a" "$T/c"
}

@test "gendataset: header, row and byte counts" {
  "$GEN" --rows 12345 --seed 1 --window-rows 345 >"$T/d" 2>"$T/err"
  head -1 "$T/d" | grep -qx 'server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason'
  # no cell holds a line break: one row a line
  [ "$(wc -l <"$T/d")" -eq 12346 ]
  [ "$(count rows "$T/err")" -eq 12345 ]
  [ "$(count bytes "$T/err")" -eq "$(stat -c %s "$T/d")" ]
  [ "$(tail -c1 "$T/d" | od -An -c | tr -d ' ')" = '\n' ]
}

@test "gendataset: every count on stderr matches the file (python csv recount)" {
  "$GEN" --rows 60000 --seed 5 --window-rows 3000 >"$T/d" 2>"$T/err"
  recount "$T/d" 2026-06-15T18:30:00 +00:00 >"$T/check"
  [ "$(wc -l <"$T/check")" -eq 13 ]
  same_counts "$T/err" "$T/check"
  # a realistic mix, not a degenerate one
  [ "$(count window_ips "$T/err")" -gt 50 ]
  [ "$(count window_users "$T/err")" -gt 50 ]
  [ "$(count window_new_ips "$T/err")" -gt 0 ]
  [ "$(count ips "$T/err")" -gt 1000 ]
}

@test "gendataset: the window keeps its size while the rows outside it grow" {
  "$GEN" --rows 5000 --seed 2 --window-rows 1500 --end 2026-03-01T06:00:00 >"$T/s" 2>"$T/s.err"
  "$GEN" --rows 40000 --seed 2 --window-rows 1500 --end 2026-03-01T06:00:00 >"$T/l" 2>"$T/l.err"
  for x in s l; do
    recount "$T/$x" 2026-03-01T06:00:00 +00:00 >"$T/$x.check"
    same_counts "$T/$x.err" "$T/$x.check"
    grep -qx 'window_rows=1500' "$T/$x.check"
  done
  [ "$(sed -n 's/^ips=//p' "$T/l.check")" -gt "$(sed -n 's/^ips=//p' "$T/s.check")" ]
  # the rows span about a year and end inside the last day
  head -2 "$T/l" | tail -1 | grep -q '^mx[12];2025-03-0[1-3]T'
  tail -1 "$T/l" | grep -q '^mx[12];2026-03-01T0[0-5]:'
}

@test "gendataset: --offset writes local time stamps and the window is the local day" {
  "$GEN" --rows 20000 --seed 4 --window-rows 700 --offset=-05:00 \
    --end 2026-11-01T00:30:00 >"$T/d" 2>"$T/err"
  grep -qx 'window_since=2026-11-01T00:00:00-05:00' "$T/err"
  recount "$T/d" 2026-11-01T00:30:00 -05:00 >"$T/check"
  same_counts "$T/err" "$T/check"
  [ "$(grep -c '^mx[12];2026-11-01T00:[0-2][0-9]:[0-9.]*-05:00;' "$T/d")" -eq 700 ]
}

@test "gendataset: cells that need quoting or neutralising are written as mls-store writes them" {
  "$GEN" --rows 200000 --seed 1 --window-rows 0 >"$T/d" 2>/dev/null
  export LC_ALL=C
  # a user name with ';' and '"' (quoted, quotes doubled), an AS organisation too
  grep -q ';"a;b ""c""";' "$T/d"
  grep -q ';"Example; ""Networks"" Ltd";' "$T/d"
  # formula neutralisation: a leading ' (inside the quotes when quoted)
  grep -q ";'-admin;" "$T/d"
  grep -q ";'=cmd|' /C calc'!A0;" "$T/d"
  grep -q ";''quoted;" "$T/d"
  grep -q ";'-Dash Networks;" "$T/d"
  # IPv6 sources, every rDNS status, mx2's client ports and microseconds
  grep -q '^mx[12];[^;]*;[0-9a-f]*:[0-9a-f:]*;' "$T/d"
  for s in OK NXDOMAIN TIMEOUT SERVFAIL REFUSED NODATA; do
    grep -q "^mx[12];[^;]*;[^;]*;[^;\"]*;[^;]*;$s;" "$T/d" || { echo "no $s"; return 1; }
  done
  grep -q '^mx2;[0-9-]*T[0-9:]*\.[0-9]\{6\}+00:00;.*;[0-9]\{4,5\};postfix/' "$T/d"
}

@test "gendataset: --rows 0 writes the header only" {
  "$GEN" --rows 0 --seed 1 >"$T/d" 2>"$T/err"
  [ "$(wc -l <"$T/d")" -eq 1 ]
  grep -qx 'rows=0' "$T/err"
  grep -qx 'window_rows=0' "$T/err"
  grep -qx 'first=' "$T/err"
}

@test "gendataset: bad arguments are usage errors" {
  run "$GEN" --seed 1
  [ "$status" -eq 2 ]
  run "$GEN" --rows 10 --seed 1 --end yesterday
  [ "$status" -eq 2 ]
  assert_output --partial 'expected YYYY-MM-DDTHH:MM:SS'
  run "$GEN" --rows 10 --seed 1 --window-rows 11
  [ "$status" -eq 2 ]
  assert_output --partial '--window-rows'
  run "$GEN" --rows 10 --seed 1 --window-rows 5 --end 2026-06-15T00:00:00
  [ "$status" -eq 2 ]
  assert_output --partial 'empty'
  run "$GEN" --rows 10 --seed 1 --window-rows 5 --days 1
  [ "$status" -eq 2 ]
  run "$GEN" --rows 10 --seed 1 --offset 0100
  [ "$status" -eq 2 ]
  assert_output --partial '--offset'
}
