#!/usr/bin/env bats
# mls-report: the report of one window of the dataset (mls-report(1)).
#
# The fixture (tests/data/report/dataset.csv, made by gen-dataset) spans the two
# 2026 DST days and a normal week; every JSON report is recounted by
# tests/data/report/recount (Python csv/json/zoneinfo, its own window rules)
# and the goldens are compared byte for byte (machine-dependent header lines
# masked, see goldens.sh). Regenerate with tests/data/report/make-goldens.

bats_require_minimum_version 1.5.0

load test_helper

D="$MLS_SRCDIR/tests/data/report"
HEADER='server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason'

setup() {
  mls_scratch
  export TZ=Europe/Paris
  . "$D/goldens.sh"
}
teardown() { mls_scratch_cleanup; }

# report ARGS...: the JSON report of the fixture with complete lists, then its recount.
recount() {
  mls-report --csv "$D/dataset.csv" --format json --top 1000 "$@" >"$T/r.json"
  run "$D/recount" "$D/dataset.csv" "$T/r.json" "$@"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "ok: "* ]]
}

# doc_dataset: the fixture with its loopback sources moved to documentation and
# benchmarking ranges (127.0.X.Y -> 198.18.X.Y, ::1 -> 2001:db8::1), for the
# ban lists, which never name the loopback -> $T/doc.csv
doc_dataset() {
  python3 - "$D/dataset.csv" "$T/doc.csv" <<'PY'
import ipaddress, sys
out = open(sys.argv[2], "wb")
for line in open(sys.argv[1], "rb"):
    f = line.split(b";")
    try:
        ip = ipaddress.ip_address(f[2].decode())
    except (ValueError, UnicodeDecodeError, IndexError):
        out.write(line)
        continue
    v4 = ip if ip.version == 4 else ip.ipv4_mapped
    if v4 is not None:
        moved = "198.18." + ".".join(str(v4).split(".")[2:])
        f[2] = (moved if ip.version == 4 else "::ffff:" + moved).encode()
    elif ip == ipaddress.ip_address("::1"):
        f[2] = b"2001:db8::1"
    out.write(b";".join(f))
PY
}

# row TIME IP USER: one dataset row.
row() { printf 'mx1;%s;%s;%s;h.example;OK;FR;3215;Orange;LOGIN;unknown;;postfix/smtpd;x\n' "$1" "$2" "$3"; }

@test "mls-report: the golden reports, byte for byte" {
  cd "$MLS_SRCDIR/tests/data"
  golden_list | {
    n=0
    while read -r name format args; do
      # shellcheck disable=SC2086
      mls-report --csv report/dataset.csv --format "$format" $args >"$T/out"
      golden_normalise "$format" <"$T/out" >"$T/$name"
      diff -u "report/$name" "$T/$name"
      n=$((n + 1))
    done
    [ "$n" -eq 5 ]
  }
}

@test "mls-report: the goldens' JSON recounts independently" {
  cd "$MLS_SRCDIR/tests/data"
  golden_list | while read -r name format args; do
    [ "$format" = json ] || continue
    args=$(echo "$args" | sed 's/--top [0-9]*//')  # complete lists for the recount
    # shellcheck disable=SC2086
    mls-report --csv report/dataset.csv --format json --top 1000 $args >"$T/full.json"
    # shellcheck disable=SC2086
    "$D/recount" report/dataset.csv "$T/full.json" $args
  done
}

