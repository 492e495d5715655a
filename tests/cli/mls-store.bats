#!/usr/bin/env bats
# mls-store: TSV events in, crash-safe appends to the CSV dataset.

load test_helper

D="$MLS_SRCDIR/tests/data/mls-store"
HEADER='server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service;reason'

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

# journal TEXT: writes a leftover <csv>.journal as a torn append leaves it
journal() { printf 'mls-store journal v1\n%s\n' "$1" >"$T/d.csv.journal"; }

@test "mls-store: 9-column events give the golden CSV" {
  mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  diff -u "$D/expected9.csv" "$T/d.csv"
  [ ! -e "$T/d.csv.journal" ]
}

@test "mls-store: 14-column events give the golden CSV" {
  mls-store --csv "$T/d.csv" <"$D/in14.tsv"
  diff -u "$D/expected14.csv" "$T/d.csv"
}

@test "mls-store: a second run appends rows, never a second header" {
  mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  mls-store --csv "$T/d.csv" <"$D/in14.tsv"
  diff -u <(cat "$D/expected9.csv"; tail -n +2 "$D/expected14.csv") "$T/d.csv"
  [ "$(grep -c "^$HEADER\$" "$T/d.csv")" -eq 1 ]
}

@test "mls-store: --stats prints exactly one summary line" {
  run mls-store --csv "$T/d.csv" --stats <"$D/in14.tsv"
  assert_success
  assert_output "mls-store: appended 3 events to $T/d.csv"
}

@test "mls-store: the dataset is created with mode 0640 whatever the umask" {
  (umask 000 && mls-store --csv "$T/a.csv" <"$D/in9.tsv")
  (umask 077 && mls-store --csv "$T/b.csv" <"$D/in9.tsv")
  [ "$(stat -c %a "$T/a.csv")" = 640 ]
  [ "$(stat -c %a "$T/b.csv")" = 640 ]
}

@test "mls-store: no input, no file" {
  run mls-store --csv "$T/d.csv" --stats </dev/null
  assert_success
  assert_output "mls-store: appended 0 events to $T/d.csv"
  [ ! -e "$T/d.csv" ]
  [ ! -e "$T/d.csv.journal" ]
}

@test "mls-store: malformed records are reported, skipped, and fail the run; valid ones are stored" {
  { head -n 2 "$D/in9.tsv"
    printf 'a\tb\tc\td\te\tf\tg\th\ti\tj\tk\tl\n'
    printf '2026-11-25T20:18:08+00:00\tmx1\t1.2.3.4\tbad\\xescape\tLOGIN\tu\t\ts\tr\n'
    printf 'not-a-time\tmx1\t1.2.3.4\tu\tLOGIN\tu\t\ts\tr\n'
    tail -n +3 "$D/in9.tsv"; } >"$T/in.tsv"
  run mls-store --csv "$T/d.csv" --stats <"$T/in.tsv"
  assert_failure 1
  assert_line --index 0 "mls-store: line 3: expected 9 or 14 fields (a login: 8 or 13), got 12"
  assert_line --index 1 "mls-store: line 4: bad escape '\\x' in field 4"
  assert_line --index 2 "mls-store: line 5: field 1 (time) is not an ISO 8601 time"
  assert_line --index 3 "mls-store: appended 5 events to $T/d.csv"
  assert_line --index 4 "mls-store: 3 malformed records skipped"
  diff -u "$D/expected9.csv" "$T/d.csv"
}

