#!/usr/bin/env bats
# End to end, as a new operator (issue 12): `make install` into a temporary
# prefix; `maillogsentinel --setup --config TEMPLATE --root $R`; a real Postfix +
# Dovecot on loopback (postfix-local.bash) logging to a file that only root and
# group adm may read; swaks makes failed AUTH attempts (LOGIN and PLAIN, IPv4
# and IPv6, with and without a user name) and one success; the extraction runs
# as the service user with the installed binaries and the installed config; the
# CSV holds exactly the failures; `--report` arrives in root's mailbox through
# sendmail and through SMTP (STARTTLS + AUTH); `--reset` and a rerun give the
# same events again; `--purge` leaves nothing in the working and state dirs.
# The tests build on each other, in file order (one operator, one machine).
#
# How the service user is simulated. --setup --root $R puts the user into
# $R/etc/passwd and $R/etc/group (useradd --prefix; $R/etc starts as a copy of
# this machine's passwd and group, as on a real host), its directories under
# $R/var/lib/maillogsentinel and the config, verbatim, in
# $R/etc/maillogsentinel.conf, whose paths are the real ones (/var/lib/...,
# the mail log under /var/log). `svc` runs a command in a private mount
# namespace (unshare --mount) where $R is what the system looks like to it:
# $R/etc/passwd and $R/etc/group are bind-mounted over /etc/passwd and
# /etc/group, a tmpfs hides /var/lib and $R/var/lib/maillogsentinel is
# bind-mounted at /var/lib/maillogsentinel. In there `setpriv --reuid=USER
# --regid=ITS-GROUP --init-groups --inh-caps=-all` becomes the user by name,
# with the supplementary groups that setup's /etc/group gives it (so adm comes
# from --setup, not from this file), and runs the installed driver on the
# installed config, with a PATH of system directories only: the driver runs
# the stages from its own directory, so nothing from the build directory can
# take part. Nothing changes outside the namespace: this machine's /etc and
# /var/lib stay as they are, and the mounts go away with the command. The mail
# log is root:adm 0640: the same run with the groups cleared is refused.
# Postfix's sendmail inside the namespace finds the user (getpwuid) in the
# bound passwd, as on a real host; it does not need /var/lib. The config is
# named with --config $R/etc/maillogsentinel.conf (a bind mount over
# /etc/maillogsentinel.conf would need that file on this machine).
# Why not a template whose paths lie under a scratch directory, the same inside
# and outside: the config would then not be the one a new operator deploys
# (the template leaves working_dir and state_dir at their /var/lib defaults),
# and the user --setup made would be a bare uid that neither setpriv nor
# sendmail could look up.
#
# [dns] enabled = false: /etc/resolv.conf points off the machine (loopback only).
#
# Runs only as root with Postfix, Dovecot, swaks (+ IO::Socket::INET6), useradd
# and unshare, and no Postfix running (skipped otherwise; MLS_REQUIRE_ALL=1
# fails instead).

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load postfix-local

PLAIN_PORT=10525 # pf_plain_auth: AUTH without TLS on 127.0.0.1 and ::1
SVC=maillogsentinel

# missing_prereq: why this machine cannot run the suite (nothing: it can). The
# checks are skip_unless_available calls, which only say why here: bats 1.8.2
# (Debian 12) reports a skip from setup_file as "setup_file failed", so the
# tests skip one by one instead (setup).
missing_prereq() {
  (
    skip_unless_available() {
      echo "$1"
      exit 0
    }
    [ "$(id -u)" = 0 ] || skip_unless_available "needs root (make install, --setup, the system Postfix)"
    local c
    for c in make useradd unshare setpriv swaks dovecot openssl; do
      command -v "$c" >/dev/null 2>&1 || skip_unless_available "$c is not installed (scripts/install-deps)"
    done
    perl -MIO::Socket::INET6 -e 1 2>/dev/null ||
      skip_unless_available "libio-socket-inet6-perl is not installed (swaks over IPv6)"
    grep -q '^0\{31\}1 .* lo$' /proc/net/if_inet6 2>/dev/null || skip_unless_available "no ::1 on lo"
    unshare --mount true 2>/dev/null || skip_unless_available "unshare --mount is not permitted here"
    ! getent passwd "$SVC" >/dev/null ||
      skip_unless_available "this machine has a user $SVC already (--setup would find it, not create it)"
    pf_skip_unless_possible
  )
}