@test "mls-report: the text golden's numbers and tables agree with the recounted JSON" {
  cd "$MLS_SRCDIR/tests/data"
  args="--window today --now 2026-11-25T18:30:00"
  golden_list | grep -q "^today-2026-11-25.txt text $args\$"
  # shellcheck disable=SC2086
  mls-report --csv report/dataset.csv --format json --top 1000 $args >"$T/full.json"
  # shellcheck disable=SC2086
  "$D/recount" report/dataset.csv "$T/full.json" $args
  python3 - report/today-2026-11-25.txt "$T/full.json" <<'EOF'
import datetime as dt, json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
r = json.load(open(sys.argv[2]))
def num(pattern):
    m = re.search(pattern, text, re.M)
    assert m, pattern
    return int(m.group(1))
assert num(r"^  Failed logins +(\d+) ") == r["total"]
assert num(r"^  Failed logins .* vs (\d+) ") == r["previous_window"]["total"]
assert num(r"^  Source IPs +(\d+) ") == r["distinct_ips"]
assert num(r"^  Source IPs .* (\d+) new ") == r["new_ips"]["count"]
assert num(r"^  User names +(\d+)   ") == r["distinct_users"]
assert num(r"^  User names .*   (\d+) attempts without a user name$") == r["no_user"] > 0
assert num(r"^  not counted: (\d+) attempts without a user name$") == r["no_user"]
# A missing user name is not a user name: never "(none)" in a list of user names.
assert "(none)" not in text
def section(title):
    """The lines of a section up to the next blank line, its title line dropped."""
    lines = text.split("\n")
    i = next(i for i, l in enumerate(lines) if l.startswith(title))
    out = []
    for l in lines[i + 1:]:
        if not l:
            break
        out.append(l)
    return out
# "  HH:MM[*]  COUNT  bar"; a "*" marks a partial hour, explained by a footnote line.
chart = [re.match(r"^  (\d\d:\d\d)\*? +(\d+)", l).groups() for l in section("ATTEMPTS PER HOUR")
         if not l.startswith("  * ")]
want = [(dt.datetime.fromisoformat(b["start"]).strftime("%H:%M"), str(b["count"]))
        for b in r["attempts"]["buckets"]]
assert chart == want, (chart, want)
# "  COUNT   SHARE  USER": the user name is what follows the share's "%  ".
users = [m.groups() for m in (re.match(r"^ +(\d+) +[\d.]+ %  (.*)$", l)
                              for l in section("TOP USER NAMES")[1:]) if m]
# A byte that is not UTF-8: "\xE9" in the text, U+FFFD in the JSON.
users = [(int(c), re.sub(r"\\x[0-9A-F]{2}", "\ufffd", u)) for c, u in users]
assert users == [(u["count"], u["user"]) for u in r["top_users"][:10]], users
ips = [l.split()[:3] for l in section("TOP SOURCE IPS")[1:] if re.match(r"^ +\d+ +\d+ ", l)]
assert ips == [[str(i["count"]), str(i["distinct_users"]), i["ip"]] for i in r["top_ips"][:10]], ips
EOF
}