@test "mls-store: a time that names no real day is refused, and mls-report agrees" {
  { head -n 1 "$D/in9.tsv"
    printf '2026-02-31T10:00:00+00:00\tmx1\t1.2.3.4\tu\tLOGIN\tu\t\ts\tr\n'
    printf '2025-02-29T10:00:00+00:00\tmx1\t1.2.3.4\tu\tLOGIN\tu\t\ts\tr\n'
    printf '2024-02-29T10:00:00+00:00\tmx1\t1.2.3.4\tu\tLOGIN\tu\t\ts\tr\n'; } >"$T/in.tsv"
  run mls-store --csv "$T/d.csv" --stats <"$T/in.tsv"
  assert_failure 1
  assert_line --index 0 "mls-store: line 2: field 1 (time) 2026-02-31T10:00:00+00:00 names a day or clock that does not exist"
  assert_line --index 1 "mls-store: line 3: field 1 (time) 2025-02-29T10:00:00+00:00 names a day or clock that does not exist"
  assert_line --index 2 "mls-store: appended 2 events to $T/d.csv"
  assert_line --index 3 "mls-store: 2 malformed records skipped"
  # Every row stored is one mls-report counts: none skipped.
  run mls-report --csv "$T/d.csv" --since 2020-01-01T00:00:00Z --now 2027-01-01T00:00:00Z --format json
  assert_success
  [[ "$output" == *'"skipped_rows": 0'* ]]
  [[ "$output" == *'"rows": 2'* ]]
}

@test "mls-store: an incomplete last input line is malformed" {
  printf '%s' "$(head -n 1 "$D/in9.tsv")" >"$T/in.tsv"
  run mls-store --csv "$T/d.csv" <"$T/in.tsv"
  assert_failure 1
  assert_line --index 0 "mls-store: line 1: incomplete last line (no newline at end of input)"
  [ ! -e "$T/d.csv" ]
}

@test "mls-store: a full file system (RLIMIT_FSIZE) fails cleanly and leaves the CSV unchanged" {
  mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  cp "$T/d.csv" "$T/before.csv"
  for i in $(seq 50); do cat "$D/in14.tsv"; done >"$T/big.tsv"
  run bash -c 'ulimit -f 1 && exec mls-store --csv "$1" <"$2"' _ "$T/d.csv" "$T/big.tsv"
  assert_failure 1
  assert_output "mls-store: $T/d.csv: write: File too large"
  cmp "$T/before.csv" "$T/d.csv"
  [ ! -e "$T/d.csv.journal" ]
}

@test "mls-store: a leftover journal is rolled back before appending" {
  cp "$D/expected9.csv" "$T/d.csv"
  size=$(stat -c %s "$T/d.csv")
  printf 'mx1;2026-11-25T20:18:13+00:00;192.0.2.1;torn' >>"$T/d.csv"
  journal "size $size"
  run mls-store --csv "$T/d.csv" </dev/null
  assert_success
  assert_output "mls-store: recovered $T/d.csv: truncated $T/d.csv from $((size + 44)) to $size bytes (rows of mls-store (an earlier version), which did not commit)"
  diff -u "$D/expected9.csv" "$T/d.csv"
  [ ! -e "$T/d.csv.journal" ]
  mls-store --csv "$T/d.csv" <"$D/in14.tsv"
  diff -u <(cat "$D/expected9.csv"; tail -n +2 "$D/expected14.csv") "$T/d.csv"
}

@test "mls-store: a leftover journal for a file that did not exist removes it" {
  printf '%s\nmx1;2026-11' "$HEADER" >"$T/d.csv"
  journal absent
  run mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  assert_success
  assert_output "mls-store: recovered $T/d.csv: removed $T/d.csv (114 bytes) created by mls-store (an earlier version), which did not commit"
  diff -u "$D/expected9.csv" "$T/d.csv"
}

@test "mls-store: a file that is not our dataset is refused and left alone" {
  printf 'name;age\nbob;3\n' >"$T/d.csv"
  run mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  assert_failure 1
  assert_output "mls-store: $T/d.csv: not a maillogsentinel dataset (unexpected header line); refusing to append"
  [ "$(cat "$T/d.csv")" = "$(printf 'name;age\nbob;3')" ]
  [ ! -e "$T/d.csv.journal" ]
}

@test "mls-store: without --csv the dataset lives in the config's working_dir" {
  mkdir "$T/work"
  printf '[paths]\nworking_dir = %s\n' "$T/work" >"$T/mls.conf"
  run mls-store --config "$T/mls.conf" --stats <"$D/in9.tsv"
  assert_success
  assert_output "mls-store: appended 5 events to $T/work/maillogsentinel.csv"
  diff -u "$D/expected9.csv" "$T/work/maillogsentinel.csv"
}

