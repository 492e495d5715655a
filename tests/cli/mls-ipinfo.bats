#!/usr/bin/env bats
# mls-ipinfo: country/ASN queries and --update of the MaxMind databases.
# Test databases come from tests/data/make-test-mmdb (skipped without
# libmaxmind-db-writer-perl); HTTP and HTTPS servers are started on 127.0.0.1
# only, HTTPS with a throwaway self-signed certificate made by openssl.

load test_helper
bats_require_minimum_version 1.5.0

HTTPD="$MLS_SRCDIR/tests/cli/mls-ipinfo-httpd.py"

setup_file() {
  export DB="$BATS_FILE_TMPDIR/db"
  mkdir -p "$DB"
  rc=0
  "$MLS_SRCDIR/tests/data/make-test-mmdb" "$DB" || rc=$?
  echo "$rc" >"$BATS_FILE_TMPDIR/make-rc"
}

setup() {
  mls_scratch
  case "$(cat "$BATS_FILE_TMPDIR/make-rc")" in
    0) ;;
    3) skip "libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree) missing" ;;
    *) false "tests/data/make-test-mmdb failed" ;;
  esac
  C="$DB/test-country.mmdb"
  A="$DB/test-asn.mmdb"
  SERVER_PIDS=()
}

teardown() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  mls_scratch_cleanup
}

# server MODE [ARG]: starts the loopback helper, sets PORT.
server() {
  local pf="$T/port.$RANDOM"
  python3 "$HTTPD" "$pf" "$@" 3>&- &
  SERVER_PIDS+=($!)
  local i
  for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
  PORT=$(cat "$pf")
  [ -n "$PORT" ]
}

# Installs "old" databases to be replaced: $T/geo/country.mmdb and asn.mmdb, plus
# reference copies to compare against.
old_dbs() {
  mkdir -p "$T/geo"
  cp "$A" "$T/geo/country.mmdb"   # deliberately the "wrong" content: easy to tell apart
  cp "$C" "$T/geo/asn.mmdb"
  cp "$T/geo/country.mmdb" "$T/old-country"
  cp "$T/geo/asn.mmdb" "$T/old-asn"
}

# A throwaway self-signed certificate for 127.0.0.1: $T/cert.pem, $T/key.pem.
tls_cert() {
  command -v openssl >/dev/null || { echo "openssl is not installed" >&2; return 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -days 1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.log" || { cat "$T/openssl.log" >&2; return 1; }
}

kept() { cmp "$T/old-$1" "$T/geo/$1.mmdb"; }
no_temp_files() { [ "$(ls -A "$T/geo" | grep -cv '^\(country\|asn\)\.mmdb$')" = 0 ]; }

# ---- queries ------------------------------------------------------------------

@test "mls-ipinfo: text output, one aligned line per address" {
  run mls-ipinfo --country-db "$C" --asn-db "$A" 192.0.2.1 2001:db8::1 198.51.100.20 10.0.0.1
  assert_success
  assert_output "$(cat <<'EOF'
192.0.2.1      DE  AS64500  Example Net DE
2001:db8::1    NL  AS64504  IPv6 Docs B.V.
198.51.100.20  CN  AS64501  Scanner Org
10.0.0.1       -   -        -
EOF
)"
}

@test "mls-ipinfo: '-' reads the addresses from standard input, one a line" {
  run mls-ipinfo --country-db "$C" --asn-db "$A" 192.0.2.1 2001:db8::1 198.51.100.20 10.0.0.1
  assert_success
  expected=$output
  run bash -c 'printf "2001:db8::1\n\n 198.51.100.20\r\n10.0.0.1" |
    mls-ipinfo --country-db "$1" --asn-db "$2" 192.0.2.1 -' _ "$C" "$A"
  assert_success
  assert_output "$expected"
}

@test "mls-ipinfo: --json, one object per line, hostile organisation escaped, nulls" {
  run --separate-stderr mls-ipinfo --json --country-db "$C" --asn-db "$A" \
    203.0.113.9 198.18.0.1 127.0.0.1 10.0.0.1
  assert_success
  assert_output "$(cat <<'EOF'
{"ip":"203.0.113.9","country":"FR","asn":64502,"as_org":"Servfail Networks"}
{"ip":"198.18.0.1","country":null,"asn":64505,"as_org":"=HYPERLINK(\"x\");evil"}
{"ip":"127.0.0.1","country":"ZZ","asn":null,"as_org":null}
{"ip":"10.0.0.1","country":null,"asn":null,"as_org":null}
EOF
)"
  # Every line is valid JSON that round-trips the organisation.
  echo "$output" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows[1]["as_org"] == "=HYPERLINK(\"x\");evil", rows[1]