@test "mls-report: the JSON's members are mls-report(1)'s list, in order; unknown is null, ASNs numbers" {
  cd "$MLS_SRCDIR/tests/data"
  mls-report --csv report/dataset.csv --format json --threshold 1 --top 1000 \
    --window today --now 2026-11-25T18:30:00 >"$T/r.json"
  python3 - "$MLS_SRCDIR/man/mls-report.1" "$T/r.json" <<'EOF'
import json, re, sys
man = open(sys.argv[1], encoding="utf-8").read()
rep = json.load(open(sys.argv[2]))
sec = man[man.index("\n.Ss JSON\n"):]
sec = sec[sec.index("\n.Bl -tag"):sec.index("\n.El\n")]

def parse(s, i=0):
    """'{a, b: [{c}], d: [IP objects]}' -> ("obj", [(name, shape or None)]) / ("list", shape)."""
    def ws(i):
        while s[i] == " ":
            i += 1
        return i
    i = ws(i)
    if s[i] == "[":
        if s.startswith("[IP objects]", i):
            return ("list", "IP"), i + len("[IP objects]")
        inner, i = parse(s, i + 1)
        assert s[i] == "]", s
        return ("list", inner), i + 1
    assert s[i] == "{", s
    fields, i = [], i + 1
    while True:
        i = ws(i)
        m = re.match(r"[a-z_]+", s[i:])
        name, i = m.group(0), i + len(m.group(0))
        sub = None
        if s[i] == ":":
            sub, i = parse(s, i + 1)
        fields.append((name, sub))
        if s[i] == "}":
            return ("obj", fields), i + 1
        assert s[i] == ",", s[i:]
        i += 1

members, shapes, optional = [], {}, set()
for item in sec.split("\n.It Li ")[1:]:
    head, _, body = item.partition("\n")
    names = [n.strip() for n in head.split(" , ")]
    if "only when" in body:  # present in some reports only
        optional.update(names)
    found = [parse(m)[0] for m in re.findall(r"^\.Li (\[?\{.*[}\]])", body, re.M)]
    if "IP objects" in body and not found:
        found = ["IP"]
    members += names
    for n, f in zip(names, found if len(found) == len(names) else found[:1] * len(names)):
        shapes[n] = f
ip_shape = shapes["top_ips"]
members = [m for m in members if m in rep or m not in optional]
assert members == list(rep), "man page %s\nreport   %s" % (members, list(rep))

checked = set()
def check(value, shape, where):
    if shape == "IP":
        shape = ip_shape
    if shape[0] == "list" or isinstance(value, list):
        inner = shape[1] if shape[0] == "list" else shape
        assert isinstance(value, list) and value, "%s: a non-empty list to check" % where
        for k, v in enumerate(value):
            check(v, inner, "%s[%d]" % (where, k))
        return
    assert isinstance(value, dict), where
    assert list(value) == [f for f, _ in shape[1]], "%s: %s, man page %s" % (
        where, list(value), [f for f, _ in shape[1]])
    checked.add(where.split("[")[0])
    for f, sub in shape[1]:
        if sub is not None:
            check(value[f], sub, where + "." + f)
for name, shape in shapes.items():
    if name in rep or name not in optional:
        check(rep[name], shape, name)
assert len(checked) >= 15, sorted(checked)

# Unknown values are null, never ""; ASNs are numbers.
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "asn":
                assert x is None or isinstance(x, int), (k, x)
            if k in ("hostname", "country", "as_org", "status", "address", "asn"):
                assert x != "", (k, v)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(rep)
assert None in [k["country"] for k in rep["top_countries"]]
assert all(isinstance(k["asn"], int) or k["asn"] is None for k in rep["top_asns"])
print("ok")
EOF
}

@test "mls-report: the text report fits 80 columns; long host and AS names keep their domain" {
  cd "$MLS_SRCDIR/tests/data"
  long=$(printf 'very-long-label-%d.' 1 2 3 4 5 6)
  {
    echo "$HEADER"
    for k in 1 2 3 4 5 6; do
      printf 'mx1;2026-11-25T1%d:00:00+01:00;2001:db8:ffff:ffff:ffff:ffff:ffff:%d;user-with-a-rather-long-name-%d@a-long-domain.example.org;%smail.example.com;OK;FR;4200000000;An Autonomous System Organisation With A Long Name %d Ltd;LOGIN;unknown;;postfix/smtpd;x\n' \
        "$k" "$k" "$k" "$long" "$k"
      printf 'mx1;2026-11-2%dT10:00:00+01:00;127.0.0.%d;u%d;%smail.example.com;SERVFAIL;FR;3215;Orange;LOGIN;unknown;;postfix/smtpd;x\n' \
        "$k" "$k" "$k" "$long"
    done
  } >"$T/long.csv"
  for args in "--window today --now 2026-11-25T18:30:00" "--window 7d --now 2026-11-26T18:30:00" \
    "--since 2026-10-01 --until 2026-11-26 --now 2026-11-27T08:00:00"; do
    # shellcheck disable=SC2086
    mls-report --csv "$T/long.csv" $args >"$T/long-$(echo "$args" | tr -cd 'a-z0-9').txt"
  done
  python3 - report/today-2026-11-25.txt "$T"/long-*.txt <<'EOF'
import re, sys, unicodedata
def width(line):
    w = 0
    for ch in line:
        if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d":
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for n, line in enumerate(text.split("\n"), 1):
        assert width(line) <= 80, "%s:%d: %d columns: %s" % (path, n, width(line), line)
long = open(sys.argv[2], encoding="utf-8").read()
# Host names cut from the left: the domain stays.
assert re.search(r"  \u2026[a-z0-9.-]*\.example\.com$", long, re.M), long
assert re.search(r"  \u2026[A-Za-z ]*1 Ltd  ", long, re.M), long
assert "very-long-label-1." not in long.replace("\u2026", ""), long
assert "\nSchedule    " in long and "\nLast run    " in long, long
print("ok")
EOF
}