setup_file() {
  NEW_OPERATOR_SKIP=$(missing_prereq)
  export NEW_OPERATOR_SKIP
  if [ -n "$NEW_OPERATOR_SKIP" ]; then return 0; fi
  PF_INET_PROTOCOLS=all pf_suite_setup new-operator
  pf_submission "$PF_DIR"
  pf_plain_auth "$PLAIN_PORT"
  # Debian's mail log: root:adm 0640 (postlogd appends to it and keeps the mode).
  chown root:adm "$PF_LOG"
  chmod 0640 "$PF_LOG"

  S=$PF_DIR/op # everything of this suite; removed with PF_DIR
  P=$S/prefix  # make install's PREFIX
  R=$S/root    # --setup --root
  H=$S/home    # the service user's HOME for --reset/--purge (their backup dirs)
  TOKEN=mls$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -p "$S" "$R/etc" "$H"
  chmod 0755 "$S"
  export S P R H TOKEN
}

teardown_file() {
  if [ -n "${PF_DIR:-}" ]; then
    pf_submission_stop "$PF_DIR"
    pf_suite_teardown
    if [ -f "$PF_LOG" ]; then chown root:root "$PF_LOG" && chmod 0644 "$PF_LOG"; fi
  fi
}

setup() {
  if [ -n "$NEW_OPERATOR_SKIP" ]; then skip_unless_available "$NEW_OPERATOR_SKIP"; fi
}

# ns CMD...: CMD as root in a private mount namespace where $R is what the
# system looks like (see the header), from $S.
ns() {
  (cd "$S" && unshare --mount --propagation private -- bash -c '
    set -e
    mount --bind "$R/etc/passwd" /etc/passwd
    mount --bind "$R/etc/group" /etc/group
    mount -t tmpfs -o mode=0755,size=16m mls-var-lib /var/lib
    mkdir /var/lib/maillogsentinel
    mount --bind "$R/var/lib/maillogsentinel" /var/lib/maillogsentinel
    exec "$@"' ns "$@")
}

# svc [--no-groups] CMD...: CMD as the service user in that namespace: its
# name, its group and (--init-groups) its supplementary groups looked up there.
svc() {
  local groups=--init-groups
  if [ "$1" = --no-groups ]; then
    groups=--clear-groups
    shift
  fi
  ns bash -c 'exec setpriv --reuid="$1" --regid="$(id -g "$1")" "$2" --inh-caps=-all \
    env -i HOME="$3" PATH="$4" LANG=C.UTF-8 "${@:5}"' svc "$SVC" "$groups" "$H" /usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# The installed driver on the installed config, as the service user.
drv() { svc "$P/bin/maillogsentinel" --config "$R/etc/maillogsentinel.conf" "$@"; }

# template [SMTP]: the operator's template; with SMTP, the report goes through
# the submission listener (STARTTLS, AUTH) instead of sendmail.
template() {
  cat <<EOF
# maillogsentinel, as the operator wrote it for this host
[paths]
mail_log = $PF_LOG

[dns]
enabled = false

[report]
email = root@localhost
window = 24h
EOF
  if [ "${1:-}" = smtp ]; then
    printf 'subject_prefix = [%st]\n' "$TOKEN"
    printf 'sender = reports@localhost\nsmtp_host = 127.0.0.1\nsmtp_port = %s\n' "$PF_SUBMISSION"
    printf 'smtp_user = alice@test.local\nsmtp_password = s3cret\nsmtp_cafile = %s\n' "$PF_CA"
  else
    printf 'subject_prefix = [%ss]\n' "$TOKEN"
  fi
}

# csv_set CSV: the dataset's rows as sorted "ip<TAB>user<TAB>method" lines.
csv_set() {
  python3 - "$1" <<'PY' | LC_ALL=C sort
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), delimiter=";"))
head = rows[0]
ip, user, method = head.index("ip"), head.index("user"), head.index("method")
for r in rows[1:]:
    print("%s\t%s\t%s" % (r[ip], r[user], r[method]))
PY
}

