#!/usr/bin/env bats
# mls-report --format html opened in a real browser: headless Chromium loads the
# report of a small dataset written here, and the DOM it builds must show the
# chart (one bar per hour of the window, each with the hour's count, computed
# here independently from the dataset) and the tables with their rows; hostile
# user names stay text. A screenshot of the page is a real PNG with the bars
# painted in it. Skipped when chromium is not installed.
#
# Only loopback addresses in the dataset; Chromium gets no network (file://,
# background networking off, a throw-away profile).

bats_require_minimum_version 1.5.0

load ../cli/test_helper

NOW=2026-11-28T14:30:00+01:00

setup_file() {
  command -v chromium >/dev/null 2>&1 ||
    skip_unless_available "chromium is not installed (scripts/install-deps installs it)"
  [ -x "$MLS_BIN/mls-report" ] || skip_unless_available "mls-report is not built"
}

setup() {
  mls_scratch
  export TZ=Europe/Paris
}
teardown() { mls_scratch_cleanup; }

# make_dataset CSV EXPECTED: a dataset for 2026-11-27/28 (Paris) and, in
# EXPECTED (JSON), what today's window up to $NOW holds, counted here.
make_dataset() {
  python3 - "$1" "$2" "$NOW" <<'EOF'
import csv, datetime, json, random, sys
from zoneinfo import ZoneInfo

path, expected_path, now_s = sys.argv[1:4]
paris = ZoneInfo("Europe/Paris")
now = datetime.datetime.fromisoformat(now_s)
midnight = datetime.datetime(2026, 11, 28, tzinfo=paris)
rng = random.Random(4)
ips = ["127.0.0.%d" % k for k in range(2, 16)] + ["::1"]
users = ["admin", "info@example.test", "root", "test", "<script>alert(1)</script>",
         "\r\nBcc: x@y", "\u65e5\u672c\u8a9e", "'\"&amp;", ""]
per_hour = [3, 0, 5, 12, 1, 0, 7, 20, 4, 9, 2, 15, 6, 11, 8]  # 00:00 .. 14:00

def neutral(cell):  # mls-store's formula neutralisation (lib/dataset.h)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "'") else cell

rows, window = [], []
def add(t, ip, user):
    host = "h%s.example.test" % ip.replace(":", "").replace(".", "-")
    row = ["mx", t.isoformat(), ip, user, host, "OK", "FR", "64496", "Example AS",
           "LOGIN", "unknown", "", "postfix/smtpd", "authentication failure"]
    rows.append([neutral(c) for c in row])
    if midnight <= t < now:
        window.append((t, ip, user))

for h, n in enumerate(per_hour):
    for k in range(n):
        minute = rng.randrange(0, 30 if h == 14 else 60)
        ip = ips[min(int(rng.expovariate(0.4)), len(ips) - 1)]
        add(midnight + datetime.timedelta(hours=h, minutes=minute), ip, rng.choice(users))
for k in range(25):  # yesterday: the previous window, not this one
    add(midnight - datetime.timedelta(hours=10, minutes=k), rng.choice(ips), "old")
for k in range(2):   # after "now": outside the window
    add(now + datetime.timedelta(minutes=10 + k), "127.0.0.99", "late")
rows.sort(key=lambda r: r[1])

with open(path, "w", newline="") as f:
    f.write("server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;"
            "client;port;service;reason\n")
    csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows)

hours = [0] * 15
by_ip = {}
for t, ip, user in window:
    hours[(t - midnight) // datetime.timedelta(hours=1)] += 1
    by_ip.setdefault(ip, [0, set()])
    by_ip[ip][0] += 1
    if user:  # a missing user name is not a user name
        by_ip[ip][1].add(user)
top = sorted(by_ip.items(), key=lambda kv: (-kv[1][0], kv[0].encode()))
json.dump({"hours": hours, "total": len(window), "distinct_ips": len(by_ip),
           "top_ips": [[ip, c, len(u)] for ip, (c, u) in top],
           "distinct_users": len({u for _, _, u in window if u})}, open(expected_path, "w"))
EOF
}