assert rows[1]["asn"] == 64505'
}

@test "mls-ipinfo: IPv6, IPv4-mapped IPv6 and 233.252.0.0/24" {
  run mls-ipinfo --json --country-db "$C" --asn-db "$A" 2001:db8:ffff::1 ::ffff:192.0.2.1 233.252.0.5
  assert_success
  assert_line -n 0 '{"ip":"2001:db8:ffff::1","country":"NL","asn":64504,"as_org":"IPv6 Docs B.V."}'
  assert_line -n 1 '{"ip":"::ffff:192.0.2.1","country":"DE","asn":64500,"as_org":"Example Net DE"}'
  assert_line -n 2 '{"ip":"233.252.0.5","country":"US","asn":64503,"as_org":"Silent Drop Inc"}'
}

@test "mls-ipinfo: an invalid address is reported, the others still printed, exit 1" {
  run --separate-stderr mls-ipinfo --country-db "$C" --asn-db "$A" 192.0.2.1 300.1.2.3 2001:db8::1 nope
  assert_failure 1
  assert_output "$(printf '%s\n' '192.0.2.1    DE  AS64500  Example Net DE' \
    '2001:db8::1  NL  AS64504  IPv6 Docs B.V.')"
  [ "$stderr" = "$(printf '%s\n' 'mls-ipinfo: 300.1.2.3: not an IP address' \
    'mls-ipinfo: nope: not an IP address')" ]
}

@test "mls-ipinfo: a missing database is one warning and empty fields, exit 0" {
  run --separate-stderr mls-ipinfo --country-db "$T/none.mmdb" --asn-db "$A" 192.0.2.1 198.51.100.1
  assert_success
  assert_output "$(printf '%s\n' '192.0.2.1     -  AS64500  Example Net DE' \
    '198.51.100.1  -  AS64501  Scanner Org')"
  [ "$stderr" = "mls-ipinfo: $T/none.mmdb: No such file or directory" ]
}

@test "mls-ipinfo: a corrupt database is one warning and empty fields" {
  head -c 700 "$C" >"$T/bad.mmdb"
  run --separate-stderr mls-ipinfo --json --country-db "$T/bad.mmdb" --asn-db "$A" 192.0.2.1
  assert_success
  assert_output '{"ip":"192.0.2.1","country":null,"asn":64500,"as_org":"Example Net DE"}'
  [ "$(echo "$stderr" | wc -l)" = 1 ]
  [[ $stderr == "mls-ipinfo: $T/bad.mmdb: "* ]]
}

@test "mls-ipinfo: a database in the wrong role is an error naming file and type, exit 2, nothing printed" {
  run --separate-stderr mls-ipinfo --country-db "$A" --asn-db "$A" 192.0.2.1
  assert_failure 2
  assert_output ''
  [ "$stderr" = "mls-ipinfo: $A: database type 'GeoLite2-ASN' is not a country database (country_db_path or --country-db)" ]
  run --separate-stderr mls-ipinfo --country-db "$C" --asn-db "$C" 192.0.2.1
  assert_failure 2
  assert_output ''
  [ "$stderr" = "mls-ipinfo: $C: database type 'GeoLite2-Country' is not an ASN database (asn_db_path or --asn-db)" ]
  # From the configuration file too; both swapped: both named.
  printf '[ipinfo]\ncountry_db_path = %s\nasn_db_path = %s\n' "$A" "$C" >"$T/mls.conf"
  run --separate-stderr mls-ipinfo --config "$T/mls.conf" 192.0.2.1
  assert_failure 2
  assert_equal "$stderr" "$(printf '%s\n' \
    "mls-ipinfo: $A: database type 'GeoLite2-ASN' is not a country database (country_db_path or --country-db)" \
    "mls-ipinfo: $C: database type 'GeoLite2-Country' is not an ASN database (asn_db_path or --asn-db)")"
}

