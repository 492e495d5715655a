# The fleet report from the central database (mls-report --source database),
# the same checks for each db_type (report-database-*.bats). A suite sets
#   DB_CONF_LINES   the [database] lines of its test database (db_type, host...)
#   db_query SQL    runs SQL in that database as its owner
# and calls the fleet_* functions below. Addresses are from documentation and
# generator ranges; servers only on loopback.

NOW=2026-06-15T18:30:00
FEED_IP=198.51.100.77  # fails 6 times in the last 10 minutes, on mx3 only

# fleet_conf FILE N: a config whose dataset is w$N/maillogsentinel.csv, with
# this test's database and the shared export directory $T/x; extra lines after.
fleet_conf() {
  local file=$1 n=$2
  shift 2
  mkdir -p "$T/w$n" "$T/s$n"
  {
    printf '[paths]\nworking_dir = %s/w%s\nstate_dir = %s/s%s\n' "$T" "$n" "$T" "$n"
    printf '[database]\nsql_export_dir = %s/x\n' "$T"
    printf '%s\n' "$DB_CONF_LINES" "$@"
  } >"$file"
  chmod 600 "$file"
}

# fleet_data: three servers' datasets (mx1, mx2, mx3: bench/gendataset's two,
# every third row moved to a third, plus FEED_IP's six failures), each
# exported by its own config and imported into the database; $T/all.csv is
# the merged dataset (every row, once).
fleet_data() {
  python3 "$MLS_SRCDIR/bench/gendataset" --rows 3000 --seed 17 --end "$NOW" --days 10 \
    --window-rows 400 >"$T/gen.csv" 2>/dev/null
  awk -F';' -v OFS=';' 'NR > 1 && NR % 3 == 0 { $1 = "mx3" } { print }' "$T/gen.csv" >"$T/all.csv"
  local i
  for i in 1 2 3 4 5 6; do
    printf 'mx3;2026-06-15T18:2%d:0%d+00:00;%s;probe%d;;NXDOMAIN;ZZ;64511;Example Probe Net;LOGIN;unknown;4%d000;postfix/smtpd;UGFzc3dvcmQ6\n' \
      "$i" "$i" "$FEED_IP" "$i" "$i" >>"$T/all.csv"
  done
  for i in 1 2 3; do
    fleet_conf "$T/c$i.conf" "$i"
    { head -1 "$T/all.csv"; awk -F';' -v s="mx$i" 'NR > 1 && $1 == s' "$T/all.csv"; } \
      >"$T/w$i/maillogsentinel.csv"
    mls-sql --export -c "$T/c$i.conf" --server "mx$i" >/dev/null
  done
  mls-sql --import -c "$T/c1.conf" >/dev/null
  [ "$(db_query 'SELECT count(*) FROM maillogsentinel_events')" = 3006 ]
}

# same_json A B: two JSON reports equal apart from their dataset section
same_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("dataset")
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("differs:", k, "\n  database:", a.get(k), "\n  csv:     ", b.get(k))
    sys.exit(1)
PY
}

# report_both NAME ARGS...: the JSON report from the database (c1.conf) and
# from the merged CSV, into $T/NAME.db.json and $T/NAME.csv.json
report_both() {
  local name=$1
  shift
  TZ=UTC mls-report -c "$T/c1.conf" --source database --now "$NOW" --format json "$@" \
    >"$T/$name.db.json"
  TZ=UTC mls-report --csv "$T/all.csv" --now "$NOW" --format json "$@" >"$T/$name.csv.json"
}

fleet_same_reports() {
  fleet_data
  local w
  for w in today 24h 7d 10m; do
    report_both "$w" --window "$w" --threshold 3
    same_json "$T/$w.db.json" "$T/$w.csv.json"
  done
  report_both custom --since 2026-06-08T06:00 --until 2026-06-14T07:45 --top 25
  same_json "$T/custom.db.json" "$T/custom.csv.json"
  # The fleet sections, checked against the CSV by hand (python, not our code).
  python3 - "$T/all.csv" "$T/7d.db.json" <<'PY'
import csv, json, sys, datetime as dt
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))[1:]
r = json.load(open(sys.argv[2]))
since = dt.datetime(2026, 6, 8, 18, 30, tzinfo=dt.timezone.utc)
until = since + dt.timedelta(days=7)
count, servers_of = {}, {}
for row in rows:
    t = dt.datetime.fromisoformat(row[1]).replace(microsecond=0)
    if since <= t < until:
        count[row[0]] = count.get(row[0], 0) + 1
        servers_of.setdefault(row[2], set()).add(row[0])
got = {s["server"]: s["count"] for s in r["servers"]}
assert got == count, (got, count)
shared = sum(1 for s in servers_of.values() if len(s) >= 2)
assert r["shared_ips"]["count"] == shared > 0, (r["shared_ips"]["count"], shared)
assert len(r["servers"]) == 3
PY
  # The text and HTML forms show them.
  TZ=UTC run mls-report -c "$T/c1.conf" --source database --now "$NOW" --window 7d
  assert_success
  assert_output --partial "ADDRESSES ON SEVERAL SERVERS"
  assert_output --partial "USER NAMES TRIED ON SEVERAL SERVERS"
  TZ=UTC run mls-report -c "$T/c1.conf" --source database --now "$NOW" --window 7d --format html
  assert_output --partial 'id="shared-ips"'
}