# chromium_run ARGS... URL: headless, no network, a throw-away profile.
chromium_run() {
  local profile
  profile=$(mktemp -d "$T/chromium.XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@"
}

# check_dom DOM EXPECTED: the chart and tables Chromium built, against the counts.
check_dom() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
from html.parser import HTMLParser

dom, expected = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bars, self.tables, self.tags = [], [], {}, set()
        self.cell, self.row = None, None
    def table_id(self):
        for tag, attrs in reversed(self.stack):
            if tag == "table" and "id" in attrs:
                return attrs["id"]
    def in_tbody(self):  # the nearest table section (Chromium adds tbody everywhere)
        for tag, _ in reversed(self.stack):
            if tag in ("tbody", "thead", "table"):
                return tag == "tbody"
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag in ("meta", "br", "img", "link", "input"):
            return
        self.stack.append((tag, attrs))
        tid = self.table_id()
        if tag == "td" and attrs.get("class") == "bar" and tid == "chart":
            self.bars.append((int(attrs["data-count"]), attrs.get("title", "")))
        if tag == "tr" and tid and self.in_tbody():
            self.row = []
            self.tables.setdefault(tid, []).append(self.row)
        if tag == "td" and self.row is not None:
            self.cell = ""
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        if tag == "tr":
            self.row = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

p = Dom()
p.feed(dom)
problems = []
def expect(cond, what):
    if not cond:
        problems.append(what)

expect("script" not in p.tags and "img" not in p.tags and "iframe" not in p.tags,
       "unexpected elements: %s" % sorted(p.tags & {"script", "img", "iframe"}))
counts = [c for c, _ in p.bars]
expect(counts == expected["hours"], "chart bars %s, expected %s" % (counts, expected["hours"]))
expect(p.bars and p.bars[7][1] == "07:00: 20 attempts", "bar title: %s" % (p.bars[7:8],))
ips = p.tables.get("top-ips", [])
want = expected["top_ips"][:10]
expect(len(ips) == len(want), "top-ips has %d rows, expected %d" % (len(ips), len(want)))
for row, (ip, count, users) in zip(ips, want):
    expect(row[:3] == [str(count), str(users), ip], "top-ips row %s, expected %s" % (row, (count, users, ip)))
users = p.tables.get("top-users", [])
expect(len(users) == min(10, expected["distinct_users"]), "top-users rows: %d" % len(users))
shown = [r[2] for r in users]
expect("(none)" not in shown, "a missing user name listed as a user name: %s" % shown)
expect("<script>alert(1)</script>" in shown, "hostile user not shown as text: %s" % shown)
expect("\\x0D\\x0ABcc: x@y" in shown, "CR LF user not escaped: %s" % shown)
for tid in ("top-auth", "top-countries", "top-asns", "top-as-orgs"):
    expect(len(p.tables.get(tid, [])) > 0, "table %s missing or empty" % tid)
expect(p.tables.get("top-countries", [[""]])[0][-1] == "FR", "countries: %s" % p.tables.get("top-countries"))
print("\n".join(problems) or "ok")
sys.exit(1 if problems else 0)
EOF
}

# check_png FILE W H COLOUR MIN [LEFT]: a PNG of W x H pixels with at least MIN
# pixels of COLOUR (r,g,b) (only in its LEFT columns when given); prints the count.
check_png() {
  python3 - "$@" <<'EOF'
import struct, sys, zlib
path, w, h, colour, minimum = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
left = int(sys.argv[6]) if len(sys.argv) > 6 else w
want = bytes(int(c) for c in colour.split(","))
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
width, height, depth, ctype, _, _, interlace = ihdr
assert (width, height) == (w, h), "size %dx%d" % (width, height)
assert depth == 8 and ctype in (2, 6) and interlace == 0, "format %s" % (ihdr,)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
found = 0
colours = set()
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    px = bytes(line)
    found += sum(1 for i in range(0, left * bpp, bpp) if px[i:i + 3] == want)
    if y % 50 == 0:
        colours.update(px[i:i + 3] for i in range(0, stride, bpp * 7))
    prev = line
print(found, len(colours))
assert found >= minimum, "only %d pixels of %s" % (found, colour)
assert len(colours) > 8, "a nearly uniform image (%d colours)" % len(colours)
EOF
}

@test "report-html: Chromium's DOM shows the hourly chart and the tables with the dataset's counts" {
  make_dataset "$T/data.csv" "$T/expected.json"
  run mls-report --csv "$T/data.csv" --now "$NOW" --window today --format html
  assert_success
  printf '%s\n' "$output" >"$T/report.html"
  grep -q '<meta charset="utf-8">' "$T/report.html"
  ! grep -qi '<script' "$T/report.html"
  run chromium_run --dump-dom "file://$T/report.html"
  assert_success
  printf '%s\n' "$output" >"$T/dom.html"
  grep -q 'id="chart"' "$T/dom.html"
  run check_dom "$T/dom.html" "$T/expected.json"
  assert_success
  assert_output ok
}

@test "report-html: a screenshot of the report is a PNG with the chart's bars painted" {
  make_dataset "$T/data.csv" "$T/expected.json"
  mls-report --csv "$T/data.csv" --now "$NOW" --window today --format html >"$T/report.html"
  run chromium_run --screenshot="$T/shot.png" --window-size=1000,2000 "file://$T/report.html"
  assert_success
  [ -s "$T/shot.png" ]
  [ "$(stat -c %s "$T/shot.png")" -gt 20000 ]
  # The bars' colour (#c0392b): 14 non-empty hours, 12 px high, up to ~480 px wide.
  run check_png "$T/shot.png" 1000 2000 192,57,43 5000
  assert_success
}