@test "mls-report: today, a normal day, recounted" {
  recount --window today --now 2026-11-25T18:30:00
  [[ "$output" == *" total=53 "* ]]
}

@test "mls-report: yesterday at exactly midnight is the whole day before (rows at 00:00:00 and 23:59:59)" {
  recount --window yesterday --now 2026-11-26T00:00:00
  # The row at 2026-11-25T00:00:00 is in, the one at 2026-11-26T00:00:00 is not.
  python3 - "$T/r.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["window"]["since"] == "2026-11-25T00:00:00+01:00", r["window"]
assert r["window"]["until"] == "2026-11-26T00:00:00+01:00", r["window"]
users = {u["user"]: u["count"] for u in r["top_users"]}
assert users["midnight"] == 1 and users["before-midnight"] == 1, users
assert len(r["attempts"]["buckets"]) == 24
EOF
}

@test "mls-report: today at midnight is an empty window" {
  recount --window today --now 2026-11-25T00:00:00
  [[ "$output" == *" total=0 "*" buckets=0" ]]
}

@test "mls-report: the day clocks go back has 25 hourly buckets" {
  recount --window today --now 2026-10-25T23:59:59
  [[ "$output" == *" buckets=25" ]]
  recount --window yesterday --now 2026-10-26T09:00:00
  [[ "$output" == *" buckets=25" ]]
  # Both 02:00 hours hold their own rows (fold0 and fold1, 3 each).
  python3 - "$T/r.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))["attempts"]["buckets"]
starts = [x["start"] for x in b]
i = starts.index("2026-10-25T02:00:00+02:00")
assert starts[i + 1] == "2026-10-25T02:00:00+01:00", starts
assert b[i]["count"] >= 3 and b[i + 1]["count"] >= 3, b[i:i + 2]
EOF
}

@test "mls-report: the day clocks go forward has 23 hourly buckets" {
  recount --window yesterday --now 2026-03-30T00:00:00
  [[ "$output" == *" buckets=23" ]]
  recount --window today --now 2026-03-29T23:59:59
  [[ "$output" == *" buckets=23" ]]
  recount --window today --now 2026-03-29T23:00:00
  [[ "$output" == *" buckets=22" ]]  # 00 01 03 .. 22: the hour of 23:00 has not begun
  recount --window yesterday --now 2026-03-29T08:00:00
}

@test "mls-report: rolling and custom windows recounted, across DST changes" {
  recount --window 24h --now 2026-10-25T12:00:00
  recount --window 24h --now 2026-03-29T12:00:00
  recount --window 7d --now 2026-11-26T12:00:00
  [[ "$output" == *" buckets=8" ]]  # local days, as the text and HTML charts show them
  recount --window 7d --now 2026-10-27T10:30:00
  recount --since 2026-10-20T00:00:00 --until 2026-11-26T00:00:00
  [[ "$output" == *" buckets=37" ]]  # local days beyond 48 hours
  recount --since 2026-03-28T06:00:00+01:00 --until 2026-03-29T06:00:00+02:00
  recount --since 2026-01-01 --until 2027-01-01
}