# mail_set EML: checks the delivered report (its text part names every address
# of $S/expected) and prints its CSV attachment as csv_set does.
mail_set() {
  python3 - "$1" "$S/expected" <<'PY' | LC_ALL=C sort
import csv, email, io, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
alt, att = list(msg.iter_parts())
text = list(alt.iter_parts())[0].get_content()
ips = {l.split("\t")[0] for l in open(sys.argv[2]) if l.strip()}
missing = [ip for ip in ips if ip not in text]
if missing:
    sys.exit("addresses missing from the text part: %r\n%s" % (missing, text))
rows = list(csv.reader(io.StringIO(att.get_content(), newline=""), delimiter=";"))
head = rows[0]
ip, user, method = head.index("ip"), head.index("user"), head.index("method")
for r in rows[1:]:
    print("%s\t%s\t%s" % (r[ip], r[user], r[method]))
PY
}

# listing: every path under the working dir (the state dir is in it), with its type.
listing() { (cd "$R/var/lib/maillogsentinel" && find . -printf '%y %p\n' | LC_ALL=C sort); }

@test "make install into a temporary prefix: the built tools, man pages and units, nothing rebuilt" {
  # -o all: install what $MLS_BIN holds (make check has just built it); never a
  # build from here, which other suites' binaries would race with.
  run -0 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$MLS_SRCDIR" -o all install \
    OUT="${MLS_BIN%/bin}" PREFIX="$P" SYSCONFDIR="$P/etc"
  local t
  for t in maillogsentinel mls-tail mls-parse mls-enrich mls-store mls-report mls-sql mls-ipinfo; do
    [ -x "$P/bin/$t" ]
    cmp "$MLS_BIN/$t" "$P/bin/$t"
  done
  [ -f "$P/share/man/man8/maillogsentinel.8" ]
  [ -f "$P/share/man/man5/maillogsentinel.conf.5" ]
  grep -qx "ExecStart=$P/bin/maillogsentinel.*" "$P/lib/systemd/system/maillogsentinel.service"
  [ -f "$P/etc/logrotate.d/maillogsentinel" ]
  [ -f "$P/share/doc/maillogsentinel/maillogsentinel.conf.example" ]
}

@test "--setup --root: the service user in adm, its directories, the config as written" {
  cp /etc/passwd /etc/group "$R/etc/"
  : >"$R/etc/shadow"
  : >"$R/etc/gshadow"
  chmod 0600 "$R/etc/shadow" "$R/etc/gshadow"
  template >"$S/template.conf"
  cd "$S"
  run -0 "$P/bin/maillogsentinel" --setup --config "$S/template.conf" --root "$R"
  assert_line "maillogsentinel: setup: group adm: $SVC added (to read $PF_LOG)"
  grep -q "^$SVC:x:[0-9]*:[0-9]*::/var/lib/maillogsentinel:/usr/sbin/nologin\$" "$R/etc/passwd"
  grep -q "^adm:x:4:\(.*,\)\?$SVC\$" "$R/etc/group"
  cmp "$S/template.conf" "$R/etc/maillogsentinel.conf"
  local uid
  uid=$(sed -n "s/^$SVC:x:\([0-9]*\):.*/\1/p" "$R/etc/passwd")
  [ "$(stat -c '%a %u' "$R/var/lib/maillogsentinel")" = "750 $uid" ]
  [ "$(stat -c '%a %u' "$R/var/lib/maillogsentinel/state")" = "750 $uid" ]
  chown "$uid" "$H"
  chmod 0700 "$H"
  # The namespace sees the user, its group and adm.
  run -0 svc id
  assert_output --regexp "^uid=$uid\($SVC\) gid=[0-9]+\($SVC\) groups=.*4\(adm\)"
}

