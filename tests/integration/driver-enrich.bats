#!/usr/bin/env bats
# The driver's whole pipeline with enrichment: maillogsentinel runs
# mls-tail | mls-parse | mls-enrich | mls-store with [dns] servers pointing at a
# real unbound on loopback, the persistent cache in state_dir and the test
# GeoIP databases; the CSV's enrichment columns are checked row by row.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load ../cli/driver_helper
load integ_helper

setup_file() {
  dns_skip_unless_installed
  SUITE_DIR=$(mktemp -d /tmp/mls-driver-integ.XXXXXX)
  chmod 0755 "$SUITE_DIR"
  export SUITE_DIR
  dns_start "$SUITE_DIR/dns"
  MMDB_DIR=$SUITE_DIR/mmdb
  rc=0
  mmdb_make "$MMDB_DIR" || rc=$?
  if [ "$rc" = 3 ]; then MMDB_DIR=; elif [ "$rc" != 0 ]; then return 1; fi
  [ -z "$MMDB_DIR" ] || chmod a+r "$MMDB_DIR"/*.mmdb
  export MMDB_DIR
}

teardown_file() {
  dns_stop "${SUITE_DIR:-}/dns"
  [ -n "${SUITE_DIR:-}" ] && rm -rf "$SUITE_DIR"
}

setup() { drv_scratch; }
teardown() { mls_scratch_cleanup; }

# enrich_config: the driver config with DNS on, asking only the test server.
enrich_config() {
  cat <<EOF
[paths]
working_dir = $T/work
state_dir = $T/state
mail_log = $T/log/mail.log

[general]
log_level = INFO

[dns]
enabled = true
servers = 127.0.0.1:$DNS_PORT
timeout_ms = 500
concurrency = 32

[dns_cache]
enabled = true
size = 100
ttl_seconds = 3600
EOF
  if [ -n "$MMDB_DIR" ]; then
    printf '\n[ipinfo]\ncountry_db_path = %s\nasn_db_path = %s\n' \
      "$MMDB_DIR/test-country.mmdb" "$MMDB_DIR/test-asn.mmdb"
  fi
}

# csv_enrichment CSV: "ip hostname status country asn aso" per row, tab-separated,
# the leading-quote neutralisation undone.
csv_enrichment() {
  python3 - "$1" <<'PY'
import csv, sys
def undo(c):
    return c[1:] if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@", "\t", "\r") else c
with open(sys.argv[1], newline="", encoding="latin-1") as f:
    rows = csv.DictReader(f, delimiter=";")
    for r in rows:
        print("\t".join(undo(r[k]) for k in
                        ("ip", "hostname", "reverse_dns_status", "country_code", "asn", "aso")))
PY
}

IPS=(192.0.2.1 2001:db8::25 192.0.2.99 203.0.113.5 233.252.0.1 8.8.8.8 198.51.100.7 192.0.2.98 192.0.2.1)

@test "driver + enrichment: real DNS and GeoIP columns in the CSV, cache in state_dir" {
  [ -n "$MMDB_DIR" ] || skip_unless_available "libmaxmind-db-writer-perl missing: no test .mmdb"
  enrich_config >"$T/conf"
  maillog_lines "${IPS[@]}" >"$T/log/mail.log"
  give_to_user "$T"
  before=$(ptr_queries "$SUITE_DIR/dns")
  before_silent=$(ptr_queries "$SUITE_DIR/dns" 233.252.0.1)
  run drv_run -v
  assert_success
  assert_line "maillogsentinel: 9 new lines read, 9 events stored, 8 reverse DNS queries, 0 cache hits"
  expected=$(printf '%s\n' \
    "192.0.2.1	mail.example.com	OK	DE	64500	Example Net DE" \
    "2001:db8::25	mx6.example.com	OK	NL	64504	IPv6 Docs B.V." \
    "192.0.2.99		NXDOMAIN	DE	64500	Example Net DE" \
    "203.0.113.5		SERVFAIL	FR	64502	Servfail Networks" \
    "233.252.0.1		TIMEOUT	US	64503	Silent Drop Inc" \
    "8.8.8.8		REFUSED			" \
    "198.51.100.7	scanner.example.org	OK	CN	64501	Scanner Org" \
    "192.0.2.98		NODATA	DE	64500	Example Net DE" \
    "192.0.2.1	mail.example.com	OK	DE	64500	Example Net DE")
  assert_equal "$(csv_enrichment "$T/work/maillogsentinel.csv")" "$expected"
  # Each address asked once (c-ares may resend the one the server drops).
  silent=$(($(ptr_queries "$SUITE_DIR/dns" 233.252.0.1) - before_silent))
  [ "$silent" -ge 1 ]
  assert_equal "$(($(ptr_queries "$SUITE_DIR/dns") - silent))" "$((before + 7))"
  # The cache file the driver passed (state_dir/dns-cache), one entry per IP.
  [ -f "$T/state/dns-cache" ]
  assert_equal "$(tail -n +2 "$T/state/dns-cache" | cut -f1 | sort -u | wc -l)" 8
  # mls-enrich's stats are logged at INFO, nothing from it as a warning.
  grep -q ' INFO mls-enrich: records=9 queries=8 ' "$T/work/maillogsentinel.log" ||
    { cat "$T/work/maillogsentinel.log"; return 1; }
  ! grep ' WARNING mls-enrich' "$T/work/maillogsentinel.log"

  # New lines from the same IPs: every answer comes from the cache.
  mid=$(ptr_queries "$SUITE_DIR/dns")
  maillog_lines 192.0.2.1 2001:db8::25 192.0.2.99 8.8.8.8 >>"$T/log/mail.log"
  run drv_run -v
  assert_success
  assert_line "maillogsentinel: 4 new lines read, 4 events stored, 0 reverse DNS queries, 4 cache hits"
  assert_equal "$(ptr_queries "$SUITE_DIR/dns")" "$mid"
  assert_equal "$(csv_enrichment "$T/work/maillogsentinel.csv" | tail -n 4 | cut -f1-3)" \
    "$(printf '192.0.2.1\tmail.example.com\tOK\n2001:db8::25\tmx6.example.com\tOK\n192.0.2.99\t\tNXDOMAIN\n8.8.8.8\t\tREFUSED')"
}

@test "driver + enrichment: hostile PTR names through the whole pipeline, byte-exact, no forged row" {
  enrich_config >"$T/conf"
  mapfile -t ips <"$SUITE_DIR/dns/hostile-ips"
  maillog_lines "${ips[@]}" >"$T/log/mail.log"
  give_to_user "$T"
  run drv_run
  assert_success
  [ "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""), delimiter=";")))' "$T/work/maillogsentinel.csv")" = $((${#ips[@]} + 1)) ]
  csv_enrichment "$T/work/maillogsentinel.csv" >"$T/got"
  i=0
  for ip in "${ips[@]}"; do
    i=$((i + 1))
    served_ptr "$ip" >"$T/want"
    python3 - "$T/got" "$i" "$ip" "$T/want" <<'PY'
import csv, sys
def undo(c):
    return c[1:] if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@", "\t", "\r") else c
rows = list(csv.DictReader(open(sys.argv[1].replace("/got", "/work/maillogsentinel.csv"),
                                newline="", encoding="latin-1"), delimiter=";"))
r = rows[int(sys.argv[2]) - 1]
want = open(sys.argv[4], "rb").read().decode("latin-1")
assert r["ip"] == sys.argv[3], (r["ip"], sys.argv[3])
assert undo(r["hostname"]) == want, (sys.argv[3], r["hostname"], want)
assert r["reverse_dns_status"] == "OK", r
PY
  done
}

@test "driver: [dns] enabled = false asks nothing (DISABLED); [dns_cache] enabled = false writes no cache" {
  enrich_config | sed 's/^enabled = true$/enabled = false/' >"$T/conf"
  grep -c '^enabled = false$' "$T/conf" | grep -qx 2
  maillog_lines 192.0.2.1 2001:db8::25 8.8.8.8 >"$T/log/mail.log"
  give_to_user "$T"
  before=$(ptr_queries "$SUITE_DIR/dns")
  run drv_run -v
  assert_success
  assert_line "maillogsentinel: 3 new lines read, 3 events stored"
  assert_equal "$(csv_enrichment "$T/work/maillogsentinel.csv" | cut -f1-3)" \
    "$(printf '192.0.2.1\t\tDISABLED\n2001:db8::25\t\tDISABLED\n8.8.8.8\t\tDISABLED')"
  assert_equal "$(ptr_queries "$SUITE_DIR/dns")" "$before"
  [ ! -e "$T/state/dns-cache" ]
}

@test "driver + enrichment: the --dry-run pipeline run by the shell gives the driver's CSV" {
  enrich_config | sed '/^\[dns_cache\]/,/^$/ s/^enabled = true$/enabled = false/' >"$T/conf"
  maillog_lines "${IPS[@]}" >"$T/log/mail.log"
  give_to_user "$T"
  run drv_run -n
  assert_success
  assert_output --partial "--dns-server 127.0.0.1:$DNS_PORT --dns-timeout-ms 500 --dns-concurrency 32 --no-cache"
  as_user bash -c "$output" 2>/dev/null
  mv "$T/work/maillogsentinel.csv" "$T/shell.csv"
  rm -f "$T/state/"*
  run drv_run
  assert_success
  cmp "$T/shell.csv" "$T/work/maillogsentinel.csv"
}
