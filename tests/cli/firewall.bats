#!/usr/bin/env bats
# The firewall feed (mls-report --format nft, the README's line verbatim, the
# unit pair maillogsentinel-firewall.service/.timer), run with the real nft in
# network namespaces of their own (root, nft and unshare needed; the host's
# ruleset is never touched). Addresses are from the documentation ranges only.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root (a network namespace)"
  command -v nft >/dev/null || skip "needs nft (scripts/install-deps: nftables)"
  unshare -n true 2>/dev/null || skip "cannot create a network namespace here"
  mls_scratch
}
teardown() { mls_scratch_cleanup; }

# readme_block NAME: the code between <!-- NAME:begin --> and <!-- NAME:end -->
readme_block() {
  awk -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" \
    '$0 == b { f = 1; next } $0 == e { f = 0 } f && !/^```/' "$MLS_SRCDIR/README.md"
}

# event IP N: N failures from IP, one a minute back from now (TSV, mls-parse's columns)
events() {
  local i
  for i in $(seq "$2"); do
    printf '%s\tmx1\t%s\tuser%d@example.org\tLOGIN\tunknown\t\tpostfix/submission/smtpd\tUGFzc3dvcmQ6\n' \
      "$(date -u -d "-$((i * 60)) seconds" +%Y-%m-%dT%H:%M:%S+00:00)" "$1" "$i"
  done
}

@test "firewall: README's nft line bans IPv4 and IPv6 addresses in one batch, with timeouts" {
  readme_block firewall-update >"$T/update.sh"
  grep -q 'nft -f -' "$T/update.sh"
  { events 192.0.2.7 5; events 2001:db8::25 6; events 198.51.100.9 4; } |
    mls-store --csv "$T/d.csv"
  # The README's mls-report reads the config's dataset; here, the test's.
  mkdir "$T/bin"
  printf '#!/bin/sh\nexec "%s/mls-report" --csv "%s/d.csv" "$@"\n' "$MLS_BIN" "$T" >"$T/bin/mls-report"
  chmod +x "$T/bin/mls-report"
  cat >"$T/run.sh" <<EOF2
set -e
PATH="$T/bin:\$PATH"
. "$T/update.sh"
. "$T/update.sh"   # again: addresses already in the sets are no error
nft list set inet maillogsentinel ban4
nft list set inet maillogsentinel ban6
EOF2
  run unshare -n bash "$T/run.sh"
  assert_success
  assert_output --regexp 'elements = \{ 192\.0\.2\.7 timeout 1h expires [0-9hms]+ \}'
  assert_output --regexp 'elements = \{ 2001:db8::25 timeout 1h expires [0-9hms]+ \}'
  refute_output --partial '198.51.100.9'
  # The host's ruleset was not touched.
  run nft list table inet maillogsentinel
  assert_failure
}

# hostile_dataset CSV: a dataset with addresses over and under the threshold,
# an allowlisted one, and ip cells no firewall must ever see.
hostile_dataset() {
  python3 - "$1" <<'PY'
import csv, datetime, ipaddress, sys
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
def host_addresses():
    """This host's global addresses (not the loopback), from /proc."""
    out = []
    lines = open("/proc/net/fib_trie").read().splitlines()
    for prev, line in zip(lines, lines[1:]):
        if "/32 host LOCAL" in line:
            a = prev.split()[-1]
            if not a.startswith("127.") and a not in out:
                out.append(a)
    for line in open("/proc/net/if_inet6"):
        h, _, _, scope, _, dev = line.split()
        if dev != "lo" and scope == "00":
            out.append(str(ipaddress.ip_address(int(h, 16))))
    return out
w = csv.writer(open(sys.argv[1], "w", newline=""), delimiter=";", lineterminator="\n")
w.writerow("server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason".split(";"))
def rows(ip, n):
    for i in range(n):
        t = (now - datetime.timedelta(seconds=20 + i)).isoformat()
        w.writerow(["mx1", t, ip, "u%d" % i, "", "DISABLED", "", "", "", "LOGIN", "unknown", "", "postfix/smtpd", "x"])
rows("203.0.113.5", 6)
rows("2001:db8::5", 7)
rows("::ffff:203.0.113.6", 5)
rows("198.51.100.7", 9)        # allowlisted (--allow 198.51.100.0/24)
rows("192.0.2.9", 2)           # under the threshold
rows("127.0.0.1", 8)           # loopback: always allowed
open(sys.argv[1] + ".host", "w").write("".join(a + "\n" for a in host_addresses()))
for a in host_addresses():     # this host's own: always allowed
    rows(a, 8)
for bad in ("host.example", "1.2.3.4; flush ruleset", "fe80::1%eth0", "203.0.113.7 timeout 1s }", "::/0"):
    rows(bad, 6)
PY
}

