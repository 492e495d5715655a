#!/usr/bin/env bats
# mls-report --send: the MIME message (parsed back with Python's email package),
# the hand-off to sendmail (fake sendmails: shell scripts), recipients and
# addresses, injection attempts, the attachment's size limit, usage errors.
# Real delivery through Postfix: tests/integration/report-mail.bats.

bats_require_minimum_version 1.5.0

load test_helper

NOW=2026-11-28T14:00:00
export TZ=Europe/Paris

setup() {
  mls_scratch
  mkdir -p "$T/work"
  make_dataset
  write_config
}

teardown() { mls_scratch_cleanup; }

# make_dataset: $T/work/maillogsentinel.csv through mls-store. Today (28 Nov,
# Paris) 9 rows, one of them with a user name holding "\r\nBcc: x@y"; 4 rows
# yesterday. $T/expected.json: the window's (ip, user) pairs, computed here.
make_dataset() {
  python3 - "$T" <<'PY' | mls-store --csv "$T/work/maillogsentinel.csv" 2>/dev/null
import json, sys
T = sys.argv[1]
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
rows, window = [], []
users = ["alice", "bob", "x\r\nBcc: x@y", "=cmd|' /C calc'!A0", "caf\u00e9"]
for k in range(4):  # yesterday, local time
    rows.append(["2026-11-27T2%d:30:00+01:00" % k, "127.0.0.50", "old%d" % k])
for k in range(9):  # today, 00:10 .. 13:30 local
    ts = "2026-11-28T%02d:%02d:00+01:00" % (k * 3 // 2, 10 + k)
    ip, user = "127.0.0.%d" % (2 + k % 4), users[k % len(users)]
    rows.append([ts, ip, user])
    window.append([ip, user])
for ts, ip, user in rows:
    cells = [ts, "mx1", ip, user, "PLAIN", "unknown", "", "postfix/submission/smtpd",
             "(reason unavailable)", "", "NXDOMAIN", "", "", ""]
    print("\t".join(esc(c) for c in cells))
json.dump({"total": len(window), "rows": window}, open(T + "/expected.json", "w"))
PY
}

# write_config [EXTRA [report] LINES...]
write_config() {
  {
    printf '[paths]\nworking_dir = %s/work\nstate_dir = %s/work\n\n[report]\n' "$T" "$T"
    printf 'email = root@localhost\nsender = reports@mx1.example.org\n'
    printf 'sendmail = %s/sendmail\n' "$T"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$T/conf"
}

# fake_sendmail BODY: $T/sendmail, a shell script.
fake_sendmail() {
  printf '#!/bin/sh\n%s\n' "$1" >"$T/sendmail"
  chmod 0755 "$T/sendmail"
}

send() { mls-report --config "$T/conf" --now "$NOW" --send "$@"; }

# check_message FILE: parses FILE with Python's email package and checks the
# structure, the headers, both alternatives and the attachment's rows.
check_message() {
  python3 - "$1" "$T/expected.json" <<'PY'
import csv, email, io, json, re, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=policy.default)
exp = json.load(open(sys.argv[2]))
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
head = raw.split(b"\n\n", 1)[0]
check(b"\r" not in raw, "LF line ends only")
names = [l.split(b":", 1)[0].lower() for l in head.split(b"\n") if l and l[:1] not in b" \t"]
check(sorted(names) == sorted([b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
      b"content-type", b"auto-submitted", b"x-mailer"]), "header names: %r" % names)
check(max(len(l) for l in head.split(b"\n")) <= 78, "header lines <= 78 columns")
check(str(msg["From"]) == "reports@mx1.example.org", "From")
check(str(msg["To"]) == "root@localhost", "To")
check(str(msg["Subject"]).endswith(
    ": %d SASL failures today (2026-11-28)" % exp["total"]), "Subject: %s" % msg["Subject"])
check(str(msg["Subject"]).startswith("[maillogsentinel] "), "subject prefix")
check(str(msg["Date"]) == "Sat, 28 Nov 2026 14:00:00 +0100", "Date: %s" % msg["Date"])
check(re.fullmatch(r"<20261128130000\.\d+\.[0-9a-f]{16}@[A-Za-z0-9.-]+>", str(msg["Message-ID"])),
      "Message-ID: %s" % msg["Message-ID"])
check(str(msg["MIME-Version"]) == "1.0", "MIME-Version")
check(msg.get_content_type() == "multipart/mixed", "multipart/mixed")
parts = list(msg.iter_parts())
check(len(parts) == 2, "2 parts")
alt, att = parts
check([p.get_content_type() for p in alt.iter_parts()] == ["text/plain", "text/html"], "alternatives")
text, html = [p.get_content() for p in alt.iter_parts()]
check(re.search(r"Failed logins\s+%d\b" % exp["total"], text), "total in the text part")
check("\\x0D\\x0ABcc: x@y" in text, "hostile user shown escaped in the text")
check(html.lstrip().lower().startswith("<!doctype html"), "html part")
check(att.get_content_type() == "text/csv", "text/csv")
check(re.fullmatch(r"maillogsentinel-[A-Za-z0-9._-]+-2026-11-28\.csv", att.get_filename()),
      "filename %s" % att.get_filename())
rows = list(csv.reader(io.StringIO(att.get_content(), newline=""), delimiter=";"))
check(rows[0][:4] == ["server", "date", "ip", "user"], "header row")
check(sorted([r[2], r[3] if not r[3].startswith("'=") else r[3][1:]] for r in rows[1:]) ==
      sorted(exp["rows"]), "rows == the window's rows: %r" % rows[1:])
print("ok")
PY
}

@test "mls-report --send --dry-run: a MIME message Python parses back whole" {
  fake_sendmail 'touch "$(dirname "$0")/ran"; exit 1'
  run -0 --separate-stderr send --dry-run
  [ -z "$stderr" ]
  [ ! -e "$T/ran" ]  # nothing was sent
  printf '%s\n' "$output" >"$T/msg.eml"
  run -0 check_message "$T/msg.eml"
  assert_output ok
}

@test "mls-report --send: hands the message to 'sendmail -t -oi -f FROM' and says so" {
  fake_sendmail 'printf "%s\n" "$@" >"$(dirname "$0")/args"; cat >"$(dirname "$0")/msg.eml"'
  run -0 --separate-stderr send
  [ -z "$output" ]
  [ "$stderr" = "mls-report: report for root@localhost handed to $T/sendmail (9 rows attached)" ]
  [ "$(cat "$T/args")" = "$(printf -- '-t\n-oi\n-f\nreports@mx1.example.org')" ]
  run -0 check_message "$T/msg.eml"
  assert_output ok
}

@test "mls-report --send: sendmail exits 75 -> exit 1 naming the failure" {
  fake_sendmail 'cat >/dev/null; echo "sendmail: queue file write error" >&2; exit 75'
  run -1 send
  assert_line "mls-report: sendmail: sendmail: queue file write error"  # labelled with its name
  assert_line "mls-report: report not sent: $T/sendmail -t -oi failed: exit status 75 (temporary failure)"
  refute_output --partial "handed to"
}

@test "mls-report --send: other sendmail failures" {
  fake_sendmail 'cat >/dev/null; kill -KILL $$'
  run -1 send
  assert_output "mls-report: report not sent: $T/sendmail -t -oi failed: killed by signal 9 (Killed)"
  fake_sendmail 'exit 0'  # reads nothing
  run -1 send
  assert_output --regexp "^mls-report: report not sent: $T/sendmail -t -oi exited without reading the whole message \(0 of [0-9]+ bytes\)$"
  fake_sendmail 'cat >/dev/null'
  chmod 0644 "$T/sendmail"
  run -1 send
  assert_output "mls-report: report not sent: cannot run $T/sendmail: Permission denied"
  write_config
  sed -i "s|^sendmail = .*|sendmail = $T/nowhere/sendmail|" "$T/conf"
  run -1 send
  assert_output "mls-report: report not sent: cannot run $T/nowhere/sendmail: No such file or directory"
}

@test "mls-report --send: a hanging sendmail is stopped after --sendmail-timeout (exit 1)" {
  fake_sendmail 'cat >/dev/null; sleep 60'
  SECONDS=0
  run -1 send --sendmail-timeout 1
  assert_output "mls-report: report not sent: $T/sendmail did not finish within 1 s (stopped with SIGTERM)"
  [ "$SECONDS" -lt 20 ]
  fake_sendmail "trap '' TERM; cat >/dev/null; while :; do sleep 0.1; done"
  SECONDS=0
  run -1 send --sendmail-timeout 1
  assert_output "mls-report: report not sent: $T/sendmail did not finish within 1 s (killed with SIGKILL: SIGTERM did not stop it within 5 s)"
  [ "$SECONDS" -lt 30 ]
  fake_sendmail 'cat >/dev/null; sleep 1'
  run -0 send --sendmail-timeout 0
  run -0 send --sendmail-timeout 30
}

@test "mls-report --send: sent with unreadable rows is exit 0; stderr and the report say so" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  printf 'not;a;row\n' >>"$T/work/maillogsentinel.csv"
  run -0 --separate-stderr send
  grep -Fxq "mls-report: $T/work/maillogsentinel.csv: 1 unreadable row left out of the report" <<<"$stderr"
  [ "$(tail -n 1 <<<"$stderr")" = "mls-report: report for root@localhost handed to $T/sendmail (9 rows attached)" ]
  python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get_body(("plain",)).get_content())' "$T/msg.eml" | grep -q '1 dataset row could not be read'
  # Without --send, the printed report still exits 1.
  run -1 --separate-stderr mls-report --config "$T/conf" --now "$NOW"
}