@test "the installed units with --setup's drop-ins: systemd-analyze verify accepts them; their security scores" {
  command -v systemd-analyze >/dev/null || skip_unless_available "systemd-analyze is not installed"
  local u=$S/units d
  mkdir -p "$u"
  cp -r "$P/lib/systemd/system/." "$u/"
  for d in "$R"/etc/systemd/system/*.d; do
    mkdir -p "$u/${d##*/}"
    cp "$d"/*.conf "$u/${d##*/}/"
  done
  grep -qx "User=$SVC" "$u/maillogsentinel.service.d/setup.conf"
  # In the namespace the user exists, as on the operator's host.
  run -0 ns systemd-analyze verify --man=no "$u"/*.service "$u"/*.timer
  assert_output ''
  local unit score
  for unit in maillogsentinel.service maillogsentinel-report.service maillogsentinel-firewall.service; do
    score=$(ns systemd-analyze security --offline=yes "$u/$unit" 2>/dev/null |
      sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
    [ -n "$score" ]
    echo "# systemd-analyze security $unit (installed, with the drop-ins): $score" >&3
    python3 -c "import sys; sys.exit(0 if $score <= 2.5 else 1)"
  done
}

@test "swaks: failed AUTH (LOGIN, PLAIN; IPv4, IPv6; with and without a user name) and one success, logged" {
  # server source auth user password (swaks exit 28: AUTH refused, 0: accepted)
  local attempts=(
    "127.0.0.1 127.0.0.2 LOGIN admin@test.local 123456"
    "127.0.0.1 127.0.0.3 PLAIN info@test.local password"
    "127.0.0.1 127.0.0.3 LOGIN alice@test.local s3cre7"
    "127.0.0.1 127.0.0.4 LOGIN - x"
    "::1 ::1 PLAIN test bad"
    "::1 ::1 PLAIN - x"
    "::1 ::1 LOGIN root toor"
  )
  local a server src mech user pw
  : >"$S/expected"
  for a in "${attempts[@]}"; do
    read -r server src mech user pw <<<"$a"
    [ "$user" = - ] && user=
    run -28 swaks --server "$server" --port "$PLAIN_PORT" --local-interface "$src" \
      --auth "$mech" --auth-user "$user" --auth-password "$pw" \
      --from probe@localhost --to root@localhost --body test </dev/null
    printf '%s\t%s\t%s\n' "$src" "$user" "$mech" >>"$S/expected"
  done
  run -0 swaks --server 127.0.0.1 --port "$PLAIN_PORT" --local-interface 127.0.0.5 \
    --auth PLAIN --auth-user alice@test.local --auth-password s3cret \
    --from alice@test.local --to root@localhost --h-Subject "swaks $TOKEN" --body test </dev/null
  LC_ALL=C sort -o "$S/expected" "$S/expected"
  # postlogd writes asynchronously: wait for the success line, the last one.
  local i
  for i in $(seq 100); do
    grep -q 'client=unknown\[127.0.0.5\], sasl_method=PLAIN, sasl_username=alice@test.local' "$PF_LOG" && break
    sleep 0.1
  done
  [ "$(grep -c 'SASL [A-Z]* authentication failed' "$PF_LOG")" = "${#attempts[@]}" ]
  grep -q 'unknown\[::1\]: SASL PLAIN authentication failed: .*, sasl_username=$' "$PF_LOG"
  grep -q 'unknown\[127.0.0.4\]: SASL LOGIN authentication failed: .*, sasl_username=$' "$PF_LOG"
  [ "$(stat -c '%a %U %G' "$PF_LOG")" = "640 root adm" ]
  # The report's window is [now - 24 h, now) in whole seconds: a report in the
  # second of the last attempt would leave that attempt out. Wait for the next.
  local t0
  t0=$(date +%s)
  while [ "$(date +%s)" -le "$t0" ]; do sleep 0.05; done
}

@test "the extraction as the service user (installed tools and config): exactly the failures" {
  # Without adm the mail log cannot be read: nothing is extracted.
  run svc --no-groups "$P/bin/maillogsentinel" --config "$R/etc/maillogsentinel.conf"
  assert_failure
  assert_output --partial "$PF_LOG"
  assert_output --regexp "[Pp]ermission denied"
  [ ! -e "$R/var/lib/maillogsentinel/maillogsentinel.csv" ]

  # The stages are the installed ones, found next to the driver.
  run -0 drv --dry-run
  local t
  for t in mls-tail mls-parse mls-enrich mls-store; do assert_output --partial "$P/bin/$t "; done
  refute_output --partial "$MLS_BIN"

  run -0 drv
  local csv=$R/var/lib/maillogsentinel/maillogsentinel.csv
  [ -f "$csv" ]
  csv_set "$csv" >"$S/got"
  diff -u "$S/expected" "$S/got"
  ! grep -q '127\.0\.0\.5' "$csv" # the success is not a failure
  # The files are the service user's.
  local uid
  uid=$(sed -n "s/^$SVC:x:\([0-9]*\):.*/\1/p" "$R/etc/passwd")
  run -0 find "$R/var/lib/maillogsentinel" ! -uid "$uid"
  assert_output ""
  # A second run finds nothing new.
  run -0 drv
  csv_set "$csv" | diff -u "$S/expected" -
}