@test "firewall: --format nft bans exactly the addresses over the threshold, IPv4 and IPv6, with timeouts; reruns refresh; hostile cells never reach nft" {
  hostile_dataset "$T/d.csv"
  feed() {
    mls-report --csv "$T/d.csv" --window 10m --threshold 5 --format nft --ban-time 1h \
      --allow 198.51.100.0/24 "$@"
  }
  feed >"$T/ban.nft"
  cat "$T/ban.nft"
  # This host's own addresses are in the dataset (8 failures each), and never in the batch.
  [ -s "$T/d.csv.host" ] || echo "# no global address on this host: that part is not shown" >&3
  local a
  while read -r a; do
    grep -q ";$a;" "$T/d.csv"
    ! grep -qF " $a " "$T/ban.nft"
  done <"$T/d.csv.host"
  # Nothing but validated addresses in the batch.
  ! grep -q -e 'flush ruleset' -e 'host.example' -e '%' -e '203.0.113.7' -e '198.51.100.7' \
    -e '127.0.0.1' -e '192.0.2.9' -e '::/0' "$T/ban.nft"
  cat >"$T/ns.sh" <<EOF2
set -e
nft -f "$T/ban.nft"
nft -j list set inet maillogsentinel ban4 >"$T/set4.1"
nft -j list set inet maillogsentinel ban6 >"$T/set6.1"
sleep 2
nft -f "$T/ban.nft"
nft -f "$T/ban.nft"
nft -j list set inet maillogsentinel ban4 >"$T/set4.2"
nft -j list set inet maillogsentinel ban6 >"$T/set6.2"
nft -j list chain inet maillogsentinel input >"$T/chain"
EOF2
  run unshare -n sh "$T/ns.sh"
  assert_success
  python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def elems(f):
    d = json.load(open(f))
    for o in d["nftables"]:
        if "set" in o:
            out = {}
            for e in o["set"].get("elem", []):
                e = e["elem"]
                out[e["val"]] = (e.get("timeout"), e.get("expires"))
            return out
for n in ("1", "2"):
    s4, s6 = elems(f"{t}/set4.{n}"), elems(f"{t}/set6.{n}")
    assert sorted(s4) == ["203.0.113.5", "203.0.113.6"], s4
    assert sorted(s6) == ["2001:db8::5"], s6
    for v in list(s4.values()) + list(s6.values()):
        assert v[0] == 3600, v
        # the second apply, two seconds later, restarted the timeout
        assert v[1] >= 3598, v
chain = json.dumps(json.load(open(f"{t}/chain")))
assert chain.count('"drop"') == 2, chain   # the rules, once each however often it ran
print("ok")
PY
  # The report shows the allowlisted addresses rather than hiding them.
  run mls-report --csv "$T/d.csv" --window 10m --allow 198.51.100.0/24
  assert_output --partial "ALLOWLISTED"
  assert_output --regexp "9 +198\.51\.100\.7"
  # ... in JSON too, and from the config's [firewall] allowlist
  printf '[paths]\nworking_dir = %s\n[firewall]\nallowlist = 198.51.100.0/24, 2001:db8::/64\n' "$T" >"$T/c.conf"
  cp "$T/d.csv" "$T/maillogsentinel.csv"
  mls-report --config "$T/c.conf" --window 10m --format json --threshold 5 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["allowlisted"] == [{"ip": "198.51.100.7", "count": 9}, {"ip": "2001:db8::5", "count": 7}], d["allowlisted"]
assert [e["ip"] for e in d["threshold_ips"]["ips"]].count("2001:db8::5") == 0
'
  printf '[firewall]\nallowlist = 198.51.100.0/24, example.org\n' >"$T/bad.conf"
  run mls-report --config "$T/bad.conf" --csv "$T/d.csv"
  assert_failure 2
  assert_output --partial "'example.org' is not an address or a network"
  run mls-report --csv "$T/d.csv" --window 10m --threshold 5 --format ips --allow 198.51.100.0/24
  assert_output "2001:db8::5
203.0.113.5
203.0.113.6"
}