@test "mls-ipinfo: database paths from the [ipinfo] section of --config" {
  printf '[ipinfo]\ncountry_db_path = %s\nasn_db_path = %s\n' "$C" "$A" >"$T/mls.conf"
  run mls-ipinfo --config "$T/mls.conf" 198.51.100.1
  assert_success
  assert_output '198.51.100.1  CN  AS64501  Scanner Org'
  # The command line wins over the file.
  run mls-ipinfo --config "$T/mls.conf" --country-db "$T/none.mmdb" 198.51.100.1
  assert_output --partial '198.51.100.1  -  AS64501  Scanner Org'
}

@test "mls-ipinfo: usage errors exit 2" {
  run mls-ipinfo --country-db "$C" --asn-db "$A"
  assert_failure 2
  assert_output --partial 'mls-ipinfo: no IP address given'
  run mls-ipinfo --update --country-db "$C" --country-url "file://$C" 192.0.2.1
  assert_failure 2
  run mls-ipinfo --country-db "$C" --asn-db "$A" --timeout 3 192.0.2.1
  assert_failure 2
  run mls-ipinfo --update --country-url "file://$C" --country-db "$T/x.mmdb" --timeout 0
  assert_failure 2
  printf '[ipinfo]\n' >"$T/empty.conf"
  run mls-ipinfo --update --config "$T/empty.conf"
  assert_failure 2
  assert_output --partial 'nothing to update'
  run mls-ipinfo --config "$T/missing.conf" 192.0.2.1
  assert_failure 2
  run mls-ipinfo --country-db "$C" --asn-db "$A" --ca-file "$T/cert.pem" 192.0.2.1
  assert_failure 2
  assert_output --partial 'need --update'
}

# ---- --update -----------------------------------------------------------------

@test "mls-ipinfo --update: file:// .mmdb, .mmdb.gz and .tar.gz, recognised by content" {
  old_dbs
  # .mmdb.gz under a neutral name
  gzip -c "$C" >"$T/country.download"
  # a MaxMind-style .tar.gz (directory, COPYRIGHT, LICENSE) under a neutral name
  mkdir -p "$T/GeoLite2-ASN_20240101"
  cp "$A" "$T/GeoLite2-ASN_20240101/GeoLite2-ASN.mmdb"
  echo "test" >"$T/GeoLite2-ASN_20240101/LICENSE.txt"
  tar -C "$T" -czf "$T/asn.bin" GeoLite2-ASN_20240101
  run mls-ipinfo --update --country-url "file://$T/country.download" --country-db "$T/geo/country.mmdb" \
    --asn-url "file://$T/asn.bin" --asn-db "$T/geo/asn.mmdb"
  assert_success
  assert_line "$T/geo/country.mmdb: updated (GeoLite2-Country, $(stat -c %s "$C") bytes, from mmdb.gz)"
  assert_line "$T/geo/asn.mmdb: updated (GeoLite2-ASN, $(stat -c %s "$A") bytes, from tar.gz)"
  cmp "$C" "$T/geo/country.mmdb"
  cmp "$A" "$T/geo/asn.mmdb"
  [ "$(stat -c %a "$T/geo/country.mmdb")" = 644 ]
  no_temp_files
  # plain .mmdb
  old_dbs
  run mls-ipinfo --update --country-url "file://$C" --country-db "$T/geo/country.mmdb"
  assert_success
  assert_output "$T/geo/country.mmdb: updated (GeoLite2-Country, $(stat -c %s "$C") bytes, from mmdb)"
  cmp "$C" "$T/geo/country.mmdb"
  kept asn   # not asked for: untouched
}

@test "mls-ipinfo --update: URLs and paths from the config; the new files answer queries" {
  old_dbs
  mkdir "$T/www"
  cp "$C" "$T/www/country.mmdb"
  gzip -c "$A" >"$T/www/asn.mmdb.gz"
  server serve "$T/www"
  cat >"$T/mls.conf" <<EOF
[ipinfo]
country_db_path = $T/geo/country.mmdb
asn_db_path = $T/geo/asn.mmdb
db_update_url_country = http://127.0.0.1:$PORT/country.mmdb
db_update_url_asn = http://127.0.0.1:$PORT/asn.mmdb.gz
EOF
  run mls-ipinfo --update --config "$T/mls.conf"
  assert_success
  cmp "$C" "$T/geo/country.mmdb"
  cmp "$A" "$T/geo/asn.mmdb"
  run mls-ipinfo --config "$T/mls.conf" 192.0.2.1
  assert_output '192.0.2.1  DE  AS64500  Example Net DE'
  no_temp_files
}