@test "mls-report --send: no domain in the host name and no sender: no From, no -f" {
  fake_sendmail 'printf "%s\n" "$@" >"$(dirname "$0")/args"; cat >"$(dirname "$0")/msg.eml"'
  sed -i '/^sender = /d' "$T/conf"
  fqdn=$(hostname -f 2>/dev/null || hostname)
  run -0 send
  if [[ $fqdn == *.* ]]; then
    [ "$(cat "$T/args")" = "$(printf -- '-t\n-oi\n-f\nmaillogsentinel@%s' "$fqdn")" ]
    grep -qx "From: maillogsentinel@$fqdn" "$T/msg.eml"
  else
    [ "$(cat "$T/args")" = "$(printf -- '-t\n-oi')" ]
    ! grep -q '^From:' "$T/msg.eml"
    grep -qx 'To: root@localhost' "$T/msg.eml"
  fi
}

@test "mls-report --send: bidi controls in subject_prefix do not reach the Subject" {
  write_config $'subject_prefix = [mls\xe2\x80\xae] \xe2\x81\xa6evil\xe2\x81\xa9 caf\xc3\xa9\xe2\x80\x8f'
  run -0 --separate-stderr send --dry-run
  printf '%s\n' "$output" >"$T/msg.eml"
  run -0 python3 -c '
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(ascii(str(m["Subject"])))' "$T/msg.eml"
  assert_output --regexp "^'\[mls\] evil caf\\\\xe9 [^']*: 9 SASL failures today \(2026-11-28\)'$"
}