# --send from the database: the same message as from the CSV, the window's
# rows attached (the text and HTML parts and the attachment's row count).
fleet_send() {
  fleet_data
  local src
  for src in db csv; do
    local args=(-c "$T/c1.conf" --source database)
    [ "$src" = csv ] && args=(--csv "$T/all.csv")
    TZ=UTC mls-report "${args[@]}" --now "$NOW" --window 24h --send --to ops@example.org \
      --preview >"$T/$src.preview"
  done
  grep -q '^-- attachment maillogsentinel-.*: [1-9][0-9]* rows' "$T/db.preview"
  # Apart from the dataset section, the same message; the same rows attached
  # (PostgreSQL keeps no UTC offset or microseconds: the bytes may differ).
  local norm='/^DATASET$/,/^$/d; s/ rows, [0-9]* bytes$/ rows/'
  diff <(sed "$norm" "$T/db.preview") <(sed "$norm" "$T/csv.preview")
}

fleet_server_narrows() {
  fleet_data
  report_both mx3 --window 7d --server mx3
  same_json "$T/mx3.db.json" "$T/mx3.csv.json"
  report_both two --window 24h --server mx1 --server mx3
  same_json "$T/two.db.json" "$T/two.csv.json"
  python3 - "$T/all.csv" "$T/mx3.db.json" "$T/two.db.json" <<'PY'
import csv, json, sys, datetime as dt
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))[1:]
end = dt.datetime(2026, 6, 15, 18, 30, tzinfo=dt.timezone.utc)
def n(servers, days):
    return sum(1 for r in rows if r[0] in servers and
               end - dt.timedelta(days=days) <= dt.datetime.fromisoformat(r[1]).replace(microsecond=0) < end)
mx3, two = (json.load(open(p)) for p in sys.argv[2:4])
assert mx3["total"] == n({"mx3"}, 7) > 0, mx3["total"]
assert "servers" not in mx3  # one server left: no fleet sections
assert two["total"] == n({"mx1", "mx3"}, 1) > 0, two["total"]
assert [s["server"] for s in two["servers"]] == sorted(["mx1", "mx3"], key=lambda s: -n({s}, 1))
PY
  # A typo is warned about, from both sources.
  TZ=UTC run -0 mls-report -c "$T/c1.conf" --source database --now "$NOW" --server mx33
  assert_output --partial "mls-report: --server mx33: no event names this server"
  TZ=UTC run -0 mls-report --csv "$T/all.csv" --now "$NOW" --server mx33
  assert_output --partial "mls-report: --server mx33: no event names this server"
}

# The firewall feed from the database: mx1's minute timer bans what mx3 saw.
fleet_feed_blocks() {
  fleet_data
  TZ=UTC run -0 mls-report -c "$T/c1.conf" --source database --now "$NOW" --window 10m \
    --threshold 5 --format ips
  assert_output "$FEED_IP"
  # The allowlist of the host running it applies.
  TZ=UTC run -0 mls-report -c "$T/c1.conf" --source database --now "$NOW" --window 10m \
    --threshold 5 --format ips --allow 198.51.100.0/24
  assert_output ""
  [ "$(id -u)" = 0 ] && command -v nft >/dev/null && unshare -n true 2>/dev/null ||
    skip_unless_available "nft in a network namespace (root, nftables)"
  TZ=UTC mls-report -c "$T/c1.conf" --source database --now "$NOW" --window 10m \
    --threshold 5 --format nft >"$T/ban.nft"
  run unshare -n sh -c "nft -f '$T/ban.nft' && nft list set inet maillogsentinel ban4"
  assert_success
  assert_output --regexp "elements = \{ ${FEED_IP//./\\.} timeout 1h"
}

# fleet_read_only USER PASSWORD: the same reports through a role that may only
# SELECT the events table (the suite creates it), and what it may not do
fleet_read_only() {
  local user=$1 password=$2
  local lines
  lines=$(printf '%s\n' "$DB_CONF_LINES" |
    sed "s|^db_user = .*|db_user = $user|; s|^db_password = .*|db_password = $password|")
  DB_CONF_LINES=$lines fleet_conf "$T/ro.conf" ro
  grep -qx "db_user = $user" "$T/ro.conf"
  local w
  for w in 7d 10m; do
    TZ=UTC mls-report -c "$T/ro.conf" --source database --now "$NOW" --format json \
      --window "$w" --threshold 3 >"$T/ro-$w.json"
    TZ=UTC mls-report -c "$T/c1.conf" --source database --now "$NOW" --format json \
      --window "$w" --threshold 3 >"$T/owner-$w.json"
    same_json "$T/ro-$w.json" "$T/owner-$w.json"
  done
  TZ=UTC run -0 mls-report -c "$T/ro.conf" --source database --now "$NOW" --window 10m \
    --threshold 5 --format ips
  assert_output "$FEED_IP"
}
