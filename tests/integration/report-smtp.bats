#!/usr/bin/env bats
# The report through SMTP instead of sendmail ([report] smtp_*), against the real
# Postfix on loopback (postfix-local.bash): STARTTLS and implicit TLS with a
# certificate made here and verified, AUTH through Dovecot; a wrong password, an
# untrusted certificate, a server that never answers, AUTH without TLS.
#
# Runs only as root with Postfix and Dovecot installed and no Postfix running.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load ../cli/driver_helper
load postfix-local

setup_file() {
  [ -x "$MLS_BIN/mls-report" ] || skip_unless_available "mls-report is not built"
  pf_suite_setup report-smtp
  pf_submission "$PF_DIR"
}

teardown_file() {
  [ -n "${PF_DIR:-}" ] && pf_submission_stop "$PF_DIR"
  pf_suite_teardown
}

setup() {
  drv_scratch
  TOKEN=mls$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  # A few events in the last hour, through mls-store.
  python3 - <<'PY' | mls-store --csv "$T/work/maillogsentinel.csv" 2>/dev/null
import datetime
now = datetime.datetime.now().astimezone().replace(microsecond=0)
for k in range(1, 6):
    t = (now - datetime.timedelta(minutes=k)).isoformat()
    print("\t".join([t, "mx1", "127.0.0.%d" % (k + 1), "alice", "PLAIN", "unknown", "",
                     "postfix/submission/smtpd", "(reason unavailable)", "", "NXDOMAIN", "", "", ""]))
PY
  give_to_user "$T"
}

teardown() {
  [ -n "${STALL_PID:-}" ] && kill "$STALL_PID" 2>/dev/null
  mls_scratch_cleanup
}

# smtp_config KEY=VALUE...: the test config, [report] to root@localhost by SMTP.
smtp_config() {
  drv_config
  printf '[report]\nemail = root@localhost\nsender = reports@localhost\nsubject_prefix = [%s]\nwindow = 24h\n' "$TOKEN"
  printf 'smtp_host = 127.0.0.1\nsmtp_cafile = %s\n' "$PF_CA"
  local kv
  for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
}
report() { as_user mls-report --config "$T/conf" --send "$@"; }

@test "STARTTLS with a verified certificate and AUTH: delivered, the session encrypted and authenticated" {
  smtp_config smtp_port=$PF_SUBMISSION smtp_user=alice@test.local smtp_password=s3cret >"$T/conf"
  chmod 0600 "$T/conf"
  give_to_user "$T/conf"
  run report
  assert_success
  assert_output --partial "handed to smtp://127.0.0.1:$PF_SUBMISSION (STARTTLS)"
  refute_output --partial s3cret
  pf_wait_mail /var/mail/root "$TOKEN" >"$T/got.eml"
  grep -q "^Subject: .*$TOKEN" "$T/got.eml"
  # Postfix saw TLS, then AUTH as alice, on the submission listener.
  grep -q "postfix/submission/smtpd.*TLS connection established from [^ ]*\[127.0.0.1\]" "$PF_LOG"
  grep -q "postfix/submission/smtpd.*sasl_method=PLAIN, sasl_username=alice@test.local" "$PF_LOG"
  grep -q "postfix/submission/smtpd.*disconnect from .* starttls=1 auth=1 mail=1 rcpt=1 data=1" "$PF_LOG"
}

@test "implicit TLS (smtps) delivers too" {
  smtp_config smtp_port=$PF_SMTPS smtp_tls=implicit smtp_user=alice@test.local \
    smtp_password=s3cret >"$T/conf"
  give_to_user "$T/conf"
  run report
  assert_success
  assert_output --partial "handed to smtps://127.0.0.1:$PF_SMTPS"
  pf_wait_mail /var/mail/root "$TOKEN" >/dev/null
  grep -q "postfix/smtps/smtpd.*sasl_username=alice@test.local" "$PF_LOG"
}

@test "a wrong password: exit 1, the server's refusal, never the password" {
  smtp_config smtp_port=$PF_SUBMISSION smtp_user=alice@test.local \
    smtp_password='Wr0ng#pass' >"$T/conf"
  give_to_user "$T/conf"
  run report
  assert_failure 1
  assert_output --partial "smtp://127.0.0.1:$PF_SUBMISSION (STARTTLS): Login denied"
  refute_output --partial 'Wr0ng#pass'
  # It is also said that the file holding the password is readable by others.
  chmod 0644 "$T/conf"
  run report
  assert_output --partial "holds smtp_password but is readable by others (mode 0644)"
}

@test "a certificate no trusted CA signed: exit 1, nothing sent" {
  smtp_config smtp_port=$PF_SUBMISSION smtp_user=alice@test.local smtp_password=s3cret |
    sed '/^smtp_cafile/d' >"$T/conf"
  give_to_user "$T/conf"
  run report
  assert_failure 1
  assert_output --regexp "smtp://127.0.0.1:$PF_SUBMISSION \(STARTTLS\): .*(certificate|SSL)"
  if grep -q "$TOKEN" /var/mail/root 2>/dev/null; then false; fi
}

@test "a server that never answers: exit 1 after smtp_timeout_seconds" {
  python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$T/stall.port" &
  STALL_PID=$!
  local i
  for i in $(seq 50); do [ -s "$T/stall.port" ] && break; sleep 0.1; done
  smtp_config smtp_port="$(cat "$T/stall.port")" smtp_timeout_seconds=2 >"$T/conf"
  give_to_user "$T/conf"
  local t0=$SECONDS
  run report
  assert_failure 1
  assert_output --regexp "smtp://127.0.0.1:[0-9]+ \(STARTTLS\): .*timed out after 2[0-9]{3} milliseconds"
  [ $((SECONDS - t0)) -lt 30 ]
}

@test "AUTH without TLS is refused before any connection (exit 2)" {
  smtp_config smtp_port=$PF_SUBMISSION smtp_tls=none smtp_user=alice@test.local \
    smtp_password=s3cret >"$T/conf"
  give_to_user "$T/conf"
  run report
  assert_failure 2
  assert_output --partial "the password would cross the network in the clear"
}
