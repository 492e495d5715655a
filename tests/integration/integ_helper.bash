# Shared by the integration suites that need a real DNS server (unbound, started
# by scripts/unbound-test on loopback) and the test GeoIP databases
# (tests/data/make-test-mmdb). Load after ../cli/test_helper.
#
# Only loopback, ever: every mls-enrich call passes --dns-server 127.0.0.1:PORT
# (or [::1]:PORT) or --no-dns; /etc/resolv.conf points off the machine.

UNBOUND_TEST="$MLS_SRCDIR/scripts/unbound-test"

# dns_skip_unless_installed: skips (the whole file from setup_file) without unbound/dig.
dns_skip_unless_installed() {
  local c
  for c in unbound unbound-checkconf dig; do
    command -v "$c" >/dev/null 2>&1 ||
      skip_unless_available "$c is not installed (scripts/install-deps installs unbound and bind9-dnsutils)"
  done
}

# dns_start DIR: starts unbound in DIR on a free loopback port; sets DNS_PORT.
# A port another process holds (so-reuseport is off) makes unbound exit at
# start-up; another port is tried then.
dns_start() {
  local dir=$1 try
  mkdir -p "$dir"
  chmod 0755 "$dir"
  for try in 1 2 3 4 5 6 7 8; do
    DNS_PORT=$(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    if "$UNBOUND_TEST" start "$dir" "$DNS_PORT" 2>"$dir/start.err"; then
      export DNS_PORT
      return 0
    fi
  done
  cat "$dir/start.err" >&2
  return 1
}

dns_stop() { [ -n "${1:-}" ] && "$UNBOUND_TEST" stop "$1"; }

# mmdb_make DIR: the project's test databases in DIR (test-country.mmdb,
# test-asn.mmdb); returns 3 when the Perl writer is missing.
mmdb_make() {
  mkdir -p "$1"
  chmod 0755 "$1"
  "$MLS_SRCDIR/tests/data/make-test-mmdb" "$1"
}

# rev_name IP: the reverse query name unbound logs ("1.2.0.192.in-addr.arpa.").
rev_name() {
  python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer + ".")' "$1"
}

# ptr_queries DIR [IP]: PTR queries unbound has logged so far (for IP, or all).
ptr_queries() {
  local re=' PTR IN$'
  if [ -n "${2:-}" ]; then re=" $(rev_name "$2" | sed 's/\./\\./g') PTR IN\$"; fi
  "$UNBOUND_TEST" queries "$1" "$re"
}

# events IP...: one 9-column event per IP, as mls-parse writes them.
events() {
  local ip
  for ip in "$@"; do
    printf '2026-01-01T00:00:00+00:00\tmx1\t%s\tuser@example.com\tLOGIN\tunknown\t\tpostfix/smtpd\tUGFzc3dvcmQ6\n' "$ip"
  done
}

# maillog_lines IP...: Postfix SASL failure log lines (RFC 3339 timestamps).
maillog_lines() {
  local ip i=0
  for ip in "$@"; do
    i=$((i + 1))
    printf '2026-01-01T00:%02d:%02d+00:00 mx1 postfix/submission/smtpd[4242]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=user%d@example.com\n' \
      $((i / 60 % 60)) $((i % 60)) "$ip" "$i"
  done
}

# served_ptr IP: the PTR name unbound serves for IP, as raw bytes (dig's \DDD
# and \X escapes undone, no trailing dot), written to stdout.
served_ptr() {
  dig +time=2 +tries=1 +short -p "$DNS_PORT" @127.0.0.1 -x "$1" | python3 -c '
import sys
t = sys.stdin.buffer.read().rstrip(b"\n")
out, i = bytearray(), 0
while i < len(t):
    c = t[i]
    if c == 0x5c:  # backslash
        if t[i + 1:i + 4].isdigit() and len(t[i + 1:i + 4]) == 3:
            out.append(int(t[i + 1:i + 4])); i += 4
        else:
            out.append(t[i + 1]); i += 2
    elif c == 0x2e and i == len(t) - 1:  # the root label
        i += 1
    else:
        out.append(c); i += 1
sys.stdout.buffer.write(bytes(out))'
}