@test "mls-ipinfo --update: HTTP 404 keeps the old file, exit 1 with the reason" {
  old_dbs
  mkdir "$T/www"
  server serve "$T/www"
  run mls-ipinfo --update --country-url "http://127.0.0.1:$PORT/x.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output "mls-ipinfo: http://127.0.0.1:$PORT/x.mmdb: HTTP 404"
  kept country
  no_temp_files
}

@test "mls-ipinfo --update: truncated, non-mmdb and wrong-type downloads keep the old file" {
  old_dbs
  mkdir "$T/www"
  head -c "$(($(stat -c %s "$C") - 100))" "$C" >"$T/www/truncated.mmdb"
  printf '<html><body>Rate limited</body></html>\n' >"$T/www/page.mmdb"
  gzip -c "$C" | head -c 300 >"$T/www/truncated.mmdb.gz"
  cp "$A" "$T/www/asn.mmdb"
  server serve "$T/www"
  local u="http://127.0.0.1:$PORT"
  run mls-ipinfo --update --country-url "$u/truncated.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output --regexp "^mls-ipinfo: $u/truncated.mmdb: not a MaxMind DB: .+"
  kept country
  run mls-ipinfo --update --country-url "$u/page.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output --regexp "^mls-ipinfo: $u/page.mmdb: not a MaxMind DB: .+"
  kept country
  run mls-ipinfo --update --country-url "$u/truncated.mmdb.gz" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output --regexp "^mls-ipinfo: $u/truncated.mmdb.gz: not a MaxMind DB: .+"
  kept country
  run mls-ipinfo --update --country-url "$u/asn.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output "mls-ipinfo: $u/asn.mmdb: wrong database type: database type 'GeoLite2-ASN' is not a country database"
  kept country
  no_temp_files
}

@test "mls-ipinfo --update: file:// truncated and non-mmdb files keep the old file" {
  old_dbs
  head -c 1000 "$A" >"$T/trunc.mmdb"
  echo "not a database" >"$T/text.mmdb"
  run mls-ipinfo --update --asn-url "file://$T/trunc.mmdb" --asn-db "$T/geo/asn.mmdb"
  assert_failure 1
  assert_output --partial "mls-ipinfo: file://$T/trunc.mmdb: not a MaxMind DB: "
  kept asn
  run mls-ipinfo --update --asn-url "file://$T/text.mmdb" --asn-db "$T/geo/asn.mmdb"
  assert_failure 1
  assert_output --partial "mls-ipinfo: file://$T/text.mmdb: not a MaxMind DB: "
  kept asn
  run mls-ipinfo --update --asn-url "file://$T/missing.mmdb" --asn-db "$T/geo/asn.mmdb"
  assert_failure 1
  assert_output --partial "mls-ipinfo: file://$T/missing.mmdb: "
  kept asn
  no_temp_files
}

@test "mls-ipinfo --update: a stalled server times out quickly, old file kept" {
  old_dbs
  server stall
  local start=$SECONDS
  run mls-ipinfo --update --timeout 2 --country-url "http://127.0.0.1:$PORT/c.mmdb" \
    --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output "mls-ipinfo: http://127.0.0.1:$PORT/c.mmdb: timed out after 2 s"
  [ $((SECONDS - start)) -le 6 ]
  kept country
  no_temp_files
}

@test "mls-ipinfo --update: a redirect from http to file:// is refused" {
  old_dbs
  server redirect "file://$C"
  run mls-ipinfo --update --country-url "http://127.0.0.1:$PORT/c.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output "mls-ipinfo: http://127.0.0.1:$PORT/c.mmdb: refused redirect to file://$C (http and https only)"
  kept country
}

@test "mls-ipinfo --update: https with --ca-file verifies the server and installs the database" {
  tls_cert
  old_dbs
  mkdir "$T/www"
  cp "$C" "$T/www/good.mmdb"
  server --tls "$T/cert.pem" "$T/key.pem" serve "$T/www"
  run --separate-stderr mls-ipinfo --update --ca-file "$T/cert.pem" \
    --country-url "https://127.0.0.1:$PORT/good.mmdb" --country-db "$T/geo/country.mmdb"
  assert_success
  assert_output "$T/geo/country.mmdb: updated (GeoLite2-Country, $(stat -c %s "$C") bytes, from mmdb)"
  [ -z "$stderr" ]
  cmp "$C" "$T/geo/country.mmdb"
  kept asn
  no_temp_files
}

