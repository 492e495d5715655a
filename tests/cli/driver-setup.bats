#!/usr/bin/env bats
# maillogsentinel --setup --config TEMPLATE --root DIR: the service user (in
# DIR/etc/passwd and group, by useradd --prefix), its directories, the config
# and the units' drop-ins, all under DIR; a transcript without the password; a
# second run changes nothing; a changed template keeps the old config as .bak.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
  [ "$(id -u)" = 0 ] || skip_unless_available "--setup runs as root (chown, useradd --prefix)"
  command -v useradd >/dev/null || skip_unless_available "useradd (passwd) is not installed"
  mls_scratch
  R=$T/root
  mkdir -p "$R/etc"
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
  printf 'root:x:0:\nadm:x:4:\n' >"$R/etc/group"
  : >"$R/etc/shadow"
  : >"$R/etc/gshadow"
  chmod 600 "$R/etc/shadow" "$R/etc/gshadow"
  cat >"$T/t.conf" <<'EOF2'
[paths]
working_dir = /var/lib/maillogsentinel
state_dir = /var/lib/maillogsentinel/state
mail_log = /var/log/mail.log
[report]
email = postmaster@example.org
[database]
sql_export_dir = /var/lib/maillogsentinel/sql
db_password = Very#Secret-42
[setup]
user = mlstest
extract_schedule = *:0/15
EOF2
  cd "$T"
}
teardown() { mls_scratch_cleanup; }

# wizard <SCRIPT: runs the expect SCRIPT (with wizard.tcl's procs) against
# `maillogsentinel --setup --root $R` on a pseudo-terminal; the output in $T/pty.
wizard() {
  command -v expect >/dev/null || skip_unless_available "expect is not installed"
  { printf 'source {%s}\nspawn {%s} --setup --root {%s}\n' \
      "$MLS_SRCDIR/tests/cli/wizard.tcl" "$(command -v maillogsentinel)" "$R"
    cat; } >"$T/w.exp"
  expect "$T/w.exp" >"$T/pty" 2>&1
}

setup_run() { maillogsentinel --setup --config "$T/t.conf" --root "$R" "$@"; }
sums() { (cd "$R" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . -printf '%p %m %u %g\n' | sort); }

