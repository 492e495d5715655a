#!/usr/bin/env bats
# Logins after failures against the real Postfix + Dovecot on loopback
# (postfix-local.bash): swaks guesses passwords and logs in, Postfix logs it,
# the driver extracts it (as the test's unprivileged user, from a copy of the
# log), mls-report says which guesses worked:
#   alice  several wrong passwords from 127.0.0.20, then the right one: high
#          (an address that failed, then got in);
#   bob    tried from three addresses, then logs in from a fourth, new to him:
#          high (a targeted account, a possible takeover);
#   carol  logs in from her usual 127.0.0.30, later mistypes once there and
#          logs in: low.
# The failures' dataset holds exactly the failed attempts, the same bytes as
# with [logins] track = no.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load postfix-local

PLAIN_PORT=10526 # pf_plain_auth: AUTH without TLS on 127.0.0.1

setup_file() {
  PF_INET_PROTOCOLS=all pf_suite_setup logins
  pf_submission "$PF_DIR"
  pf_plain_auth "$PLAIN_PORT"
  printf 'bob@test.local:{PLAIN}b0b-pass\ncarol@test.local:{PLAIN}c4rol-pass\n' \
    >>"$PF_DIR/dovecot.passwd"
}

teardown_file() {
  if [ -n "${PF_DIR:-}" ]; then
    pf_submission_stop "$PF_DIR"
    pf_suite_teardown
  fi
}

setup() {
  command -v swaks >/dev/null || skip_unless_available "swaks is not installed"
  mls_scratch
}
teardown() { mls_scratch_cleanup; }

# auth STATUS SOURCE USER PASSWORD: one AUTH PLAIN from SOURCE (swaks: 0
# accepted, 28 refused).
auth() {
  run -"$1" swaks --server 127.0.0.1 --port "$PLAIN_PORT" --local-interface "$2" \
    --auth PLAIN --auth-user "$3" --auth-password "$4" \
    --from "$3" --to root@localhost --body test </dev/null
}

# logged N: waits until the log has N SASL lines (failures and logins):
# postlogd writes asynchronously.
logged() {
  local i
  for i in $(seq 100); do
    [ "$(grep -c -e 'SASL PLAIN authentication failed' -e 'sasl_method=PLAIN' "$PF_LOG")" -ge "$1" ] &&
      return 0
    sleep 0.1
  done
  return 1
}

@test "logins after failures: Postfix + Dovecot + swaks; two high cases and one low, the failures unchanged" {
  auth 0 127.0.0.30 carol@test.local c4rol-pass # carol's usual address
  logged 1
  sleep 1.1
  local since
  since=$(date +%s) # the report's window starts after carol's usual login
  for pw in 123456 password alice2026 letmein; do auth 28 127.0.0.20 alice@test.local "$pw"; done
  auth 0 127.0.0.20 alice@test.local s3cret
  for src in 127.0.0.41 127.0.0.42 127.0.0.43; do auth 28 "$src" bob@test.local summer; done
  auth 0 127.0.0.44 bob@test.local b0b-pass
  auth 28 127.0.0.30 carol@test.local c4rol-pas
  auth 0 127.0.0.30 carol@test.local c4rol-pass
  logged 12
  [ "$(grep -c 'SASL PLAIN authentication failed' "$PF_LOG")" = 8 ]
  # The report's window is [since, now) in whole seconds.
  sleep 1.1

  cp "$PF_LOG" "$T/mail.log"
  mkdir "$T/w" "$T/w2"
  for w in w w2; do
    printf '[paths]\nworking_dir = %s\nstate_dir = %s\nmail_log = %s\n[dns]\nenabled = false\n' \
      "$T/$w" "$T/$w" "$T/mail.log" >"$T/$w.conf"
  done
  printf '[logins]\ntrack = no\n' >>"$T/w2.conf"
  give_to_user "$T"
  run as_user maillogsentinel --config "$T/w.conf"
  assert_success
  run as_user maillogsentinel --config "$T/w2.conf"
  assert_success
  # The failures: 8 rows, the same bytes without tracking logins; the logins: 4.
  [ "$(($(wc -l <"$T/w/maillogsentinel.csv") - 1))" = 8 ]
  cmp "$T/w/maillogsentinel.csv" "$T/w2/maillogsentinel.csv"
  [ "$(($(wc -l <"$T/w/maillogsentinel-logins.csv") - 1))" = 4 ]
  [ ! -e "$T/w2/maillogsentinel-logins.csv" ]

  mls-report --config "$T/w.conf" --since "@$since" --format json >"$T/r.json"
  python3 - "$T/r.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))["logins_after_failures"]
got = [(c["severity"], c["kinds"], c["ip"], c["user"], c["failures_before"]) for c in l["cases"]]
want = [("high", ["address"], "127.0.0.20", "alice@test.local", 4),
        ("high", ["account"], "127.0.0.44", "bob@test.local", 0),
        ("low", ["address"], "127.0.0.30", "carol@test.local", 1)]
assert got == want, got
assert (l["high"], l["low"]) == (2, 1), l
bob = l["cases"][1]
assert (bob["account_failures"], bob["account_addresses"], bob["new"]) == (3, 3, ["address"]), bob
alice = l["cases"][0]
assert alice["users_tried"] == ["alice@test.local"], alice
PY
  run mls-report --config "$T/w.conf" --since "@$since"
  assert_output --partial "LOGINS AFTER FAILURES (2 high, 1 low;"
  assert_output --regexp "HIGH [-0-9: ]+ alice@test.local logged in from 127.0.0.20"
  assert_output --regexp "HIGH [-0-9: ]+ bob@test.local logged in from 127.0.0.44"
  assert_output --partial "1 login after one or two failures for the same user"
  run -3 mls-report --config "$T/w.conf" --since "@$since" --format logins
  [ "${#lines[@]}" = 3 ]
}