@test "firewall: --ranges bans the /24 and /64, never one holding an allowed address; usage errors" {
  hostile_dataset "$T/d.csv"
  run mls-report --csv "$T/d.csv" --window 10m --threshold 5 --format nft --ranges \
    --allow 203.0.113.200
  assert_success
  assert_output --partial "add element inet maillogsentinel ban6 { 2001:db8::/64 timeout 3600s }"
  # 203.0.113.0/24 holds an allowed address: the addresses alone
  assert_output --partial "add element inet maillogsentinel ban4 { 198.51.100.0/24 timeout 3600s, 203.0.113.5 timeout 3600s, 203.0.113.6 timeout 3600s }"
  run mls-report --csv "$T/d.csv" --window 10m --threshold 5 --format nft --ranges
  assert_output --partial "add element inet maillogsentinel ban4 { 198.51.100.0/24 timeout 3600s, 203.0.113.0/24 timeout 3600s }"
  echo "$output" >"$T/r.nft"
  run unshare -n nft -f "$T/r.nft"
  assert_success
  run mls-report --csv "$T/d.csv" --format nft --allow example.org
  assert_failure 2
  assert_output --partial "--allow: 'example.org' is not an address or a network"
  run mls-report --csv "$T/d.csv" --format text --ban-time 1h
  assert_failure 2
  assert_output --partial "--ban-time, --ranges and --nft-table apply to --format nft only"
  run mls-report --csv "$T/d.csv" --format nft --ban-time soon
  assert_failure 2
  run mls-report --csv "$T/d.csv" --format nft --nft-table 'x; flush ruleset'
  assert_failure 2
}

# unit_lines UNIT: the unit's Exec lines with the paths of this test, one a
# line: "KEY=COMMAND" (the "-" and "!" prefixes kept, for the caller).
unit_lines() {
  sed -n 's/^\(Exec[A-Za-z]*=\)/\1/p' "$MLS_SRCDIR/systemd/$1" |
    sed "s|@BINDIR@|$MLS_BIN|g; s|/etc/maillogsentinel.conf|$T/conf|g; s|/run/maillogsentinel-firewall|$T/run|g"
}

# failure_lines IP N: N Postfix SASL failures from IP in the last minutes.
failure_lines() {
  local i
  for i in $(seq "$2"); do
    printf '%s mx1 postfix/smtpd[%d]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n' \
      "$(date -u -d "-$((300 - i)) seconds" +%Y-%m-%dT%H:%M:%S.000000+00:00)" "$i" "$1"
  done
}