@test "--setup from a template into --root: user, directories, config, unit drop-ins, transcript" {
  run setup_run
  assert_success
  assert_line "maillogsentinel: setup: user mlstest: created (system user, no login shell, home /var/lib/maillogsentinel)"
  assert_line "maillogsentinel: setup: group adm: mlstest added (to read /var/log/mail.log)"
  assert_line --partial "systemctl enable --now maillogsentinel-extract.timer"
  grep -q '^mlstest:x:[0-9]*:[0-9]*::/var/lib/maillogsentinel:/usr/sbin/nologin$' "$R/etc/passwd"
  grep -qx 'adm:x:4:mlstest' "$R/etc/group"
  local uid
  uid=$(sed -n 's/^mlstest:x:\([0-9]*\):.*/\1/p' "$R/etc/passwd")
  for d in /var/lib/maillogsentinel /var/lib/maillogsentinel/state /var/lib/maillogsentinel/sql; do
    [ "$(stat -c '%a %u' "$R$d")" = "750 $uid" ]
  done
  [ "$(stat -c %a "$R/var/lib")" = 755 ]
  cmp "$T/t.conf" "$R/etc/maillogsentinel.conf"
  [ "$(stat -c '%a %u' "$R/etc/maillogsentinel.conf")" = "640 0" ]
  grep -qx 'User=mlstest' "$R/etc/systemd/system/maillogsentinel.service.d/setup.conf"
  grep -qx 'User=mlstest' "$R/etc/systemd/system/maillogsentinel-report.service.d/setup.conf"
  grep -qx 'User=mlstest' "$R/etc/systemd/system/maillogsentinel-firewall.service.d/setup.conf"
  grep -qx 'ReadWritePaths=/var/lib/maillogsentinel /var/lib/maillogsentinel/state /var/lib/maillogsentinel/sql' \
    "$R/etc/systemd/system/maillogsentinel.service.d/setup.conf"
  grep -qx 'OnCalendar=\*:0/15' "$R/etc/systemd/system/maillogsentinel-extract.timer.d/setup.conf"
  grep -qx '/var/lib/maillogsentinel/maillogsentinel.log {' "$R/etc/logrotate.d/maillogsentinel"
  grep -qxP '\tsu mlstest mlstest' "$R/etc/logrotate.d/maillogsentinel"
  grep -qxP '\tcreate 0640 mlstest mlstest' "$R/etc/logrotate.d/maillogsentinel"
  if command -v logrotate >/dev/null; then
    sed 's|^/var/lib|'"$R"'/var/lib|; s/mlstest/root/g' "$R/etc/logrotate.d/maillogsentinel" >"$T/lr.conf"
    run logrotate --debug --state "$T/lr.state" "$T/lr.conf"
    assert_success
  fi
  grep -qx 'OnCalendar=\*-\*-\* 00:05:00' "$R/etc/systemd/system/maillogsentinel-report.timer.d/setup.conf"
  # The transcript: every step, never the password.
  [ "$(grep -c ' INFO setup: ' "$T/maillogsentinel_setup.log")" -ge 10 ]
  run grep -c 'Secret-42' "$T/maillogsentinel_setup.log"
  assert_output 0
  # The units and their drop-ins are what systemd accepts.
  if command -v systemd-analyze >/dev/null; then
    mkdir "$T/u"
    for u in "$MLS_SRCDIR"/systemd/*.service "$MLS_SRCDIR"/systemd/*.timer; do
      sed "s|@BINDIR@|$MLS_BIN|g" "$u" >"$T/u/${u##*/}"
    done
    cp -r "$R"/etc/systemd/system/*.d "$T/u/"
    sed -i 's/^User=mlstest/User=root/; s/^Group=mlstest/Group=root/' "$T"/u/*.service.d/setup.conf
    run systemd-analyze verify --man=no "$T"/u/*.service "$T"/u/*.timer
    assert_success
  fi
}

@test "--setup again: nothing changes; a changed template replaces the config and keeps the old one as .bak" {
  setup_run >/dev/null
  sums >"$T/before"
  run setup_run
  assert_success
  assert_line "maillogsentinel: setup: user mlstest: exists"
  assert_line "maillogsentinel: setup: config /etc/maillogsentinel.conf: unchanged"
  sums | diff "$T/before" -
  sed -i 's/^email = .*/email = abuse@example.org/' "$T/t.conf"
  cp "$R/etc/maillogsentinel.conf" "$T/old.conf"
  run setup_run
  assert_success
  assert_line "maillogsentinel: setup: config /etc/maillogsentinel.conf: replaced (the old one is /etc/maillogsentinel.conf.bak), mode 0640, group mlstest"
  cmp "$T/old.conf" "$R/etc/maillogsentinel.conf.bak"
  cmp "$T/t.conf" "$R/etc/maillogsentinel.conf"
  [ "$(stat -c %a "$R/etc/maillogsentinel.conf.bak")" = 600 ]
}

@test "--setup: a missing [report] email or a bad schedule is exit 1 naming it, nothing written" {
  sed -i '/^email = /d' "$T/t.conf"
  run setup_run
  assert_failure 1
  assert_output --partial "$T/t.conf: [report] email is required"
  [ ! -e "$R/etc/maillogsentinel.conf" ]
  printf '[report]\nemail = a@example.org\n[setup]\nreport_schedule = every day at noonish\n' >"$T/t.conf"
  if command -v systemd-analyze >/dev/null; then
    run setup_run
    assert_failure 1
    assert_output --partial "schedule 'every day at noonish': systemd-analyze calendar refuses it"
  fi
  [ ! -e "$R/etc/maillogsentinel.conf" ]
  [ "$(wc -l <"$R/etc/passwd")" = 1 ]
}

