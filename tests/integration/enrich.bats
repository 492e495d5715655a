#!/usr/bin/env bats
# mls-enrich against a real DNS server: unbound on loopback (scripts/unbound-test),
# every rdns_status, the persistent cache (hits, TTL, LRU bound, negative answers,
# a corrupt file), input order under concurrency, the GeoIP columns from the test
# .mmdb files, and attacker-controlled PTR names carried byte-exactly into the CSV.
#
# Only loopback: every mls-enrich call passes --dns-server 127.0.0.1:$DNS_PORT
# (or [::1]) or --no-dns.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load integ_helper

setup_file() {
  dns_skip_unless_installed
  SUITE_DIR=$(mktemp -d /tmp/mls-enrich-integ.XXXXXX)
  chmod 0755 "$SUITE_DIR"
  export SUITE_DIR
  dns_start "$SUITE_DIR/dns"
  MMDB_DIR=$SUITE_DIR/mmdb
  rc=0
  mmdb_make "$MMDB_DIR" || rc=$?
  if [ "$rc" = 3 ]; then MMDB_DIR=; elif [ "$rc" != 0 ]; then return 1; fi
  export MMDB_DIR
}

teardown_file() {
  dns_stop "${SUITE_DIR:-}/dns"
  [ -n "${SUITE_DIR:-}" ] && rm -rf "$SUITE_DIR"
}

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

DNS_DIR() { echo "$SUITE_DIR/dns"; }

# enrich ARGS...: mls-enrich asking only the test server.
enrich() { mls-enrich --dns-server "127.0.0.1:$DNS_PORT" "$@"; }

need_mmdb() {
  [ -n "$MMDB_DIR" ] || skip_unless_available "libmaxmind-db-writer-perl missing: no test .mmdb (scripts/install-deps)"
}

# cache_entries FILE: entries in a cache file (its first line is the header).
cache_entries() { tail -n +2 "$1" | grep -c . || true; }

@test "enrich: every rdns_status from the real server, exact names, v4 and v6" {
  events 192.0.2.1 192.0.2.10 198.51.100.7 2001:db8::25 192.0.2.99 2001:db8::99 \
    203.0.113.5 233.252.0.1 8.8.8.8 192.0.2.98 >"$T/in"
  run --separate-stderr enrich --no-cache --dns-timeout-ms 300 --stats <"$T/in"
  assert_success
  expected=$(printf '%s\n' \
    "192.0.2.1	mail.example.com	OK" \
    "192.0.2.10	host10.example.net	OK" \
    "198.51.100.7	scanner.example.org	OK" \
    "2001:db8::25	mx6.example.com	OK" \
    "192.0.2.99		NXDOMAIN" \
    "2001:db8::99		NXDOMAIN" \
    "203.0.113.5		SERVFAIL" \
    "233.252.0.1		TIMEOUT" \
    "8.8.8.8		REFUSED" \
    "192.0.2.98		NODATA")
  assert_equal "$(cut -f3,10,11 <<<"$output")" "$expected"
  # The 9 input columns are untouched; 14 columns out.
  assert_equal "$(cut -f1-9 <<<"$output")" "$(cat "$T/in")"
  assert_equal "$(awk -F'\t' '{print NF}' <<<"$output" | sort -u)" 14
  assert_equal "$stderr" "mls-enrich: records=10 queries=10 cache_hits=0 ok=4 nxdomain=2 servfail=1 timeout=1 refused=1 nodata=1 error=0"
}

@test "enrich: every status was really asked of the server (query log)" {
  for ip in 192.0.2.1 2001:db8::25 192.0.2.99 203.0.113.5 233.252.0.1 8.8.8.8 192.0.2.98; do
    before=$(ptr_queries "$(DNS_DIR)" "$ip")
    events "$ip" | enrich --no-cache --dns-timeout-ms 300 >/dev/null
    after=$(ptr_queries "$(DNS_DIR)" "$ip")
    [ "$after" -gt "$before" ] || { echo "$ip: not asked ($before -> $after)"; return 1; }
  done
}

@test "enrich: an IPv6 server address works ([::1]:PORT)" {
  run mls-enrich --dns-server "[::1]:$DNS_PORT" --no-cache < <(events 192.0.2.1 2001:db8::99)
  assert_success
  assert_equal "$(cut -f10,11 <<<"$output")" "$(printf 'mail.example.com\tOK\n\tNXDOMAIN')"
}