@test "--report through sendmail arrives in root's mailbox with the failures' addresses" {
  run -0 drv --report -v
  assert_output --partial "handed to /usr/sbin/sendmail"
  pf_wait_mail /var/mail/root "${TOKEN}s" >"$S/sendmail.eml"
  run -0 mail_set "$S/sendmail.eml"
  diff -u "$S/expected" <(printf '%s\n' "$output")
  # The envelope sender is the service user's (sendmail found it in the passwd
  # file --setup wrote).
  grep -q "^Return-Path: <$SVC@" "$S/sendmail.eml"
}

@test "--report through SMTP (STARTTLS, AUTH) after the template is changed and --setup rerun" {
  template smtp >"$S/template.conf"
  cd "$S"
  run -0 "$P/bin/maillogsentinel" --setup --config "$S/template.conf" --root "$R"
  assert_line --partial "config /etc/maillogsentinel.conf: replaced"
  cmp "$S/template.conf" "$R/etc/maillogsentinel.conf"
  [ "$(stat -c %a "$R/etc/maillogsentinel.conf")" = 640 ]
  # The password is in the config (for the user's group), never in the transcript.
  refute_output --partial s3cret
  run -1 grep -c s3cret "$S/maillogsentinel_setup.log"
  run -0 drv --report -v
  assert_output --partial "handed to smtp://127.0.0.1:$PF_SUBMISSION (STARTTLS)"
  refute_output --partial s3cret
  pf_wait_mail /var/mail/root "${TOKEN}t" >"$S/smtp.eml"
  run -0 mail_set "$S/smtp.eml"
  diff -u "$S/expected" <(printf '%s\n' "$output")
  grep -q "postfix/submission/smtpd.*disconnect from .* starttls=1 auth=1 mail=1 rcpt=1 data=1" "$PF_LOG"
}

@test "--reset, then a rerun: the same events again; the old dataset in a backup directory" {
  local csv=$R/var/lib/maillogsentinel/maillogsentinel.csv
  cp "$csv" "$S/before-reset.csv"
  run -0 drv --reset
  [ ! -e "$csv" ]
  local b
  b=$(find "$H" -maxdepth 1 -name 'maillogsentinel_backup_*' -type d)
  [ -n "$b" ] && [ "$(wc -l <<<"$b")" = 1 ]
  cmp "$S/before-reset.csv" "$b/working_dir/maillogsentinel.csv"
  # The failures, alice's login beside them ([logins] track), the op log, the position.
  assert_line --partial "moved 4 files into $H/maillogsentinel_backup_"
  assert_line "  /var/lib/maillogsentinel/maillogsentinel.csv"
  assert_line "  /var/lib/maillogsentinel/maillogsentinel-logins.csv"
  [ -f "$b/MANIFEST" ]
  run -0 drv
  csv_set "$csv" | diff -u "$S/expected" -
  cmp "$S/before-reset.csv" "$csv" # the same rows, byte for byte
}

@test "--purge: nothing left in the working and state directories, all in the purge directory" {
  local w=$R/var/lib/maillogsentinel
  find "$w" -mindepth 1 -type f -printf '%P\n' | LC_ALL=C sort >"$S/files-before"
  [ -s "$S/files-before" ]
  run -0 drv --purge
  # Only the two directories --setup made are left, empty.
  run -0 listing
  assert_output "$(printf 'd .\nd ./state')"
  local p
  p=$(find "$H" -maxdepth 1 -name 'maillogsentinel_purge_*' -type d)
  [ -n "$p" ] && [ "$(wc -l <<<"$p")" = 1 ]
  # Every file that was there is named in MANIFEST, by its original path.
  cut -f2 "$p/MANIFEST" | sed 's|^/var/lib/maillogsentinel/||' | LC_ALL=C sort >"$S/files-moved"
  diff -u "$S/files-before" "$S/files-moved"
  # A purged installation starts again from scratch.
  run -0 drv
  cmp "$S/before-reset.csv" "$w/maillogsentinel.csv"
}