@test "--setup --dry-run says what it would do and changes nothing; not root: refused; usage errors" {
  sums >"$T/before"
  run setup_run --dry-run
  assert_success
  assert_line "maillogsentinel: setup: user mlstest: would be created (system user, no login shell)"
  assert_line "maillogsentinel: setup: config /etc/maillogsentinel.conf: would be written"
  sums | diff "$T/before" -
  chmod 755 "$T"
  run as_user maillogsentinel --setup --config "$T/t.conf" --root "$R"
  assert_failure 1
  assert_output --partial "run it as root"
  run maillogsentinel --setup --root "$R" </dev/null
  assert_failure 2
  assert_output --partial "--setup without --config asks its questions on a terminal"
  run maillogsentinel --root "$R"
  assert_failure 2
  assert_output --partial "--root needs --setup"
}

@test "the wizard on a terminal: defaults, refused answers asked again, a password unseen, then deployed" {
  local schedule='*:0/5' check=0
  if command -v systemd-analyze >/dev/null; then schedule='every tuesday' check=1; fi
  run wizard <<EOF
ask "Where Postfix logs" ""
ask "Postfix's mail log" "var/log/mail.log"
see "not taken: give an absolute path"
ask "Postfix's mail log" "/var/log/mail.log"
see "does not exist (yet?)"
ask "Postfix's mail log" ""
ask "Working directory" "/srv/mls/"
ask {State directory \(the log position, the DNS cache\) \[/srv/mls/state\]} ""
ask "Op log level" "chatty"
see "not taken: one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
ask "Op log level" "warning"
ask "Who gets" "postmaster@"
see "not taken: bad address 'postmaster@'"
ask "Who gets" "postmaster@example.org, abuse@example.org"
ask "sender" ""
ask "How the report" "smtp"
ask "SMTP server" "127.0.0.1"
ask "TLS" ""
ask "SMTP port" "99999"
see "not taken: expected"
ask "SMTP port" "587"
ask "SMTP AUTH user" "alice"
ask "SMTP AUTH password" "Very#Secret-42"
ask "CA cert" "-"
ask "What the report covers" "24h"
ask "Reverse DNS" ""
ask "DNS servers" "127.0.0.1:5353"
ask "Cache the DNS" ""
ask "DNS cache entries" ""
ask "Country database" ""
ask "ASN database" ""
ask "SQL batch" "-"
ask "Service user" "Bad User"
see "not taken: expected a user name"
ask "Service user" "mlswiz"
ask "When the extraction" "$schedule"
if {$check} { see "systemd-analyze calendar refuses 'every tuesday'"; ask "When the extraction" "*:0/5" }
ask "When the report" ""
see {+ [report] smtp_password = ********}
ask "Write it" "maybe"
see "not taken: yes or no"
ask "Write it" "yes"
finish
EOF
  cat "$T/pty"
  assert_success
  local c=$R/etc/maillogsentinel.conf
  grep -qx 'working_dir = /srv/mls' "$c"
  grep -qx 'state_dir = /srv/mls/state' "$c"
  grep -qx 'log_level = WARNING' "$c"
  grep -qx 'email = postmaster@example.org, abuse@example.org' "$c"
  grep -qx 'smtp_port = 587' "$c"
  grep -qx 'smtp_password = Very#Secret-42' "$c"
  grep -qx 'servers = 127.0.0.1:5353' "$c"
  grep -qx 'extract_schedule = \*:0/5' "$c"
  [ "$(stat -c '%a %u' "$c")" = "640 0" ]
  grep -q '^mlswiz:x:' "$R/etc/passwd"
  [ -d "$R/srv/mls/state" ]
  grep -qx 'User=mlswiz' "$R/etc/systemd/system/maillogsentinel.service.d/setup.conf"
  # The password was neither echoed nor logged; the answers are in the transcript.
  run grep -c 'Secret-42' "$T/pty" "$T/maillogsentinel_setup.log"
  assert_output "$T/pty:0
$T/maillogsentinel_setup.log:0"
  grep -q 'INFO setup: answer: report.smtp_password = \*\*\*\*\*\*\*\*$' "$T/maillogsentinel_setup.log"
  grep -q 'INFO setup: answer: setup.user = mlswiz$' "$T/maillogsentinel_setup.log"
}