@test "enrich: TIMEOUT costs about one timeout, however many" {
  ips=()
  for i in $(seq 1 200); do ips+=("10.200.$((i / 256)).$((i % 256))"); done
  start=$(date +%s%N)
  run --separate-stderr enrich --no-cache --dns-timeout-ms 500 --stats < <(events "${ips[@]}")
  ms=$((($(date +%s%N) - start) / 1000000))
  assert_success
  assert_equal "$(cut -f11 <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" "200 TIMEOUT"
  echo "200 timeouts took $ms ms"
  [ "$ms" -lt 2500 ]
}

@test "enrich: --no-dns asks nothing, status DISABLED, rdns empty" {
  before=$(ptr_queries "$(DNS_DIR)")
  run --separate-stderr mls-enrich --no-dns --no-cache --stats < <(events 192.0.2.1 2001:db8::25 8.8.8.8)
  assert_success
  assert_equal "$(cut -f3,10- <<<"$output")" "$(printf '192.0.2.1\t\tDISABLED\t\t\t\n2001:db8::25\t\tDISABLED\t\t\t\n8.8.8.8\t\tDISABLED\t\t\t')"
  assert_equal "$(ptr_queries "$(DNS_DIR)")" "$before"
  assert_equal "$stderr" "mls-enrich: records=3 queries=0 cache_hits=0 ok=0 nxdomain=0 servfail=0 timeout=0 refused=0 nodata=0 error=0"
}

# ---- no DNS server reachable -------------------------------------------------