@test "mls-report: the older tool's 9-column dataset" {
  mls-report --csv "$D/legacy.csv" --format json --top 1000 --window yesterday \
    --now 2026-11-24T12:00:00 >"$T/l.json"
  run "$D/recount" "$D/legacy.csv" "$T/l.json" --window yesterday --now 2026-11-24T12:00:00
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "ok: yesterday total=15 "* ]]
}

@test "mls-report: --format ips lists the IPs at or above --threshold, most attempts first" {
  doc_dataset
  for n in 1 2 4 10 11; do
    mls-report --csv "$T/doc.csv" --format ips --threshold "$n" --window today \
      --now 2026-11-25T18:30:00 >"$T/ips"
    python3 - "$T/doc.csv" "$n" >"$T/want" <<'EOF'
import collections, csv, datetime as dt, io, ipaddress, sys
from zoneinfo import ZoneInfo
tz = ZoneInfo("Europe/Paris")
since = dt.datetime(2026, 11, 25, tzinfo=tz).timestamp()
until = dt.datetime(2026, 11, 25, 18, 30, tzinfo=tz).timestamp()
text = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
count = collections.Counter()
for r in rows:
    if "/" in r[1]:
        t = dt.datetime.strptime(r[1], "%d/%m/%Y %H:%M").replace(tzinfo=tz).timestamp()
    else:
        t = dt.datetime.fromisoformat(r[1]).timestamp()
    if since <= t < until:
        ip = ipaddress.ip_address(r[2])  # the fixture holds only addresses
        count[str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)] += 1
for ip, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])):
    if n >= int(sys.argv[2]):
        print(ip)
EOF
    diff -u "$T/want" "$T/ips"
  done
  [ "$(mls-report --csv "$T/doc.csv" --format ips --threshold 10 --window today \
    --now 2026-11-25T18:30:00)" = "198.18.66.6" ]
  # Without --threshold: every IP of the window.
  run mls-report --csv "$T/doc.csv" --format ips --window today --now 2026-11-25T18:30:00
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 22 ]
  # The fixture as it is: loopback sources only, and a ban list never names them.
  run --separate-stderr mls-report --csv "$D/dataset.csv" --format ips --window today \
    --now 2026-11-25T18:30:00
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "mls-report: --format ips prints nothing but addresses, whatever the dataset holds" {
  { echo "$HEADER"
    row 2026-11-25T10:00:00+01:00 '192.0.2.1' a
    row 2026-11-25T10:00:00+01:00 '192.0.2.2 -j ACCEPT' a
    row 2026-11-25T10:00:00+01:00 '$(reboot)' a
    row 2026-11-25T10:00:00+01:00 '2001:db8::1' a
    row 2026-11-25T10:00:00+01:00 'fe80::1%eth0' a
    row 2026-11-25T10:00:00+01:00 '127.0.0.1' a
  } >"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format ips --now 2026-11-25T12:00:00
  [ "$status" -eq 0 ]
  [ "$output" = $'192.0.2.1\n2001:db8::1' ]
}

@test "mls-report: the text report is the default format" {
  run --separate-stderr mls-report --csv "$D/dataset.csv" --now 2026-11-25T18:30:00
  [ "$status" -eq 0 ]
  [[ "$output" == "SMTP AUTH failures on "* ]]
  [[ "$output" == *"Failed logins       53"* ]]
}

@test "mls-report: --format html is one HTML document" {
  run --separate-stderr mls-report --csv "$D/dataset.csv" --now 2026-11-25T18:30:00 --format html
  [ "$status" -eq 0 ]
  [[ "$output" == *"<html"*"</html>"* ]]
  [[ "$output" != *"<script"* ]]
}