@test "firewall: maillogsentinel-firewall.service as written: extraction and list unprivileged, nft with CAP_NET_ADMIN alone, every line validated again" {
  command -v setpriv >/dev/null || skip_unless_available "needs setpriv (util-linux)"
  mkdir -p "$T/work/state" "$T/log" "$T/run"
  : >"$T/log/mail.log"
  cat >"$T/conf" <<EOF2
[paths]
working_dir = $T/work
state_dir = $T/work/state
mail_log = $T/log/mail.log
[dns]
enabled = false
[firewall]
allowlist = 198.51.100.0/24
EOF2
  give_to_user "$T"
  run unit_lines maillogsentinel-firewall.service
  assert_success
  local pre start post
  pre=$(sed -n 's/^ExecStartPre=-//p' <<<"$output")
  start=$(sed -n 's/^ExecStart=//p' <<<"$output")
  post=$(sed -n 's/^ExecStartPost=!//p' <<<"$output")
  [ -n "$pre" ] && [ -n "$start" ] && [ -n "$post" ]
  [ "$(grep -c '^Exec' <<<"$output")" = 3 ]
  grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$MLS_SRCDIR/systemd/maillogsentinel-firewall.service"
  grep -qx 'UMask=0027' "$MLS_SRCDIR/systemd/maillogsentinel-firewall.service"
  # Step 3 as root with nothing but CAP_NET_ADMIN (no CAP_DAC_*: the list must
  # be readable as it is), in a network namespace of its own.
  privileged() {
    unshare -n sh -c 'setpriv --bounding-set=-all,+net_admin --inh-caps=-all bash -c "$1" &&
      nft -j list ruleset' _ "$1"
  }
  run privileged "grep CapEff /proc/self/status"
  assert_line --regexp '^CapEff:[[:space:]]+0000000000001000$'
  # The first minute on a quiet server: no failure yet, no dataset; every step
  # succeeds and nothing is banned.
  run as_user sh -c "umask 0027; $pre && $start"
  assert_success
  [ ! -e "$T/work/maillogsentinel.csv" ] && [ ! -s "$T/run/ban.ips" ]
  run privileged "$post"
  assert_success
  refute_output --partial '"elem"'
  # Failures arrive. Steps 1 and 2 as the service user with the unit's umask,
  # as systemd runs them.
  { failure_lines 203.0.113.5 6; failure_lines 2001:db8::5 7; failure_lines 198.51.100.7 9
    failure_lines 192.0.2.9 2; failure_lines 127.0.0.1 8; } | sort >>"$T/log/mail.log"
  run as_user sh -c "umask 0027; $pre"
  assert_success
  [ "$(($(wc -l <"$T/work/maillogsentinel.csv") - 1))" = 32 ]
  run as_user sh -c "umask 0027; $start"
  assert_success
  run cat "$T/run/ban.ips"
  assert_output "2001:db8::5
203.0.113.5"
  run privileged "$post"
  assert_success
  python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1].splitlines()[-1])
sets = {o["set"]["name"]: o["set"] for o in d["nftables"] if "set" in o}
got = {n: sorted(e["elem"]["val"] for e in s.get("elem", [])) for n, s in sets.items()}
assert got == {"ban4": ["203.0.113.5"], "ban6": ["2001:db8::5"]}, got
assert all(e["elem"]["timeout"] == 3600 for s in sets.values() for e in s["elem"]), sets
PY
  # A list the service user tampered with bans nothing: not one line reaches nft.
  as_user sh -c "printf '203.0.113.5\n1.2.3.4; flush ruleset\n' >'$T/run/ban.ips'"
  run privileged "$post"
  assert_failure
  assert_line --partial "ban.ips: line 2: '1.2.3.4; flush ruleset' is not an address; nothing banned"
  refute_output --partial '"elem"'
  # ... nor a link to a file only root may read (whose first line would show).
  as_user rm "$T/run/ban.ips"
  as_user ln -s /etc/shadow "$T/run/ban.ips"
  run privileged "$post"
  assert_failure
  assert_line --partial "ban.ips: a symbolic link; the ban list must be a regular file"
  refute_output --partial 'root:'
}