@test "mls-report --send: no recipient -> exit 1; --to overrides [report] email" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  sed -i '/^email = /d' "$T/conf"
  run -1 send
  assert_output "mls-report: no recipient: set [report] email in $T/conf or use --to"
  [ ! -e "$T/msg.eml" ]
  run -0 send --to 'ops@example.org, "night shift"@example.org'
  assert_output "mls-report: report for ops@example.org, \"night shift\"@example.org handed to $T/sendmail (9 rows attached)"
  run -0 python3 -c '
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m["To"])' "$T/msg.eml"
  assert_output 'ops@example.org, "night shift"@example.org'
}

@test "mls-report --send: bad addresses are refused before anything is read or sent (exit 2)" {
  fake_sendmail 'touch "$(dirname "$0")/ran"'
  write_config 'email = root localhost'
  sed -i '0,/^email = root@localhost$/{/^email = root@localhost$/d}' "$T/conf"
  run -2 send
  assert_output "mls-report: $T/conf: [report] email: bad address 'root localhost': space outside quotes"
  write_config
  run -2 send --to '"nobody"'
  assert_output "mls-report: --to: bad address '\"nobody\"': no '@'"
  run -2 send --to 'a@b,,c@d'
  assert_output "mls-report: --to: empty entry in address list 'a@b,,c@d'"
  run -2 send --to "$(printf 'x@y\r\nBcc: evil@y')"
  assert_output "mls-report: --to: bad address 'x@y\\x0D\\x0ABcc: evil@y': control character"
  [ ! -e "$T/ran" ]
}