@test "mls-store: --csv wins over --config" {
  run mls-store --config "$T/missing.conf" --csv "$T/d.csv" <"$D/in9.tsv"
  assert_success
  diff -u "$D/expected9.csv" "$T/d.csv"
}

@test "mls-store: config errors exit 2 with FILE:LINE" {
  printf '[paths]\nworking_dir = %s\ntreshold = 3\n' "$T" >"$T/mls.conf"
  run mls-store --config "$T/mls.conf" <"$D/in9.tsv"
  assert_failure 2
  assert_output "mls-store: $T/mls.conf:3: unknown key 'treshold' in [paths]"
  run mls-store --config "$T/missing.conf" <"$D/in9.tsv"
  assert_failure 2
  assert_output "mls-store: $T/missing.conf: No such file or directory"
}

@test "mls-store: usage errors exit 2, --help and --version exit 0" {
  run mls-store --bogus
  assert_failure 2
  assert_line --index 0 --partial "mls-store: "
  assert_line --index 1 "mls-store: Try 'mls-store --help'."
  run mls-store --help
  assert_success
  assert_line --partial "--csv"
  run mls-store --version
  assert_success
  assert_output --regexp '^mls-store \(maillogsentinel\) '
}

@test "mls-store: SIGKILL at any moment, then a rerun, leaves whole rows only" {
  for i in $(seq 400); do cat "$D/in14.tsv"; done >"$T/big.tsv"
  (for i in $(seq 40); do sed -n "$((i * 30 - 29)),$((i * 30))p" "$T/big.tsv"; sleep 0.05; done) \
    | mls-store --csv "$T/d.csv" &
  sleep 1.3
  kill -9 $! 2>/dev/null || true
  wait || true
  mls-store --csv "$T/d.csv" </dev/null 2>/dev/null
  [ ! -e "$T/d.csv.journal" ]
  # Whatever survived is the header plus whole rows, a prefix of the full output.
  # (No file at all is fine too: nothing had been committed yet.)
  mls-store --csv "$T/full.csv" <"$T/big.tsv"
  [ -e "$T/d.csv" ] || return 0
  n=$(wc -c <"$T/d.csv")
  cmp -n "$n" "$T/d.csv" "$T/full.csv"
  [ "$(tail -c 1 "$T/d.csv" | od -An -c | tr -d ' ')" = '\n' ]
  echo "# survived: $n of $(wc -c <"$T/full.csv") bytes" >&3
}

@test "mls-store: an emptied dataset (': >' or touch) is a new one and gets the header" {
  : >"$T/d.csv"
  run mls-store --csv "$T/d.csv" <"$D/in9.tsv"
  assert_success
  diff -u "$D/expected9.csv" "$T/d.csv"
}

@test "mls-store: a dataset that is a symlink is not written through" {
  cp "$D/expected9.csv" "$T/target.csv"
  ln -s "$T/target.csv" "$T/d.csv"
  run mls-store --csv "$T/d.csv" <"$D/in14.tsv"
  assert_failure 1
  assert_output "mls-store: $T/d.csv: is a symbolic link; refusing to write through it"
  diff -u "$D/expected9.csv" "$T/target.csv"
}

# hold_lock SECONDS: another writer holds the dataset's lock for SECONDS
# (flock(1) on d.csv.lock); returns once it does; its pid in HOLDER.
hold_lock() {
  flock "$T/d.csv.lock" sh -c ': >"$1"; sleep "$2"' _ "$T/held" "$1" &
  HOLDER=$!
  while [ ! -e "$T/held" ]; do sleep 0.02; done
}

@test "mls-store: waits for another writer's lock, says so, then appends" {
  cp "$D/expected9.csv" "$T/d.csv"
  hold_lock 2
  local holder=$HOLDER
  run mls-store --csv "$T/d.csv" <"$D/in14.tsv"
  wait "$holder"
  assert_success
  assert_output "mls-store: waiting for $T/d.csv.lock (another writer of the dataset is running)"
  diff -u <(cat "$D/expected9.csv"; tail -n +2 "$D/expected14.csv") "$T/d.csv"
}