@test "the wizard: Ctrl-C at a question or in the password, or 'no' at the end, changes nothing" {
  sums >"$T/before"
  run wizard <<'EOF'
ask "Where Postfix logs" ""
ask "Postfix's mail log" "/srv/elsewhere.log"
ask "Postfix's mail log" ""
ask "Working directory" "/srv/x"
send "\003"
see "stopped; nothing was changed."
finish
EOF
  cat "$T/pty"
  assert_failure 130
  sums | diff "$T/before" -
  [ ! -e "$T/maillogsentinel_setup.log" ]
  run wizard <<'EOF'
ask "Where Postfix logs" ""
ask "Postfix's mail log" ""
ask "Postfix's mail log" ""
ask "Working directory" ""
ask "State directory" ""
ask "Op log level" ""
ask "Who gets" "a@example.org"
ask "sender" ""
ask "How the report" "smtp"
ask "SMTP server" "127.0.0.1"
ask "TLS" ""
ask "SMTP port" ""
ask "SMTP AUTH user" "alice"
expect -re "SMTP AUTH password: $"
send "half-typ\003"
see "stopped; nothing was changed."
finish
EOF
  cat "$T/pty"
  assert_failure 130
  run grep -c 'half-typ' "$T/pty"
  assert_output 0
  sums | diff "$T/before" -
  # Enter everywhere, Enter ("no") at the end: exit 1, nothing written.
  run wizard <<'EOF'
ask "Where Postfix logs" ""
ask "Postfix's mail log" ""
ask "Postfix's mail log" ""
ask "Working directory" ""
ask "State directory" ""
ask "Op log level" ""
ask "Who gets" "a@example.org"
enter_until_confirm ""
see "stopped; nothing was changed."
finish
EOF
  cat "$T/pty"
  assert_failure 1
  sums | diff "$T/before" -
}

@test "the wizard again: the config's values are the defaults; Enter everywhere changes no byte; a change keeps a .bak" {
  sed -i 's/^\[database\]$/[database]\ndb_type = postgresql\ndb_user = mls/' "$T/t.conf"
  setup_run >/dev/null
  sums >"$T/before"
  run wizard <<'EOF'
ask "Where Postfix logs" ""
ask {Postfix's mail log \[/var/log/mail.log\]} ""
ask "Postfix's mail log" ""
ask {Working directory \(the dataset and the op log\) \[/var/lib/maillogsentinel\]} ""
enter_until_confirm "yes"
finish
EOF
  cat "$T/pty"
  assert_success
  grep -q "The configuration is unchanged." "$T/pty"
  grep -q "config /etc/maillogsentinel.conf: unchanged" "$T/pty"
  grep -qF "Database password [Enter keeps the current one]" "$T/pty"
  run grep -c 'Secret-42' "$T/pty"
  assert_output 0
  sums | diff "$T/before" -
  cp "$R/etc/maillogsentinel.conf" "$T/old.conf"
  run wizard <<'EOF'
ask "Where Postfix logs" ""
ask "Postfix's mail log" ""
ask "Postfix's mail log" ""
ask "Working directory" ""
ask "State directory" ""
ask "Op log level" ""
ask {Who gets the daily report \(addresses, comma-separated\) \[postmaster@example.org\]} "abuse@example.org"
enter_until_confirm "yes"
finish
EOF
  cat "$T/pty"
  assert_success
  grep -qF "~ [report] email = abuse@example.org (was postmaster@example.org)" "$T/pty"
  cmp "$T/old.conf" "$R/etc/maillogsentinel.conf.bak"
  grep -qx 'email = abuse@example.org' "$R/etc/maillogsentinel.conf"
  grep -qx 'db_password = Very#Secret-42' "$R/etc/maillogsentinel.conf"
  grep -qx 'extract_schedule = \*:0/15' "$R/etc/maillogsentinel.conf"
}

@test "--setup with [paths] source = journal: the user joins systemd-journal, not adm" {
  printf 'systemd-journal:x:101:\n' >>"$R/etc/group"
  sed -i 's|^mail_log = .*|source = journal|' "$T/t.conf"
  run setup_run
  assert_success
  assert_line "maillogsentinel: setup: group systemd-journal: mlstest added (to read the journal)"
  grep -qx 'systemd-journal:x:101:mlstest' "$R/etc/group"
  grep -qx 'adm:x:4:' "$R/etc/group"
  run setup_run
  assert_line "maillogsentinel: setup: group systemd-journal: mlstest is a member (reads the journal)"
}
