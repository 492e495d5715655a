# The system Postfix, configured for local delivery only, for suites that check
# mail really delivered (report-mail.bats). Load after ../cli/test_helper.
#
# pf_start saves /etc/postfix, configures Postfix to listen on loopback only,
# deliver to local mailboxes, bounce anything else at once (error transports:
# nothing ever leaves the machine, no DNS), log to its own maillog_file, and
# starts it; pf_stop stops it and puts /etc/postfix back as it was. Needs root
# (the system instance writes /etc/postfix and /var/spool/postfix).
#
# The mailbox (/var/mail/root) is never emptied: tests find their message by a
# token in its Subject.

PF_LOG=/var/log/mls-report-test.log # maillog_file must be under /var (maillog_file_prefixes)

# pf_skip_unless_possible: skips the whole file (call from setup_file) unless
# we are root, Postfix and Python are installed and no Postfix runs already.
pf_skip_unless_possible() {
  [ "$(id -u)" = 0 ] || skip_unless_available "needs root (starts the system Postfix)"
  command -v postfix >/dev/null 2>&1 && [ -x /usr/sbin/sendmail ] ||
    skip_unless_available "postfix is not installed (scripts/install-deps installs it)"
  command -v python3 >/dev/null 2>&1 || skip_unless_available "python3 is not installed"
  if postfix status >/dev/null 2>&1; then
    skip_unless_available "a Postfix is already running here; this suite configures and starts its own"
  fi
}

# pf_start DIR: saves /etc/postfix in DIR, configures and starts Postfix.
# PF_INET_PROTOCOLS=all (default ipv4) also listens on ::1 (a change of
# inet_protocols needs a restart, so it is set before the start).
pf_start() {
  local dir=$1
  mkdir -p "$dir"
  rm -rf "$dir/etc-postfix.orig"
  cp -a /etc/postfix "$dir/etc-postfix.orig"
  : >"$PF_LOG"
  postconf -e "maillog_file = $PF_LOG" \
    "inet_interfaces = loopback-only" "inet_protocols = ${PF_INET_PROTOCOLS:-ipv4}" \
    "myhostname = mls-test.localdomain" "mydomain = localdomain" "myorigin = \$myhostname" \
    "mydestination = \$myhostname, localhost.localdomain, localhost" \
    "relayhost =" "default_transport = error" "relay_transport = error" \
    "alias_maps =" "alias_database =" "local_recipient_maps = unix:passwd.byname" \
    "smtpd_peername_lookup = no" "smtp_dns_support_level = disabled" \
    "mailbox_size_limit = 0" "home_mailbox =" "mailbox_command ="
  postconf -F '*/*/chroot = n' # no chroot: nothing to copy into /var/spool/postfix/etc
  postfix check
  postfix start >/dev/null 2>&1
  local i
  for i in $(seq 100); do
    postfix status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "postfix did not start" >&2
  return 1
}

# pf_stop DIR: stops Postfix (waiting for its master to exit) and restores /etc/postfix.
pf_stop() {
  local dir=$1 i
  postfix stop >/dev/null 2>&1 || true
  for i in $(seq 100); do
    postfix status >/dev/null 2>&1 || break
    sleep 0.1
  done
  if [ -d "$dir/etc-postfix.orig" ]; then
    rm -rf /etc/postfix && cp -a "$dir/etc-postfix.orig" /etc/postfix
  fi
}

# pf_wait_mail MBOX TOKEN [SECONDS]: waits (polling, never a fixed sleep) until a
# message whose decoded Subject holds TOKEN is in MBOX; writes it, as delivered,
# to stdout. Fails if none arrives in time or if more than one has the token.
pf_wait_mail() {
  python3 - "$1" "$2" "${3:-30}" <<'PY' || { tail -n 20 "$PF_LOG" >&2; return 1; }
import email, email.policy, mailbox, os, sys, time
path, token, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + secs
while True:
    found = []
    if os.path.exists(path):
        for m in mailbox.mbox(path, create=False):
            raw = m.as_bytes(unixfrom=False)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            if token in str(parsed.get("Subject", "")):
                found.append(raw)
    if found:
        if len(found) > 1:
            sys.exit("%d messages with '%s' in %s" % (len(found), token, path))
        sys.stdout.buffer.write(found[0])
        sys.exit(0)
    if time.monotonic() > deadline:
        sys.exit("no message with '%s' in %s after %gs" % (token, path, secs))
    time.sleep(0.05)
PY
}

# pf_queue_lines MESSAGE_ID: the Postfix log lines of the queue file that got
# this Message-ID (cleanup logs "ID: message-id=<...>").
pf_queue_lines() {
  local id qid
  id=$1
  qid=$(grep -F "message-id=$id" "$PF_LOG" | sed -n 's/.*\]: \([0-9A-F]\{6,\}\): message-id=.*/\1/p' | head -n 1)
  [ -n "$qid" ] || { echo "no queue id for $id in $PF_LOG" >&2; return 1; }
  grep -F " $qid: " "$PF_LOG"
}