@test "mls-report: the config gives the dataset, the window and the top" {
  mkdir -p "$T/work/state"
  cp "$D/dataset.csv" "$T/work/maillogsentinel.csv"
  printf '[paths]\nworking_dir = %s\nstate_dir = %s\n[report]\nwindow = yesterday\ntop = 2\n' \
    "$T/work" "$T/work/state" >"$T/c.conf"
  run --separate-stderr mls-report --config "$T/c.conf" --format json --now 2026-11-26T10:00:00
  [ "$status" -eq 0 ]
  echo "$output" >"$T/r.json"
  python3 - "$T/r.json" "$T/work/maillogsentinel.csv" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["window"]["name"] == "yesterday", r["window"]
assert len(r["top_users"]) == 2 and len(r["top_ips"]) == 2
assert r["dataset"]["path"] == sys.argv[2]
assert r["outages"] is None  # the config's op log does not exist
EOF
  # The same with complete lists recounts.
  mls-report --config "$T/c.conf" --format json --now 2026-11-26T10:00:00 --top 1000 >"$T/r.json"
  "$D/recount" "$T/work/maillogsentinel.csv" "$T/r.json" --window yesterday \
    --now 2026-11-26T10:00:00 | grep -q '^ok'
}

@test "mls-report: a bad configuration file is exit 2, naming the file and line" {
  printf '[report]\ntop = many\n' >"$T/c.conf"
  run --separate-stderr mls-report --config "$T/c.conf"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == "mls-report: $T/c.conf:2:"* ]]
}

@test "mls-report: usage errors are exit 2 with a message and nothing on stdout" {
  for args in "--window fortnight" "--top 0" "--top x" "--format xml" "--threshold 3" \
    "--since 2026-11-02 --until 2026-11-01" "--until 2026-11-01" "--now yesterday" \
    "--window today --since 2026-11-01" "--frobnicate" "--csv"; do
    # shellcheck disable=SC2086
    run --separate-stderr mls-report --csv "$D/dataset.csv" $args
    echo "$args: $status $stderr"
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == "mls-report: "* ]]
    [[ "$stderr" == *"Try 'mls-report --help'."* ]]
  done
  run --separate-stderr mls-report --csv "$D/dataset.csv" --since 2026-11-02 --now 2026-11-01
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--since must be before --until"* ]]
}

@test "mls-report: --help names every option, --version the tool" {
  run mls-report --help
  [ "$status" -eq 0 ]
  for opt in --config --csv --window --since --until --now --top --format --threshold --oplog; do
    [[ "$output" == *"$opt"* ]]
  done
  run mls-report --version
  [ "$status" -eq 0 ]
  [[ "$output" == "mls-report (maillogsentinel) "* ]]
}

@test "mls-report: a missing or unreadable dataset is never '0 failures': it says so, exit 1" {
  run --separate-stderr mls-report --csv "$T/none.csv" --format json --now 2026-11-25T12:00:00
  [ "$status" -eq 1 ]
  [ "$stderr" = "mls-report: $T/none.csv: the dataset is missing (No such file or directory); the report cannot count the failures" ]
  python3 -c 'import json, sys
r = json.loads(sys.argv[1])
assert r["total"] is None and r["distinct_ips"] is None and r["distinct_users"] is None, r
assert r["previous_window"]["total"] is None, r
assert r["dataset"]["error"] == "missing (No such file or directory)", r["dataset"]' "$output"
  run --separate-stderr mls-report --csv "$T/none.csv" --now 2026-11-25T12:00:00
  [ "$status" -eq 1 ]
  # The warning, wrapped at the line limit: joined again.
  sed 's/^ *//' <<<"$output" | tr '\n' ' ' |
    grep -Fq "!! WARNING: the dataset $T/none.csv is missing (No such file or directory): no failures could be counted (has an extraction run yet? is working_dir right?) "
  grep -Fxq "  Failed logins  unknown   (dataset missing (No such file or directory))" <<<"$output"
  grep -Fxq "No figures: the dataset is missing (No such file or directory)." <<<"$output"
  ! grep -q "No failed SMTP" <<<"$output"
  run --separate-stderr mls-report --csv "$T/none.csv" --format html --now 2026-11-25T12:00:00
  [ "$status" -eq 1 ]
  [[ "$output" == *"No figures: the dataset is missing (No such file or directory)."* ]]
  if [ "$(id -u)" -ne 0 ]; then
    printf '%s\n' "$HEADER" >"$T/locked.csv"
    chmod 0 "$T/locked.csv"
    run --separate-stderr mls-report --csv "$T/locked.csv" --now 2026-11-25T12:00:00
    [ "$status" -eq 1 ]
    [ "$stderr" = "mls-report: $T/locked.csv: the dataset is unreadable (Permission denied); the report cannot count the failures" ]
    grep -Fxq "No figures: the dataset is unreadable (Permission denied)." <<<"$output"
  fi
}

