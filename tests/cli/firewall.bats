#!/usr/bin/env bats
# README's nftables example ("Blocking them with nftables"), extracted verbatim
# from between its markers and run in a network namespace of its own (root,
# nft and unshare needed; the host's ruleset is never touched). Addresses are
# from the documentation ranges only.

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

# event IP N: N failures from IP in the last hours (TSV, mls-parse's columns)
events() {
  local i
  for i in $(seq "$2"); do
    printf '%s\tmx1\t%s\tuser%d@example.org\tLOGIN\tunknown\t\tpostfix/submission/smtpd\tUGFzc3dvcmQ6\n' \
      "$(date -u -d "-$((i * 60)) seconds" +%Y-%m-%dT%H:%M:%S+00:00)" "$1" "$i"
  done
}

@test "firewall: README's nft recipe blocks IPv4 and IPv6 addresses in one batch, with timeouts" {
  readme_block firewall-setup >"$T/setup.nft"
  readme_block firewall-update >"$T/update.sh"
  grep -q 'table inet mls' "$T/setup.nft"
  grep -q 'nft -f -' "$T/update.sh"
  { events 192.0.2.7 20; events 2001:db8::25 25; events 198.51.100.9 19; } |
    mls-store --csv "$T/d.csv"
  # The README's mls-report reads the config's dataset; here, the test's.
  mkdir "$T/bin"
  printf '#!/bin/sh\nexec "%s/mls-report" --csv "%s/d.csv" "$@"\n' "$MLS_BIN" "$T" >"$T/bin/mls-report"
  chmod +x "$T/bin/mls-report"
  cat >"$T/run.sh" <<EOF2
set -e
PATH="$T/bin:\$PATH"
nft -f "$T/setup.nft"
. "$T/update.sh"
. "$T/update.sh"   # again: addresses already in the sets are no error
nft list set inet mls blocklist4
nft list set inet mls blocklist6
EOF2
  run unshare -n bash "$T/run.sh"
  assert_success
  assert_output --regexp 'elements = \{ 192\.0\.2\.7 timeout 1d expires [0-9hms]+ \}'
  assert_output --regexp 'elements = \{ 2001:db8::25 timeout 1d expires [0-9hms]+ \}'
  refute_output --partial '198.51.100.9'
  # The host's ruleset was not touched.
  run nft list table inet mls
  assert_failure
}