# free_udp_port: a loopback UDP port nothing listens on (bound, then released).
free_udp_port() {
  python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

@test "enrich: no DNS server reachable (nothing listens on the loopback port): one warning for the run" {
  port=$(free_udp_port)
  ips=(192.0.2.1 192.0.2.10 198.51.100.7 2001:db8::25 192.0.2.99 203.0.113.5)
  run --separate-stderr mls-enrich --dns-server "127.0.0.1:$port" --no-cache --dns-timeout-ms 300 \
    < <(events "${ips[@]}" "${ips[@]}")
  assert_success
  assert_equal "$(wc -l <<<"$output")" 12
  assert_equal "$(cut -f11 <<<"$output" | grep -cvx 'TIMEOUT\|ERROR')" 0
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" =~ ^"mls-enrich: no reverse DNS answer at all: "([0-9]+)" lookups failed (TIMEOUT "([0-9]+)", ERROR "([0-9]+)"); is a DNS server reachable? (servers: 127.0.0.1:$port; set by [dns] servers or --dns-server)"$ ]] ||
    { echo "stderr: $stderr"; return 1; }
  # 6 addresses, each twice: a refused lookup (ERROR, at once) may end before
  # its repeat arrives, which is then asked again; a pending one is shared.
  local n=${BASH_REMATCH[1]}
  ((n >= 6 && n <= 12 && BASH_REMATCH[2] + BASH_REMATCH[3] == n)) || { echo "stderr: $stderr"; return 1; }
}

@test "enrich: the real server answering: no such warning, even with some TIMEOUTs" {
  run --separate-stderr enrich --no-cache --dns-timeout-ms 300 \
    < <(events 192.0.2.1 192.0.2.10 198.51.100.7 2001:db8::25 192.0.2.99 233.252.0.1 233.252.0.2)
  assert_success
  assert_equal "$(cut -f11 <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" "$(printf '1 NXDOMAIN\n4 OK\n2 TIMEOUT')"
  assert_equal "$stderr" ""
}

# ---- the cache ---------------------------------------------------------------

@test "enrich cache: a second run asks the server nothing for cached IPs, same output" {
  events 192.0.2.1 2001:db8::25 198.51.100.7 192.0.2.1 >"$T/in"
  before=$(ptr_queries "$(DNS_DIR)")
  run --separate-stderr enrich --cache "$T/cache" --stats <"$T/in"
  assert_success
  first=$output
  [[ "$stderr" == "mls-enrich: records=4 queries=3 "* ]]  # the repeat is not asked twice
  mid=$(ptr_queries "$(DNS_DIR)")
  assert_equal "$mid" "$((before + 3))"
  assert_equal "$(cache_entries "$T/cache")" 3
  run --separate-stderr enrich --cache "$T/cache" --stats <"$T/in"
  assert_success
  assert_equal "$output" "$first"
  assert_equal "$(ptr_queries "$(DNS_DIR)")" "$mid"
  assert_equal "$stderr" "mls-enrich: records=4 queries=0 cache_hits=4 ok=4 nxdomain=0 servfail=0 timeout=0 refused=0 nodata=0 error=0"
}

@test "enrich cache: negative answers are cached too (NXDOMAIN, NODATA, SERVFAIL, REFUSED, TIMEOUT)" {
  events 192.0.2.99 2001:db8::99 192.0.2.98 203.0.113.7 8.8.4.4 233.252.0.9 >"$T/in"
  enrich --cache "$T/cache" --dns-timeout-ms 300 <"$T/in" >"$T/out1"
  assert_equal "$(cut -f11 "$T/out1" | tr '\n' ' ')" "NXDOMAIN NXDOMAIN NODATA SERVFAIL REFUSED TIMEOUT "
  assert_equal "$(cache_entries "$T/cache")" 6
  mid=$(ptr_queries "$(DNS_DIR)")
  run --separate-stderr enrich --cache "$T/cache" --dns-timeout-ms 300 --stats <"$T/in"
  assert_success
  assert_equal "$output" "$(cat "$T/out1")"
  assert_equal "$(ptr_queries "$(DNS_DIR)")" "$mid"
  assert_equal "$stderr" "mls-enrich: records=6 queries=0 cache_hits=6 ok=0 nxdomain=2 servfail=1 timeout=1 refused=1 nodata=1 error=0"
}

@test "enrich cache: --cache-ttl 1, two seconds later the server is asked again" {
  events 192.0.2.10 >"$T/in"
  enrich --cache "$T/cache" --cache-ttl 1 <"$T/in" >/dev/null
  n1=$(ptr_queries "$(DNS_DIR)" 192.0.2.10)
  assert_equal "$(cache_entries "$T/cache")" 1
  sleep 2
  run enrich --cache "$T/cache" --cache-ttl 1 <"$T/in"
  assert_success
  assert_equal "$(cut -f10,11 <<<"$output")" "$(printf 'host10.example.net\tOK')"
  assert_equal "$(ptr_queries "$(DNS_DIR)" 192.0.2.10)" "$((n1 + 1))"
}

@test "enrich cache: --cache-size 2 with 3 IPs keeps 2; the evicted one is asked again" {
  ips=(192.0.2.1 192.0.2.10 198.51.100.7)
  events "${ips[@]}" | enrich --cache "$T/cache" --cache-size 2 >/dev/null
  assert_equal "$(cache_entries "$T/cache")" 2
  evicted=
  for ip in "${ips[@]}"; do
    tail -n +2 "$T/cache" | cut -f1 | grep -qxF "$ip" || evicted="$evicted$ip"
  done
  [[ "$evicted" =~ ^[0-9.]+$ ]] || { echo "evicted: '$evicted'"; cat "$T/cache"; return 1; }
  for ip in "${ips[@]}"; do
    [ "$ip" = "$evicted" ] && continue
    n=$(ptr_queries "$(DNS_DIR)" "$ip")
    events "$ip" | enrich --cache "$T/cache" --cache-size 2 >/dev/null
    assert_equal "$(ptr_queries "$(DNS_DIR)" "$ip")" "$n"  # cached: not asked
  done
  n=$(ptr_queries "$(DNS_DIR)" "$evicted")
  run enrich --cache "$T/cache" --cache-size 2 < <(events "$evicted")
  assert_success
  assert_equal "$(cut -f11 <<<"$output")" OK
  assert_equal "$(ptr_queries "$(DNS_DIR)" "$evicted")" "$((n + 1))"
  assert_equal "$(cache_entries "$T/cache")" 2
}

@test "enrich cache: a corrupt cache file gives one warning, the run still works and rewrites it" {
  printf 'this is not\ta cache\n\x00\xff garbage\n' >"$T/cache"
  run --separate-stderr enrich --cache "$T/cache" < <(events 192.0.2.1 192.0.2.99)
  assert_success
  assert_equal "$(cut -f10,11 <<<"$output")" "$(printf 'mail.example.com\tOK\n\tNXDOMAIN')"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" == mls-enrich:* ]]
  [[ "$stderr" == *"$T/cache"* ]]
  # Rewritten as a valid cache: the next run warns about nothing and asks nothing.
  mid=$(ptr_queries "$(DNS_DIR)")
  run --separate-stderr enrich --cache "$T/cache" < <(events 192.0.2.1 192.0.2.99)
  assert_success
  assert_equal "$stderr" ""
  assert_equal "$(ptr_queries "$(DNS_DIR)")" "$mid"
}

# ---- order under concurrency ---------------------------------------------------

@test "enrich: output order = input order with fast answers, timeouts and repeats mixed" {
  # 3000 records, --dns-concurrency 64, and 200 distinct silent IPs: more than
  # the slots, so resolvable lookups queue behind them; every one must still
  # get its own answer (none may be reported TIMEOUT without being asked).
  python3 - >"$T/ips" <<'PY'
import random
rnd = random.Random(7)
ips = []
for i in range(3000):
    r = rnd.random()
    if r < 0.15:  # TIMEOUT; 200 distinct, more than the 64 slots
        ips.append("233.252.0.%d" % rnd.randrange(1, 201))
    elif r < 0.19:
        ips.append(rnd.choice(["192.0.2.99", "203.0.113.1", "8.8.8.8", "2001:db8::99"]))
    else:
        ips.append("10.1.%d.%d" % (rnd.randrange(0, 80), rnd.randrange(0, 256)))
print("\n".join(ips))
PY
  mapfile -t ips <"$T/ips"
  events "${ips[@]}" | awk -F'\t' -v OFS='\t' '{ $7 = NR; print }' >"$T/in"
  run --separate-stderr enrich --no-cache --dns-timeout-ms 400 --dns-concurrency 64 --stats <"$T/in"
  assert_success
  printf '%s\n' "$output" >"$T/out"
  cut -f1-9 "$T/out" | cmp - "$T/in"
  # Each answer belongs to its own record.
  python3 - "$T/out" <<'PY'
import sys
want = {"192.0.2.99": "NXDOMAIN", "2001:db8::99": "NXDOMAIN", "203.0.113.1": "SERVFAIL",
        "8.8.8.8": "REFUSED"}
for n, line in enumerate(open(sys.argv[1]), 1):
    f = line.rstrip("\n").split("\t")
    ip, rdns, st = f[2], f[9], f[10]
    if ip.startswith("10.1."):
        ok = st == "OK" and rdns == "h-%s.bench.example" % ip[3:].replace(".", "-")
    elif ip.startswith("233.252."):
        ok = st == "TIMEOUT" and rdns == ""
    else:
        ok = st == want[ip] and rdns == ""
    if not ok:
        sys.exit("line %d: %s -> %r %s" % (n, ip, rdns, st))
PY
}

# ---- GeoIP ---------------------------------------------------------------------

@test "enrich: country, asn and as_org from the test databases, with DNS, same IPs" {
  need_mmdb
  run --separate-stderr enrich --no-cache --dns-timeout-ms 300 \
    --country-db "$MMDB_DIR/test-country.mmdb" --asn-db "$MMDB_DIR/test-asn.mmdb" \
    < <(events 192.0.2.1 198.51.100.7 203.0.113.5 233.252.0.1 2001:db8::25 198.18.0.1 8.8.8.8 100.64.0.1 127.0.0.1)
  assert_success
  assert_equal "$stderr" ""
  expected=$(printf '%s\n' \
    "192.0.2.1	mail.example.com	OK	DE	64500	Example Net DE" \
    "198.51.100.7	scanner.example.org	OK	CN	64501	Scanner Org" \
    "203.0.113.5		SERVFAIL	FR	64502	Servfail Networks" \
    "233.252.0.1		TIMEOUT	US	64503	Silent Drop Inc" \
    "2001:db8::25	mx6.example.com	OK	NL	64504	IPv6 Docs B.V." \
    '198.18.0.1		REFUSED		64505	=HYPERLINK("x");evil' \
    "8.8.8.8		REFUSED			" \
    "100.64.0.1		NXDOMAIN		64506	" \
    "127.0.0.1	localhost	OK	ZZ		")  # unbound's built-in zones (RFC 6598, localhost)
  assert_equal "$(cut -f3,10- <<<"$output")" "$expected"
}

@test "enrich: geo columns work with --no-dns too; a missing database is one warning, empty columns" {
  need_mmdb
  run --separate-stderr mls-enrich --no-dns --no-cache \
    --country-db "$MMDB_DIR/test-country.mmdb" --asn-db "$T/missing.mmdb" \
    < <(events 192.0.2.1 2001:db8::25 192.0.2.2)
  assert_success
  assert_equal "$(cut -f3,10- <<<"$output")" "$(printf '192.0.2.1\t\tDISABLED\tDE\t\t\n2001:db8::25\t\tDISABLED\tNL\t\t\n192.0.2.2\t\tDISABLED\tDE\t\t')"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" == *"$T/missing.mmdb"* ]]
}

@test "enrich: a database in the wrong role is an error at start naming file and type, exit 2" {
  need_mmdb
  run --separate-stderr mls-enrich --no-dns --no-cache --country-db "$MMDB_DIR/test-asn.mmdb" \
    < <(events 192.0.2.1)
  assert_failure 2
  assert_output ''
  assert_equal "$stderr" "mls-enrich: $MMDB_DIR/test-asn.mmdb: database type 'GeoLite2-ASN' is not a country database (country_db_path or --country-db)"
  mkdir -p "$T/state"
  printf '[paths]\nworking_dir = %s\nstate_dir = %s\nmail_log = %s\n[ipinfo]\nasn_db_path = %s\n' \
    "$T" "$T/state" "$T/mail.log" "$MMDB_DIR/test-country.mmdb" >"$T/mls.conf"
  run --separate-stderr mls-enrich --config "$T/mls.conf" --no-dns < <(events 192.0.2.1)
  assert_failure 2
  assert_output ''
  assert_equal "$stderr" "mls-enrich: $MMDB_DIR/test-country.mmdb: database type 'GeoLite2-Country' is not an ASN database (asn_db_path or --asn-db)"
}

@test "enrich: MaxMind's own test databases give EXPECTED.md's answers" {
  M=$SHARED_TESTDATA/mmdb
  [ -d "$M" ] || skip "no $M"
  run --separate-stderr mls-enrich --no-dns --no-cache \
    --country-db "$M/GeoLite2-Country-Test.mmdb" --asn-db "$M/GeoLite2-ASN-Test.mmdb" \
    < <(events 81.2.69.160 89.160.20.128 216.160.83.56 202.196.224.1 2001:218::1 67.43.156.1 \
      ::ffff:81.2.69.160 2a02:d500::1 1.1.1.1 1.0.0.1 1.128.0.1 12.81.92.1 89.160.20.112 \
      2600:6000::1 2001:1700::1 12.81.96.1)
  assert_success
  expected=$(printf '%s\n' \
    "81.2.69.160	GB		" \
    "89.160.20.128	SE	29518	Bredband2 AB" \
    "216.160.83.56	US	209	" \
    "202.196.224.1	PH		" \
    "2001:218::1	JP		" \
    "67.43.156.1	BT	35908	" \
    "::ffff:81.2.69.160	GB		" \
    "2a02:d500::1			" \
    "1.1.1.1			" \
    "1.0.0.1		15169	Google Inc." \
    "1.128.0.1		1221	Telstra Pty Ltd" \
    "12.81.92.1		7018	AT&T Services" \
    "89.160.20.112	SE	29518	Bredband2 AB" \
    "2600:6000::1		237	Merit Network Inc." \
    "2001:1700::1		6730	Sunrise Communications AG" \
    "12.81.96.1		7018	")
  assert_equal "$(cut -f3,12- <<<"$output")" "$expected"
  # GeoIP2-Country-Test: 214.1.1.1 is found but has no country key.
  run mls-enrich --no-dns --no-cache --country-db "$M/GeoIP2-Country-Test.mmdb" \
    < <(events 149.101.100.1 175.16.199.1 2001:220::1 214.1.1.1 74.209.24.1)
  assert_success
  assert_equal "$(cut -f12 <<<"$output" | tr '\n' ' ')" "US CN KR  US "
}

@test "mls-ipinfo: MaxMind's test databases give EXPECTED.md's answers (--json)" {
  M=$SHARED_TESTDATA/mmdb
  [ -d "$M" ] || skip "no $M"
  command -v mls-ipinfo >/dev/null || skip "mls-ipinfo not built"
  run --separate-stderr mls-ipinfo --json --country-db "$M/GeoLite2-Country-Test.mmdb" \
    --asn-db "$M/GeoLite2-ASN-Test.mmdb" 81.2.69.160 2001:218::1 1.0.0.1 12.81.96.1 1.1.1.1 \
    89.160.20.112
  assert_success
  printf '%s\n' "$output" >"$T/json"
  python3 - "$T/json" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [
    {"ip": "81.2.69.160", "country": "GB", "asn": None, "as_org": None},
    {"ip": "2001:218::1", "country": "JP", "asn": None, "as_org": None},
    {"ip": "1.0.0.1", "country": None, "asn": 15169, "as_org": "Google Inc."},
    {"ip": "12.81.96.1", "country": None, "asn": 7018, "as_org": None},
    {"ip": "1.1.1.1", "country": None, "asn": None, "as_org": None},
    {"ip": "89.160.20.112", "country": "SE", "asn": 29518, "as_org": "Bredband2 AB"},
]
assert got == want, got
PY
}

# ---- hostile PTR names into the CSV --------------------------------------------

@test "enrich | mls-store: hostile PTR names arrive byte-exact in the CSV, forge nothing, formulas neutralised" {
  need_mmdb
  mapfile -t ips <"$(DNS_DIR)/hostile-ips"
  ips+=(198.18.0.1)  # its as_org is =HYPERLINK("x");evil
  for ip in "${ips[@]}"; do
    if [ "$ip" = 198.18.0.1 ]; then : >"$T/served.$ip"; else served_ptr "$ip" >"$T/served.$ip"; fi
  done
  # dig's view of the bytes really is hostile (the escapes were undone).
  grep -qP '\t' "$T/served.192.0.2.20"
  [ "$(wc -l <"$T/served.192.0.2.21")" = 1 ]
  grep -qF '\' "$T/served.192.0.2.22"
  [ "$(wc -c <"$T/served.198.51.100.31")" = 253 ]
  events "${ips[@]}" >"$T/in"
  enrich --no-cache --dns-timeout-ms 300 --asn-db "$MMDB_DIR/test-asn.mmdb" <"$T/in" |
    mls-store --csv "$T/out.csv"
  python3 - "$T" "$T/out.csv" "${ips[@]}" <<'PY'
import csv, sys
t, path, ips = sys.argv[1], sys.argv[2], sys.argv[3:]
def undo(cell):  # mls-store's formula neutralisation, undone exactly
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell
with open(path, newline="", encoding="latin-1") as f:
    rows = list(csv.reader(f, delimiter=";"))
header = rows[0]
assert header[:9] == ["server", "date", "ip", "user", "hostname", "reverse_dns_status",
                      "country_code", "asn", "aso"], header
assert len(rows) == 1 + len(ips), "rows: %d for %d events" % (len(rows) - 1, len(ips))
col = {n: i for i, n in enumerate(header)}
for ip, row in zip(ips, rows[1:]):
    assert len(row) == len(header), "%s: %d columns: %r" % (ip, len(row), row)
    assert row[col["ip"]] == ip, (ip, row)
    served = open("%s/served.%s" % (t, ip), "rb").read().decode("latin-1")
    got = undo(row[col["hostname"]])
    assert got == served, "%s: CSV %r, served %r" % (ip, got, served)
    status = row[col["reverse_dns_status"]]
    assert status == ("OK" if served else "REFUSED"), (ip, status)
    for name in ("hostname", "aso"):  # a cell never starts with a formula character
        assert row[col[name]][:1] not in ("=", "+", "-", "@", "\t", "\r"), (ip, name, row[col[name]])
byip = dict(zip(ips, rows[1:]))
assert byip["192.0.2.25"][col["hostname"]].startswith("'=cmd|"), byip["192.0.2.25"]
assert byip["198.51.100.32"][col["hostname"]].startswith("'@SUM("), byip["198.51.100.32"]
assert byip["198.18.0.1"][col["aso"]] == "'=HYPERLINK(\"x\");evil", byip["198.18.0.1"]
assert byip["198.18.0.1"][col["asn"]] == "64505"
PY
}