@test "mls-report: a file that is not a dataset is exit 1 with a clear message and no report" {
  printf 'Date,Amount\n2026-11-25,5\n' >"$T/foreign.csv"
  run --separate-stderr mls-report --csv "$T/foreign.csv"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "$stderr" = "mls-report: $T/foreign.csv: line 1: not a maillogsentinel dataset (unexpected header)" ]
  run --separate-stderr mls-report --csv "$T"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [ "$stderr" = "mls-report: $T: not a regular file (the dataset must be a regular file)" ]
}

@test "mls-report: a dataset that is not a regular file (pipe, standard input) is exit 2" {
  run --separate-stderr bash -c 'cat "$1" | mls-report --csv /dev/stdin --format json' _ "$D/dataset.csv"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == "mls-report: /dev/stdin: not a regular file (the dataset must be a regular file)" ]]
  run --separate-stderr bash -c 'cat "$1" | mls-report --csv -' _ "$D/dataset.csv"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == "mls-report: --csv -: standard input cannot be read; the dataset must be a regular file (the report reads it twice: the window, then the rows before it for the new IPs)"* ]]
}

@test "mls-report: windows before 1970 or longer than 100 years are usage errors" {
  for args in "--since @-9999999999999 --until 2026-11-26" "--since 0001-01-01 --until 2026-11-26" \
    "--since 1969-12-31T23:59:59Z --until 2026-11-26" "--since 2026-01-01 --until 2127-01-01" \
    "--window 7d --now 1970-01-03T00:00:00Z"; do
    # shellcheck disable=SC2086
    run --separate-stderr mls-report --csv "$D/dataset.csv" --format json $args
    echo "$args: $status $stderr"
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == "mls-report: the report window "*": the window "* ]]
  done
  # The limits themselves are fine.
  run --separate-stderr mls-report --csv "$D/dataset.csv" --format json \
    --since 1970-01-01T00:00:00Z --until 2069-12-31T00:00:00Z
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | grep -c '"start": ')" -le 36526 ]
}

@test "mls-report: a broken quote costs its own line, not the good rows after it" {
  { head -n 305 "$D/dataset.csv"
    echo 'mx1;2026-11-25T00:00:01+01:00;127.0.0.1;"broken;;NXDOMAIN;FR;;;LOGIN;unknown;;postfix/smtpd;x'
    tail -n +306 "$D/dataset.csv"
  } >"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --window today --now 2026-11-25T18:30:00
  [ "$status" -eq 1 ]
  [[ "$output" == *$'\n  "total": 53,\n'* ]]
  [[ "$output" == *'"skipped_rows": 1'* ]]
  [[ "$stderr" == *"mls-report: $T/d.csv: line 306: unbalanced quote: a record over lines 306-"*"; reading on at line 307; row skipped"* ]]
  [[ "$stderr" == *"$T/d.csv: 1 unreadable row left out of the report"* ]]
}

@test "mls-report: impossible dates are unreadable rows" {
  { echo "$HEADER"
    row 2026-11-25T10:00:00+01:00 127.0.0.1 a
    row 2026-02-31T10:00:00+01:00 127.0.0.1 a
    echo 'mx1;31/02/2026 10:00;127.0.0.1;a;;;;;;;;;;'
  } >"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --since 2026-01-01 --now 2026-11-26T00:00:00
  [ "$status" -eq 1 ]
  [[ "$output" == *$'\n  "total": 1,\n'* ]]
  [[ "$stderr" == *"line 3: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped"* ]]
  [[ "$stderr" == *"line 4: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped"* ]]
}

