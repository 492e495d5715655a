#!/usr/bin/env bats
# End-to-end delivery of the report: `maillogsentinel --report` (as the service
# user) hands the MIME message to the real /usr/sbin/sendmail of a Postfix that
# delivers locally only (postfix-local.bash); the message delivered to
# /var/mail/root is parsed with Python's email package and checked: structure,
# headers, both alternatives, the CSV attachment against the window's rows
# (counted here, independently of mls-report), and that a user name holding
# "\r\nBcc: x@y" added no header and no recipient (one delivery in Postfix's log).
#
# Runs only as root with Postfix installed and not already running (skipped
# otherwise). Every address is local; the error transports bounce anything else
# without touching the network.

bats_require_minimum_version 1.5.0

load ../cli/test_helper
load ../cli/driver_helper
load postfix-local

setup_file() {
  [ -x "$MLS_BIN/mls-report" ] || skip_unless_available "mls-report is not built"
  pf_suite_setup report-mail
}

teardown_file() { pf_suite_teardown; }

setup() {
  drv_scratch
  TOKEN=mls$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
}

teardown() { mls_scratch_cleanup; }

# make_dataset: $T/work/maillogsentinel.csv through mls-store: IN rows inside
# the last 24 hours (one with the hostile user name), 3 rows three days ago.
# Writes the expected window facts to $T/expected.json.
make_dataset() {
  python3 - "$T" <<'PY' | mls-store --csv "$T/work/maillogsentinel.csv" 2>/dev/null
import datetime, json, sys
T = sys.argv[1]
now = datetime.datetime.now().astimezone().replace(microsecond=0)
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
rows, window = [], []
users = ["alice", "bob", "x\r\nBcc: x@y", "carol@example.org"]
for k in range(1, 13):  # 12 rows, 1..12 minutes ago
    ip = "127.0.0.%d" % (2 + k % 5)
    user = users[k % len(users)]
    t = (now - datetime.timedelta(minutes=k)).isoformat()
    rows.append([t, "mx1", ip, user, "PLAIN", "unknown", "", "postfix/submission/smtpd",
                 "(reason unavailable)", "", "NXDOMAIN", "", "", ""])
    window.append([ip, user])
for k in range(3):  # outside the window
    t = (now - datetime.timedelta(days=3, minutes=k)).isoformat()
    rows.append([t, "mx1", "127.0.0.99", "old", "LOGIN", "unknown", "", "postfix/smtpd",
                 "(reason unavailable)", "", "NXDOMAIN", "", "", ""])
rows.sort(key=lambda r: r[0])
for r in rows:
    print("\t".join(esc(c) for c in r))
json.dump({"total": len(window), "rows": window}, open(T + "/expected.json", "w"))
PY
  give_to_user "$T/work"
}

# report_config: the test config with a [report] section for root@localhost.
report_config() {
  drv_config
  cat <<EOF
[report]
email = root@localhost
subject_prefix = [$TOKEN]
window = 24h
sendmail = /usr/sbin/sendmail
EOF
}