@test "mls-ipinfo --update: an https redirect to https is followed" {
  tls_cert
  old_dbs
  mkdir "$T/www"
  cp "$C" "$T/www/good.mmdb"
  server --tls "$T/cert.pem" "$T/key.pem" serve "$T/www"
  local target=$PORT
  server --tls "$T/cert.pem" "$T/key.pem" redirect "https://127.0.0.1:$target/good.mmdb"
  run --separate-stderr mls-ipinfo --update --ca-file "$T/cert.pem" \
    --country-url "https://127.0.0.1:$PORT/c.mmdb" --country-db "$T/geo/country.mmdb"
  assert_success
  cmp "$C" "$T/geo/country.mmdb"
  no_temp_files
}

@test "mls-ipinfo --update: a redirect from https to http is refused, old file kept" {
  tls_cert
  old_dbs
  mkdir "$T/www"
  cp "$C" "$T/www/good.mmdb"
  server serve "$T/www"
  local plain="http://127.0.0.1:$PORT/good.mmdb"
  # The plain http target itself serves a good database (installed elsewhere),
  # so only the redirect policy can make the update below fail.
  mkdir "$T/control"
  run mls-ipinfo --update --country-url "$plain" --country-db "$T/control/country.mmdb"
  assert_success
  cmp "$C" "$T/control/country.mmdb"
  server --tls "$T/cert.pem" "$T/key.pem" redirect "$plain"
  run --separate-stderr mls-ipinfo --update --ca-file "$T/cert.pem" \
    --country-url "https://127.0.0.1:$PORT/good.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output ""
  [ "$stderr" = "mls-ipinfo: https://127.0.0.1:$PORT/good.mmdb: refused redirect to $plain (https downloads stay on https)" ]
  kept country
  kept asn
  no_temp_files
}

@test "mls-ipinfo --update: an https server with an untrusted certificate fails, old file kept" {
  tls_cert
  old_dbs
  mkdir "$T/www"
  cp "$C" "$T/www/good.mmdb"
  server --tls "$T/cert.pem" "$T/key.pem" serve "$T/www"
  # No --ca-file: the system's CAs do not know the throwaway certificate.
  run --separate-stderr mls-ipinfo --update \
    --country-url "https://127.0.0.1:$PORT/good.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output ""
  [[ $stderr == "mls-ipinfo: https://127.0.0.1:$PORT/good.mmdb: SSL certificate problem: "*certificate* ]]
  [ "$(echo "$stderr" | wc -l)" = 1 ]
  kept country
  # A --ca-file that does not hold the server's certificate is no better.
  mv "$T/cert.pem" "$T/server-cert.pem"
  tls_cert
  run --separate-stderr mls-ipinfo --update --ca-file "$T/cert.pem" \
    --country-url "https://127.0.0.1:$PORT/good.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  [[ $stderr == "mls-ipinfo: https://127.0.0.1:$PORT/good.mmdb: SSL certificate problem: "* ]]
  kept country
  # Nor does a --ca-file that cannot be read.
  run --separate-stderr mls-ipinfo --update --ca-file "$T/missing.pem" \
    --country-url "https://127.0.0.1:$PORT/good.mmdb" --country-db "$T/geo/country.mmdb"
  assert_failure 1
  [[ $stderr == "mls-ipinfo: https://127.0.0.1:$PORT/good.mmdb: "*"$T/missing.pem"* ]]
  kept country
  no_temp_files
}

@test "mls-ipinfo --update: one failure does not stop the other update, exit 1" {
  old_dbs
  run mls-ipinfo --update --country-url "file://$T/missing" --country-db "$T/geo/country.mmdb" \
    --asn-url "file://$A" --asn-db "$T/geo/asn.mmdb"
  assert_failure 1
  assert_line "$T/geo/asn.mmdb: updated (GeoLite2-ASN, $(stat -c %s "$A") bytes, from mmdb)"
  kept country
  cmp "$A" "$T/geo/asn.mmdb"
}

@test "mls-ipinfo --update: the licence key in a URL's query is not printed" {
  old_dbs
  mkdir "$T/www"
  server serve "$T/www"
  run mls-ipinfo --update --country-url "http://127.0.0.1:$PORT/dl?edition_id=x&license_key=SECRET123" \
    --country-db "$T/geo/country.mmdb"
  assert_failure 1
  assert_output "mls-ipinfo: http://127.0.0.1:$PORT/dl?***: HTTP 404"
  refute_output --partial SECRET123
}