@test "report-html: an empty window renders a short page without a chart" {
  make_dataset "$T/data.csv" "$T/expected.json"
  run mls-report --csv "$T/data.csv" --now 2026-11-30T12:00:00+01:00 --window today --format html
  assert_success
  printf '%s\n' "$output" >"$T/report.html"
  run chromium_run --dump-dom "file://$T/report.html"
  assert_success
  printf '%s\n' "$output" >"$T/dom.html"
  grep -q 'No failed SMTP authentications in this window.' "$T/dom.html"
  ! grep -q 'id="chart"' "$T/dom.html"
  ! grep -q 'class="bar"' "$T/dom.html"
}

# widen_dataset IN OUT: the same rows made as wide as a report gets: the longest
# IPv4 addresses (still loopback), IPv6, unbreakable host and AS names, long user
# names, three long server names (the per-server table).
widen_dataset() {
  python3 - "$1" "$2" <<'EOF2'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
out = [rows[0]]
for i, r in enumerate(rows[1:]):
    r = list(r)
    r[0] = "mx%d.a-rather-long-server-name-for-this-test.example.test" % (i % 3)
    if r[2] != "::1":
        r[2] = "127.255.255.%d" % (200 + int(r[2].rsplit(".", 1)[1]))
    r[4] = "an-unbreakable-reverse-dns-name-%d.dynamic.customers.isp.example.test" % i
    r[8] = "AVERYLONGORGANISATIONNAMEWITHOUTANYSPACE-Communications-International"
    if i % 5 == 0:
        r[3] = "x" * 120
    out.append(r)
csv.writer(open(sys.argv[2], "w", newline=""), delimiter=";", lineterminator="\n").writerows(out)
EOF2
}

# phone_page REPORT PAGE WIDTH: PAGE shows REPORT in a WIDTH-px frame (Chromium's
# windows are at least 500 px wide) and, once it is laid out, writes into
# <pre id="measure"> the frame's scrollWidth and clientWidth and the innermost
# elements sticking out to the right.
phone_page() {
  python3 - "$@" <<'EOF2'
import html, sys
report, page, width = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3])
script = """<script>
function measure() {
  var doc = document.getElementById('f').contentDocument, root = doc.documentElement, out = [];
  out.push('scrollWidth=' + root.scrollWidth + ' clientWidth=' + root.clientWidth);
  doc.querySelectorAll('body *').forEach(function (e) {
    var wide = function (x) { return x.getBoundingClientRect().right > root.clientWidth + 0.5; };
    if (wide(e) && !Array.prototype.some.call(e.children, wide))
      out.push(e.tagName + ' ' + (e.textContent || '').slice(0, 40));
  });
  document.getElementById('measure').textContent = out.slice(0, 10).join('\\n');
}
</script>"""
open(page, "w").write(
    '<!DOCTYPE html><html><head><meta charset="utf-8">' + script + '</head>'
    '<body style="margin:0"><iframe id="f" onload="measure()" '
    'style="border:0;width:%dpx;height:20000px" srcdoc="%s"></iframe>'
    '<pre id="measure">not measured</pre></body></html>' % (width, html.escape(report, quote=True)))
EOF2
}

# measured DOM: what phone_page's script wrote.
measured() {
  python3 -c '
import html, re, sys
m = re.search(r"<pre id=\"measure\">(.*?)</pre>", open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "no measurement")' "$1"
}

@test "report-html: the report fits a 375-px phone with no horizontal scrolling (today and 7d, widest values)" {
  make_dataset "$T/data.csv" "$T/expected.json"
  widen_dataset "$T/data.csv" "$T/wide.csv"
  for csv in data wide; do
    for window in today 7d; do
      mls-report --csv "$T/$csv.csv" --now "$NOW" --window "$window" --format html \
        >"$T/report.html"
      phone_page "$T/report.html" "$T/phone.html" 375
      run chromium_run --dump-dom "file://$T/phone.html"
      assert_success
      printf '%s\n' "$output" >"$T/dom.html"
      run measured "$T/dom.html"
      echo "$csv $window: $output"
      assert_output "scrollWidth=375 clientWidth=375"
    done
  done
  grep -q 'mx2.a-rather-long-server-name' "$T/report.html"  # the servers table was there
  grep -q '127.255.255.2' "$T/report.html"
}

@test "report-html: a screenshot at 375 px shows the chart's bars inside the phone's width" {
  make_dataset "$T/data.csv" "$T/expected.json"
  mls-report --csv "$T/data.csv" --now "$NOW" --window today --format html >"$T/report.html"
  phone_page "$T/report.html" "$T/phone.html" 375
  run chromium_run --screenshot="$T/shot.png" --window-size=500,2000 "file://$T/phone.html"
  assert_success
  # The bars are painted in the frame's 375 px, at the phone's width.
  run check_png "$T/shot.png" 500 2000 192,57,43 1500 375
  assert_success
}