@test "mls-store: --lock-timeout gives up with a message and appends nothing" {
  cp "$D/expected9.csv" "$T/d.csv"
  hold_lock 3
  local holder=$HOLDER
  run mls-store --csv "$T/d.csv" --lock-timeout 0 <"$D/in14.tsv"
  kill "$holder" 2>/dev/null || true
  wait "$holder" || true
  assert_failure 1
  assert_output "mls-store: $T/d.csv: another writer holds $T/d.csv.lock"
  diff -u "$D/expected9.csv" "$T/d.csv"
  run mls-store --csv "$T/d.csv" --lock-timeout -1 </dev/null
  assert_failure 2
}

@test "mls-store: --dataset-lock-fd refuses a descriptor without the lock or a transaction" {
  run mls-store --csv "$T/d.csv" --dataset-lock-fd 1 </dev/null
  assert_failure 2
  exec 9>"$T/d.csv.lock"
  run mls-store --csv "$T/d.csv" --dataset-lock-fd 9 </dev/null
  exec 9>&-
  assert_failure 1
  assert_output "mls-store: $T/d.csv.journal: the lock holder has no transaction open; refusing to append"
  exec 9>"$T/other"
  run mls-store --csv "$T/d.csv" --dataset-lock-fd 9 <"$D/in9.tsv"
  exec 9>&-
  assert_failure 1
  assert_output --partial "descriptor 9 is not open on $T/d.csv.lock"
  [ ! -e "$T/d.csv" ]
}

@test "mls-store: eight writers at once, every row once, whole rows only" {
  local i
  for i in 1 2 3 4 5 6 7 8; do
    for _ in $(seq 1000); do cat "$D/in14.tsv"; done | sed "s/\t/\tw$i-/" >"$T/in$i.tsv"
  done
  for i in 1 2 3 4 5 6 7 8; do mls-store --csv "$T/d.csv" <"$T/in$i.tsv" 2>>"$T/err" & done
  wait
  [ ! -s "$T/err" ] || { cat "$T/err"; false; }
  for i in 1 2 3 4 5 6 7 8; do mls-store --csv "$T/ref$i.csv" <"$T/in$i.tsv"; done
  diff <(tail -q -n +2 "$T"/ref*.csv | sort) <(tail -n +2 "$T/d.csv" | sort)
  [ "$(head -n 1 "$T/d.csv")" = "$HEADER" ]
  [ "$(grep -c "^$HEADER\$" "$T/d.csv")" = 1 ]
}

@test "mls-store: login records (8 or 13 fields) go to the logins dataset beside it, with its own header" {
  { printf '2026-11-25T20:18:08+00:00\tmx1\t192.0.2.1\tadmin\tLOGIN\tunknown\t\tpostfix/smtpd\tx\n'
    printf '2026-11-25T20:18:09+00:00\tmx1\t192.0.2.2\talice\tPLAIN\tunknown\t4711\tpostfix/smtpd\n'
    printf '2026-11-25T20:18:10+00:00\tmx1\t192.0.2.3\t=bob\tPLAIN\th.example\t\tpostfix/smtpd\t\tOK\tFR\t3215\tOrange\n'
  } >"$T/in.tsv"
  run mls-store --csv "$T/d.csv" --stats <"$T/in.tsv"
  assert_success
  assert_line "mls-store: appended 1 events to $T/d.csv"
  assert_line "mls-store: appended 2 logins to $T/d-logins.csv"
  [ "$(wc -l <"$T/d.csv")" = 2 ]
  run cat "$T/d-logins.csv"
  assert_output "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;service
mx1;2026-11-25T20:18:09+00:00;192.0.2.2;alice;;;;;;PLAIN;unknown;4711;postfix/smtpd
mx1;2026-11-25T20:18:10+00:00;192.0.2.3;'=bob;;OK;FR;3215;Orange;PLAIN;h.example;;postfix/smtpd"
  [ "$(stat -c %a "$T/d-logins.csv")" = 640 ]
}