@test "maillogsentinel --report: delivered by Postfix, parsed back whole, nothing injected" {
  make_dataset
  report_config >"$T/conf"
  printf 'sender = reports-%s@localhost\n' "$TOKEN" >>"$T/conf"
  give_to_user "$T/conf"

  run -0 drv_run --report -v
  assert_output --partial "report for root@localhost handed to /usr/sbin/sendmail"

  pf_wait_mail /var/mail/root "$TOKEN" >"$T/msg.eml"

  run python3 - "$T/msg.eml" "$T/expected.json" "$TOKEN" <<'PY'
import csv, email, io, json, re, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
exp = json.load(open(sys.argv[2]))
token = sys.argv[3]
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
for h in ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version"]:
    check(len(msg.get_all(h) or []) == 1, "exactly one %s header" % h)
check(msg.get_all("Bcc") is None and msg.get_all("Cc") is None, "no Bcc/Cc header")
check(str(msg["To"]) == "root@localhost", "To: root@localhost, got %r" % str(msg["To"]))
check(str(msg["From"]) == "reports-%s@localhost" % token, "From: %s" % msg["From"])
# The envelope sender is the From address (sendmail -f), not the service user.
check(msg.get_all("Return-Path") == ["<reports-%s@localhost>" % token],
      "Return-Path: %r" % msg.get_all("Return-Path"))
subject = str(msg["Subject"])
check(subject.startswith("[%s] " % token), "subject prefix: %r" % subject)
check(": %d SASL failures in the last 24 hours (to " % exp["total"] in subject, "subject: %r" % subject)
check(msg["Date"].datetime is not None, "Date parses")
check(str(msg["Auto-Submitted"]) == "auto-generated", "Auto-Submitted")
check(msg.get_content_type() == "multipart/mixed", "multipart/mixed")
parts = list(msg.iter_parts())
check(len(parts) == 2, "two parts, got %d" % len(parts))
alt, att = parts
check(alt.get_content_type() == "multipart/alternative", "multipart/alternative first")
alts = list(alt.iter_parts())
check([p.get_content_type() for p in alts] == ["text/plain", "text/html"], "text then html")
text, html = alts[0].get_content(), alts[1].get_content()
check(re.search(r"Failed logins\s+%d\b" % exp["total"], text), "text part names the total")
check("<html" in html.lower() and "<script" not in html.lower(), "html part")
check("x\\x0D\\x0ABcc: x@y" in html and "\r" not in html, "hostile name shown escaped in HTML")
check(att.get_content_type() == "text/csv", "text/csv attachment, got " + att.get_content_type())
check(att.get_content_disposition() == "attachment", "disposition attachment")
check(re.fullmatch(r"maillogsentinel-.+-\d{4}-\d{2}-\d{2}\.csv", att.get_filename() or ""),
      "filename %r" % att.get_filename())
rows = list(csv.reader(io.StringIO(att.get_content(), newline=""), delimiter=";"))
check(rows[0][:4] == ["server", "date", "ip", "user"], "dataset header")
got = sorted([r[2], r[3]] for r in rows[1:])
check(got == sorted(exp["rows"]), "attachment rows == window rows:\n%r\n%r" % (got, exp["rows"]))
check(["127.0.0.99", "old"] not in got, "no row from outside the window")
check(any(r[3] == "x\r\nBcc: x@y" for r in rows[1:]), "hostile user name kept as data")
open(sys.argv[1] + ".html", "w", encoding="utf-8").write(html)
print(msg["Message-ID"])
PY
  assert_success
  message_id=${lines[-1]}

  # Postfix saw one recipient for this message and delivered it once, locally.
  run -0 pf_queue_lines "$message_id"
  echo "$output"
  [ "$(grep -c ' to=<' <<<"$output")" = 1 ]
  assert_line --partial "to=<root@localhost>, relay=local"
  assert_line --partial "status=sent (delivered to mailbox)"
  refute_output --partial "x@y"
  refute_output --partial "status=bounced"

  # The delivered HTML part in a browser: the chart's bars and the tables are in
  # its DOM (the bars' counts add up to the total).
  command -v chromium >/dev/null 2>&1 ||
    skip_unless_available "chromium is not installed (the delivered HTML part is not rendered)"
  run -0 timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$T/chromium.XXXXXX")" --dump-dom "file://$T/msg.eml.html"
  printf '%s\n' "$output" >"$T/dom.html"
  run python3 - "$T/dom.html" "$T/expected.json" <<'PY'
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bars, self.ids = [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "td" and a.get("class") == "bar":
            self.bars.append(int(a["data-count"]))
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
exp = json.load(open(sys.argv[2]))
assert p.bars and sum(p.bars) == exp["total"], (p.bars, exp["total"])
missing = {"chart", "summary", "top-ips", "top-users", "top-auth"} - p.ids
assert not missing, missing
print("ok")
PY
  assert_output ok
}

@test "mls-report --send: encoded subject and gzip attachment survive Postfix" {
  make_dataset
  report_config | sed "s/^subject_prefix = .*/subject_prefix = [$TOKEN] Überwachung €/" >"$T/conf"
  give_to_user "$T/conf"
  csv_bytes=$(as_user mls-report --config "$T/conf" --send --dry-run | python3 -c '
import email, sys
from email import policy
m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
print(len(list(m.iter_parts())[1].get_content()))')
  [ "$csv_bytes" -gt 600 ]
  # A limit below the CSV's size: the attachment goes out gzip-compressed.
  run -0 as_user mls-report --config "$T/conf" --send --to root@localhost --max-attachment 600
  assert_output --partial "attached gzip-compressed"
  pf_wait_mail /var/mail/root "$TOKEN" >"$T/msg.eml"
  run python3 - "$T/msg.eml" "$T/expected.json" "$TOKEN" <<'PY'
import csv, email, gzip, io, json, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
exp = json.load(open(sys.argv[2]))
subject = str(msg["Subject"])
assert subject.startswith("[%s] \u00dcberwachung \u20ac " % sys.argv[3]), subject
raw = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[0]
assert b"=?UTF-8?B?" in raw and "\u00dc".encode() not in raw, "subject sent as encoded-words"
# No [report] sender: From is maillogsentinel@FQDN (and the envelope the same) or,
# on a host without a domain, left to Postfix (user@myorigin, as the envelope).
frm = msg.get_all("From")
assert frm and len(frm) == 1, frm
assert msg.get_all("Return-Path") == ["<%s>" % frm[0].addresses[0].addr_spec], \
    (msg.get_all("Return-Path"), frm)
att = list(msg.iter_parts())[1]
assert att.get_content_type() == "application/gzip", att.get_content_type()
assert att.get_filename().endswith(".csv.gz"), att.get_filename()
data = gzip.decompress(att.get_content()).decode()
rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))[1:]
assert sorted([r[2], r[3]] for r in rows) == sorted(exp["rows"]), rows
print("ok")
PY
  assert_success
  assert_output "ok"
}