@test "mls-report --send: injection through config values and data creates no header" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  # A CR inside a config value (an INI line cannot hold a LF).
  write_config "$(printf 'subject_prefix = [mls]\rBcc: p@q')"
  sed -i '/^sender = /d' "$T/conf"
  printf 'sender = a@b\rBcc: c@d\n' >>"$T/conf"
  run -2 send
  assert_output "mls-report: $T/conf: [report] sender: bad address 'a@b\\x0DBcc: c@d': control character"
  sed -i '/^sender = /d' "$T/conf"
  run -0 send
  run -0 python3 - "$T/msg.eml" <<'PY'
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
head = raw.split(b"\n\n", 1)[0]
assert b"\r" not in head, "no CR in the header section"
for line in head.split(b"\n"):
    assert not line.lower().startswith(b"bcc"), line
m = email.message_from_bytes(raw, policy=policy.default)
assert m.get_all("Bcc") is None
assert str(m["Subject"]).startswith("[mls] Bcc: p@q "), m["Subject"]
assert len(m.get_all("To")) == 1 and str(m["To"]) == "root@localhost"
# The user name is data: in the attachment as is, escaped in the text part.
att = list(m.iter_parts())[1].get_content()
assert '"x\r\nBcc: x@y"' in att
print("ok")
PY
  assert_output ok
}

@test "mls-report --send --preview: headers, the text part and a line per other part, decoded" {
  fake_sendmail 'touch "$(dirname "$0")/ran"; exit 1'
  run -0 --separate-stderr send --preview
  [ -z "$stderr" ]
  [ ! -e "$T/ran" ]  # nothing was sent
  [ "${lines[0]}" = "From: reports@mx1.example.org" ]
  [ "${lines[1]}" = "To: root@localhost" ]
  [[ ${lines[2]} == "Subject: [maillogsentinel] "*": 9 SASL failures today (2026-11-28)" ]]
  [ "${lines[3]}" = "Date: Sat, 28 Nov 2026 14:00:00 +0100" ]
  [ -z "$(sed -n 5p <<<"$output")" ]  # the blank line after the headers
  # The text part as mls-report prints it (decoded: no quoted-printable "=" soft breaks).
  expected_text=$(mls-report --config "$T/conf" --now "$NOW")
  [[ $output == *"$expected_text"* ]]
  ! grep -q '=$' <<<"$output"
  assert_line --regexp '^-- text/html alternative: [0-9.]+ KiB \(mls-report --format html shows it\)$'
  assert_line --regexp '^-- attachment maillogsentinel-[A-Za-z0-9._-]+-2026-11-28\.csv: 9 rows, [0-9]+ bytes$'
  # The hostile user name stays escaped, as in the text report.
  assert_output --partial '\x0D\x0ABcc: x@y'
  # A closed pipe is no failure; --preview needs --send.
  run -0 --separate-stderr bash -c 'set -o pipefail; mls-report --config "$1" --now "$2" --send --preview | head -n 1' _ "$T/conf" "$NOW"
  [ -z "$stderr" ]
  run -2 mls-report --config "$T/conf" --preview
  assert_line "mls-report: --preview needs --send"
}