# pf_suite_setup NAME / pf_suite_teardown: setup_file/teardown_file of a suite
# that needs this Postfix running (PF_DIR: its scratch directory).
pf_suite_setup() {
  pf_skip_unless_possible
  PF_DIR=$(mktemp -d "/tmp/mls-$1.XXXXXX")
  export PF_DIR
  pf_start "$PF_DIR"
}

pf_suite_teardown() {
  if [ -n "${PF_DIR:-}" ]; then
    pf_stop "$PF_DIR"
    rm -rf "$PF_DIR"
  fi
}

# pf_submission DIR: on top of pf_start, what a mail client submits to:
# STARTTLS on 127.0.0.1:$PF_SUBMISSION and implicit TLS on 127.0.0.1:$PF_SMTPS,
# with a certificate for 127.0.0.1 and localhost signed by a CA made here
# ($PF_CA), AUTH only over TLS through a Dovecot (passwd-file: alice@test.local
# / s3cret) whose auth socket Postfix uses. pf_submission_stop DIR stops Dovecot.
PF_SUBMISSION=10587
PF_SMTPS=10465
pf_submission() {
  local dir=$1
  command -v dovecot >/dev/null || skip_unless_available "dovecot-core is not installed"
  command -v openssl >/dev/null || skip_unless_available "openssl is not installed"
  mkdir -p "$dir/tls" "$dir/dovecot-run" "$dir/dovecot-state"
  (
    cd "$dir/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj "/CN=mls test CA" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=localhost" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile ext -out server.crt >/dev/null 2>&1
    chmod 0644 ca.crt server.crt
    chgrp postfix server.key && chmod 0640 server.key
  )
  PF_CA=$dir/tls/ca.crt
  export PF_CA
  chmod 0755 "$dir" "$dir/tls"
  cat >"$dir/dovecot.conf" <<DOV
protocols =
listen = 127.0.0.1
base_dir = $dir/dovecot-run
state_dir = $dir/dovecot-state
log_path = $dir/dovecot.log
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
ssl = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/dovecot.passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
DOV
  printf 'alice@test.local:{PLAIN}s3cret\n' >"$dir/dovecot.passwd"
  dovecot -c "$dir/dovecot.conf"
  postconf -e "smtpd_tls_cert_file = $dir/tls/server.crt" "smtpd_tls_key_file = $dir/tls/server.key" \
    "smtpd_tls_security_level = may" "smtpd_tls_auth_only = yes" \
    "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" "smtpd_sasl_path = private/auth" \
    "smtpd_tls_loglevel = 1"
  postconf -M "127.0.0.1:$PF_SUBMISSION/inet=127.0.0.1:$PF_SUBMISSION inet n - n - - smtpd"
  postconf -P "127.0.0.1:$PF_SUBMISSION/inet/syslog_name=postfix/submission"
  postconf -M "127.0.0.1:$PF_SMTPS/inet=127.0.0.1:$PF_SMTPS inet n - n - - smtpd"
  postconf -P "127.0.0.1:$PF_SMTPS/inet/syslog_name=postfix/smtps" \
    "127.0.0.1:$PF_SMTPS/inet/smtpd_tls_wrappermode=yes"
  postfix check
  postfix reload >/dev/null 2>&1
  local i
  for i in $(seq 100); do
    [ -S /var/spool/postfix/private/auth ] && (exec 3<>"/dev/tcp/127.0.0.1/$PF_SUBMISSION") 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$PF_SMTPS") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the submission listeners did not come up" >&2
  return 1
}

pf_submission_stop() {
  local dir=$1
  [ -f "$dir/dovecot.conf" ] && doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
  [ -f "$dir/dovecot-run/master.pid" ] && kill "$(cat "$dir/dovecot-run/master.pid")" 2>/dev/null || true
}

# pf_plain_auth PORT: on top of pf_submission (and pf_start with
# PF_INET_PROTOCOLS=all), listeners on 127.0.0.1:PORT and [::1]:PORT that take
# AUTH without TLS, as port 25 does for the clients that guess passwords; they
# log as postfix/plainauth/smtpd (client "unknown[IP]": no peer-name lookup).
pf_plain_auth() {
  local port=$1 l i
  for l in "127.0.0.1:$port" "[::1]:$port"; do
    postconf -M "$l/inet=$l inet n - n - - smtpd"
    postconf -P "$l/inet/syslog_name=postfix/plainauth" "$l/inet/smtpd_tls_auth_only=no"
  done
  postfix reload >/dev/null 2>&1
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (exec 3<>"/dev/tcp/::1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the plain AUTH listeners on port $port did not come up" >&2
  return 1
}