@test "mls-report: --since and legacy rows read a local time in a DST change alike" {
  { echo "$HEADER"
    echo 'mx1;29/03/2026 02:30;127.0.0.1;gap;;;;;;;;;;'
    echo 'mx1;25/10/2026 02:30;127.0.0.1;twice;;;;;;;;;;'
  } >"$T/d.csv"
  # The non-existent 02:30 is 03:30+02:00 for both.
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --since 2026-03-29T02:30 --until 2026-03-29T02:31
  [ "$status" -eq 0 ]
  [[ "$output" == *'"since": "2026-03-29T03:30:00+02:00"'* ]]
  [[ "$output" == *$'\n  "total": 1,\n'* ]]
  # The repeated 02:30 is the first one, +02:00, for both.
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --since 2026-10-25T02:30 --until 2026-10-25T02:31
  [ "$status" -eq 0 ]
  [[ "$output" == *'"since": "2026-10-25T02:30:00+02:00"'* ]]
  [[ "$output" == *$'\n  "total": 1,\n'* ]]
}

@test "mls-report: --format ips counts each address once, in canonical form" {
  { echo "$HEADER"
    row 2026-11-25T10:00:00+01:00 '::ffff:192.0.2.9' a
    row 2026-11-25T10:00:00+01:00 '192.0.2.9' b
    row 2026-11-25T10:00:00+01:00 '2001:db8:0:0:0:0:0:1' a
    row 2026-11-25T10:00:00+01:00 '2001:db8::1' a
    row 2026-11-25T10:00:00+01:00 '192.0.2.5' a
    row 2026-11-25T10:00:00+01:00 'not-an-address' a
    row 2026-11-25T10:00:00+01:00 'not-an-address' a
  } >"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format ips --threshold 2 --now 2026-11-25T12:00:00
  [ "$status" -eq 0 ]
  [ "$output" = $'192.0.2.9\n2001:db8::1' ]
}

@test "mls-report: unreadable rows are named and left out; the report is printed, exit 1" {
  { echo "$HEADER"
    row 2026-11-25T10:00:00+01:00 127.0.0.1 a
    echo 'mx1;2026-11-25T10:00:00+01:00;127.0.0.1'
    row 2026-11-25T25:00:00+01:00 127.0.0.1 a
    row 2026-11-25T11:00:00+01:00 127.0.0.1 b
  } >"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --now 2026-11-25T12:00:00
  [ "$status" -eq 1 ]
  [[ "$output" == *$'\n  "total": 2,\n'* ]]
  [[ "$output" == *'"skipped_rows": 2'* ]]
  [[ "$stderr" == *"mls-report: $T/d.csv: line 3: expected 14 fields, got 3; row skipped"* ]]
  [[ "$stderr" == *"mls-report: $T/d.csv: line 4: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped"* ]]
  [[ "$stderr" == *"mls-report: $T/d.csv: 2 unreadable rows left out of the report"* ]]
}

@test "mls-report: a last line still being written is left out silently" {
  cp "$D/dataset.csv" "$T/d.csv"
  printf 'mx1;2026-11-25T17:00:00+01:00;127.0.0.1;partial;h' >>"$T/d.csv"
  run --separate-stderr mls-report --csv "$T/d.csv" --format json --now 2026-11-25T18:30:00
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [[ "$output" == *$'\n  "total": 53,\n'* ]]
}

@test "mls-report: a closed pipe stops it quietly" {
  doc_dataset
  run bash -c 'mls-report --csv "$1" --format ips --window 7d --now 2026-11-26T12:00:00 | head -n 1' _ "$T/doc.csv"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
}