@test "mls-report --send --preview: says what the size limit does to the attachment" {
  csv_bytes=$(send --dry-run | python3 -c '
import email, sys
from email import policy
m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
print(len(list(m.iter_parts())[1].get_content().encode()))')
  run -0 send --preview --max-attachment "$csv_bytes"
  assert_line --regexp "^-- attachment .*\.csv: 9 rows, $csv_bytes bytes\$"
  run -0 send --preview --max-attachment $((csv_bytes - 1))
  assert_line --regexp "^-- attachment .*\.csv\.gz: 9 rows, $csv_bytes bytes gzip-compressed to [0-9]+ bytes\$"
  run -0 send --preview --max-attachment 10
  assert_line --regexp '^-- no attachment: .+'
}

@test "mls-report --send --max-attachment: gzip above the limit, a note when still too large" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  csv_bytes=$(send --dry-run | python3 -c '
import email, sys
from email import policy
m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
print(len(list(m.iter_parts())[1].get_content().encode()))')
  run -0 send --max-attachment $((csv_bytes - 1))
  assert_output --partial "(9 rows attached gzip-compressed)"
  run -0 python3 - "$T/msg.eml" "$T/expected.json" <<'PY'
import csv, email, gzip, io, json, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
att = list(m.iter_parts())[1]
assert att.get_content_type() == "application/gzip", att.get_content_type()
assert att.get_filename().endswith(".csv.gz"), att.get_filename()
rows = list(csv.reader(io.StringIO(gzip.decompress(att.get_content()).decode(), newline=""),
                       delimiter=";"))[1:]
assert len(rows) == len(json.load(open(sys.argv[2]))["rows"]), rows
print("ok")
PY
  assert_output ok
  run -0 send --max-attachment 10
  assert_output --partial "(9 rows not attached, see the note in the message)"
  run -0 python3 - "$T/msg.eml" "$csv_bytes" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
note = list(m.iter_parts())[1]
assert note.get_content_type() == "text/plain" and note.get_content_disposition() == "inline"
text = note.get_content()
assert "not attached" in text and "as CSV they take %s bytes" % sys.argv[2] in text, text
assert "limit of 10 bytes" in text, text
print("ok")
PY
  assert_output ok
  run -0 send --max-attachment 1M
}

@test "mls-report --send: usage errors exit 2" {
  run -2 mls-report --config "$T/conf" --to a@b
  assert_line "mls-report: --to needs --send"
  run -2 mls-report --config "$T/conf" --dry-run
  assert_line "mls-report: --dry-run needs --send"
  run -2 mls-report --config "$T/conf" --max-attachment 5M
  assert_line "mls-report: --max-attachment needs --send"
  run -2 mls-report --config "$T/conf" --send --format json
  assert_line "mls-report: --format does not apply to --send (the mail holds text and HTML)"
  run -2 mls-report --config "$T/conf" --send --max-attachment lots
  assert_line "mls-report: --max-attachment: expected a number of bytes (K, M, G suffixes allowed), got 'lots'"
  run -2 mls-report --config "$T/conf" --send --to ' '
  assert_line "mls-report: --to: empty address"
  run -2 mls-report --config "$T/conf" --sendmail-timeout 5
  assert_line "mls-report: --sendmail-timeout needs --send"
  for bad in 1.5 5s 86401 ''; do
    run -2 mls-report --config "$T/conf" --send --sendmail-timeout "$bad"
    assert_line "mls-report: --sendmail-timeout: expected a number of seconds from 0 to 86400, got '$bad'"
  done
  run -0 mls-report --help
  assert_output --partial "--send"
  assert_output --partial "--max-attachment"
  assert_output --partial "--sendmail-timeout"
}

@test "mls-report --send: an unreadable dataset sends nothing (exit 1)" {
  fake_sendmail 'touch "$(dirname "$0")/ran"'
  printf 'not;a;dataset\n' >"$T/work/maillogsentinel.csv"
  run -1 send
  assert_line "mls-report: report not sent"
  [ ! -e "$T/ran" ]
}

@test "mls-report --send: a missing dataset is mailed saying so, exit 1" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  rm "$T/work/maillogsentinel.csv"
  run -1 --separate-stderr send
  [ -z "$output" ]
  [ "$stderr" = "mls-report: $T/work/maillogsentinel.csv: the dataset is missing (No such file or directory); the report cannot count the failures
mls-report: report for root@localhost handed to $T/sendmail (0 rows attached)" ]
  python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert m["Subject"].endswith(": dataset missing, SASL failures unknown today (2026-11-28)"), m["Subject"]
text = m.get_body(("plain",)).get_content()
assert "No figures: the dataset is missing (No such file or directory)." in text, text
assert "No failed SMTP" not in text, text' "$T/msg.eml"
  # A dry run too.
  run -1 --separate-stderr send --dry-run
  [ "$stderr" = "mls-report: $T/work/maillogsentinel.csv: the dataset is missing (No such file or directory); the report cannot count the failures" ]
  python3 -c 'import email, email.policy, sys
m = email.message_from_string(sys.argv[1], policy=email.policy.default)
assert m["Subject"].endswith(": dataset missing, SASL failures unknown today (2026-11-28)"), m["Subject"]' "$output"
}

@test "mls-report --send --to root: local recipients are valid (sendmail delivers them)" {
  fake_sendmail 'cat >"$(dirname "$0")/msg.eml"'
  run -0 --separate-stderr send --to root,postmaster
  [ "$stderr" = "mls-report: report for root, postmaster handed to $T/sendmail (9 rows attached)" ]
  grep -q '^To: root, postmaster' "$T/msg.eml"
}

@test "mls-report --send --dry-run | head: a closed pipe is not a failure (exit 0, quiet)" {
  run --separate-stderr bash -c 'set -o pipefail; mls-report --config "$1" --now "$2" --send --dry-run | head -n 1' _ "$T/conf" "$NOW"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "${#lines[@]}" -eq 1 ]
}
