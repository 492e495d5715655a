#!/usr/bin/env bats
# One dataset, many writers: three configs (their own logs and state dirs, one
# shared working_dir) run at the same time in many rounds while their logs
# grow, drivers and stages are SIGKILLed at random, and a standalone mls-store
# appends to the same CSV all along. Afterwards the dataset holds, as a
# multiset of rows, exactly what sequential runs of the same logs give.
#
# MLS_FAULT_SEED=N replays a run (the seed is printed).

load test_helper
load driver_helper

CONFIGS=3
BASE_LINES=40000
CHUNK_LINES=20000
ROUNDS=15

setup_file() {
  SHARED_DIR=$(mktemp -d /tmp/mls-shared.XXXXXX)
  chmod 0755 "$SHARED_DIR"
  local i r total=$((BASE_LINES + ROUNDS * CHUNK_LINES))
  for ((i = 1; i <= CONFIGS; i++)); do
    drv_genlog --lines "$total" --seed $((700 + i)) --hosts 2 >"$SHARED_DIR/full$i.log"
    head -n "$BASE_LINES" "$SHARED_DIR/full$i.log" >"$SHARED_DIR/base$i.log"
    for ((r = 1; r <= ROUNDS; r++)); do
      sed -n "$((BASE_LINES + (r - 1) * CHUNK_LINES + 1)),$((BASE_LINES + r * CHUNK_LINES))p" \
        "$SHARED_DIR/full$i.log" >"$SHARED_DIR/chunk$i.$r"
    done
    drv_reference "$SHARED_DIR/full$i.log" "$SHARED_DIR/ref$i.csv"
  done
  # The standalone writer's rows (another log, enriched like the driver's; its
  # logins too, into the logins dataset the drivers share as well).
  drv_genlog --lines 30000 --seed 799 | mls-parse --logins 2>/dev/null |
    mls-enrich --no-dns --no-cache 2>/dev/null >"$SHARED_DIR/store.tsv"
  drv_reference <(drv_genlog --lines 30000 --seed 799) "$SHARED_DIR/store-ref.csv"
  # The expected multisets: every reference's rows, sorted; the same for the logins.
  for f in "$SHARED_DIR"/ref[0-9].csv "$SHARED_DIR/store-ref.csv"; do tail -n +2 "$f"; done |
    LC_ALL=C sort >"$SHARED_DIR/expected.rows"
  for f in "$SHARED_DIR"/ref[0-9]-logins.csv "$SHARED_DIR/store-ref-logins.csv"; do tail -n +2 "$f"; done |
    LC_ALL=C sort >"$SHARED_DIR/expected-logins.rows"
  [ -s "$SHARED_DIR/expected-logins.rows" ]
  chmod -R a+rX "$SHARED_DIR"
  export SHARED_DIR
}

teardown_file() { rm -rf "$SHARED_DIR"; }

setup() {
  mls_scratch
  mkdir -p "$T/work"
  local i
  for ((i = 1; i <= CONFIGS; i++)); do
    mkdir -p "$T/c$i/state" "$T/c$i/log"
    cat >"$T/c$i/conf" <<EOF
[paths]
working_dir = $T/work
state_dir = $T/c$i/state
mail_log = $T/c$i/log/mail.log

[dns]
enabled = false

# genlog's logs are dated 2026-01: keep their logins.
[logins]
retention_days = 3650
EOF
  done
  give_to_user "$T"
}

teardown() {
  pkill -9 -f "mls-store --csv $T/" 2>/dev/null || true
  mls_scratch_cleanup
}

# run_bg I: config I's driver in the background as the service user; PIDS[I].
run_bg() {
  local as=()
  if [ "$(id -u)" = 0 ]; then
    as=(setpriv --reuid="$MLS_TEST_UID" --regid="$MLS_TEST_GID" --clear-groups
      env HOME="$T" PATH="$PATH")
  fi
  (exec "${as[@]}" maillogsentinel --config "$T/c$1/conf" --lock-timeout 120 \
    >>"$T/out" 2>>"$T/c$1/err") &
  PIDS[$1]=$!
}

# kill_one NAME: waits (up to ~0.3 s) for a live driver (NAME maillogsentinel)
# or stage NAME of any of the running configs, then SIGKILLs it after 0-4 ms.
# Sets KILLED to NAME if a process died by it. Not run in a subshell, so that
# RANDOM replays with the seed.
kill_one() {
  local want=$1 tries p c stat
  KILLED=
  for ((tries = 0; tries < 150; tries++)); do
    for p in "${PIDS[@]}"; do
      local kids=
      { read -r kids <"/proc/$p/task/$p/children"; } 2>/dev/null || true
      for c in "$p" $kids; do
        { read -r stat <"/proc/$c/stat"; } 2>/dev/null || continue
        stat=${stat#*(}
        case "$stat" in
          "$want) "[^Z]*)
            sleep "0.00$((RANDOM % 5))"
            kill -9 "$c" 2>/dev/null && KILLED=$want
            return 0 ;;
        esac
      done
    done
    sleep 0.002
  done
  return 0
}

@test "shared dataset: 3 configs + a standalone mls-store, concurrent rounds, random SIGKILLs: every row exactly once" {
  local seed=${MLS_FAULT_SEED:-$(($(date +%s%N) / 1000 % 32768))}
  echo "# shared-dataset fault injection seed: $seed (MLS_FAULT_SEED=$seed to replay)" >&3
  RANDOM=$seed
  local i r k kills=0 misses=0
  local -A hits=()
  for ((i = 1; i <= CONFIGS; i++)); do
    cp "$SHARED_DIR/base$i.log" "$T/c$i/log/mail.log"
  done
  give_to_user "$T"

  # Round 1: three first runs on a dataset that does not exist yet. From
  # round 3 on, a standalone writer's rows trickle in all through the rounds.
  for ((r = 1; r <= ROUNDS; r++)); do
    PIDS=()
    if ((r == 3)); then
      # The standalone writer: its rows trickle in all through the rounds, in
      # batches (it commits at most once a second), as the service user.
      split -n l/24 "$SHARED_DIR/store.tsv" "$T/store.part."
      chmod a+r "$T"/store.part.*
      # (Its status goes to a file: bash forgets the status of old background
      # jobs once thousands of children have come and gone.)
      { (for f in "$T"/store.part.*; do cat "$f"; sleep 0.25; done) |
        as_user mls-store --csv "$T/work/maillogsentinel.csv" 2>"$T/store.err"
        echo $? >"$T/store.rc"; } &
    fi
    # The logs grow while the drivers run (partial lines included).
    (for ((i = 1; i <= CONFIGS; i++)); do cat "$SHARED_DIR/chunk$i.$r" >>"$T/c$i/log/mail.log"; done) &
    local grower=$!
    for ((i = 1; i <= CONFIGS; i++)); do run_bg "$i"; done
    local targets=(maillogsentinel mls-tail mls-parse mls-enrich mls-store)
    for ((k = RANDOM % 3; k < 3; k++)); do
      kill_one "${targets[RANDOM % ${#targets[@]}]}"
      if [ -n "$KILLED" ]; then
        kills=$((kills + 1)) hits[$KILLED]=$((${hits[$KILLED]:-0} + 1))
      else
        misses=$((misses + 1))
      fi
    done
    wait "$grower"
    for ((i = 1; i <= CONFIGS; i++)); do wait "${PIDS[$i]}" || true; done
  done

  # Sequential runs, undisturbed, until every config has committed its whole log.
  for ((i = 1; i <= CONFIGS; i++)); do
    as_user maillogsentinel --config "$T/c$i/conf" >>"$T/out" 2>>"$T/c$i/err" || {
      echo "config $i: the undisturbed final run failed"
      tail -5 "$T/c$i/err"
      return 1
    }
  done
  while [ ! -e "$T/store.rc" ]; do sleep 0.1; done
  [ "$(cat "$T/store.rc")" = 0 ] || { echo "the standalone mls-store failed:"; cat "$T/store.err"; return 1; }
  local summary='' n
  for n in "${!hits[@]}"; do summary+=" $n ${hits[$n]},"; done
  echo "# $kills kills (${summary% ,}), $misses misses over $ROUNDS rounds" >&3

  local csv=$T/work/maillogsentinel.csv
  [ "$(head -n 1 "$csv")" = "$(head -n 1 "$SHARED_DIR/ref1.csv")" ]
  tail -n +2 "$csv" | LC_ALL=C sort >"$T/got.rows"
  if ! cmp -s "$SHARED_DIR/expected.rows" "$T/got.rows"; then
    echo "the dataset differs from the sequential reference (seed $seed):"
    echo "rows: $(wc -l <"$T/got.rows") want $(wc -l <"$SHARED_DIR/expected.rows")"
    diff "$SHARED_DIR/expected.rows" "$T/got.rows" | head -5
    cat "$T"/c*/err | grep -v 'Killed' | tail -10
    return 1
  fi
  tail -n +2 "$T/work/maillogsentinel-logins.csv" | LC_ALL=C sort >"$T/got-logins.rows"
  if ! cmp -s "$SHARED_DIR/expected-logins.rows" "$T/got-logins.rows"; then
    echo "the logins differ from the sequential reference (seed $seed):"
    echo "rows: $(wc -l <"$T/got-logins.rows") want $(wc -l <"$SHARED_DIR/expected-logins.rows")"
    diff "$SHARED_DIR/expected-logins.rows" "$T/got-logins.rows" | head -5
    return 1
  fi
  [ ! -e "$T/work/maillogsentinel-logins.csv.journal" ]
  [ ! -e "$csv.journal" ]
  for ((i = 1; i <= CONFIGS; i++)); do
    [ ! -e "$T/c$i/state/txn.dataset" ] && [ ! -e "$T/c$i/state/state.offset.pending" ]
  done
  # No run ever removed or cut back a row another writer had committed.
  ! grep -h 'created by an uncommitted\|from .* to .* bytes (uncommitted' "$T"/c*/err "$T/store.err"
  # The standalone writer lost nothing and waited its turn at least once.
  [ "$(wc -l <"$SHARED_DIR/store.tsv")" = \
    "$(($(drv_rows "$SHARED_DIR/store-ref.csv") + $(drv_rows "$SHARED_DIR/store-ref-logins.csv")))" ]
  ((kills > 0))
}

@test "shared dataset: a standalone mls-store appends while the driver runs; nothing is lost either side" {
  drv_genlog --lines 200000 --seed 31 >"$T/c1/log/mail.log"
  give_to_user "$T"
  drv_reference "$T/c1/log/mail.log" "$T/ref.csv"
  # The driver holds the dataset for its whole run; mls-store waits its turn.
  run_bg 1
  local driver=${PIDS[1]}
  while [ ! -e "$T/work/maillogsentinel.csv.lock" ] && kill -0 "$driver" 2>/dev/null; do sleep 0.01; done
  as_user mls-store --csv "$T/work/maillogsentinel.csv" <"$SHARED_DIR/store.tsv" 2>"$T/store.err"
  wait "$driver" || { tail -5 "$T/c1/err"; false; }
  { tail -n +2 "$T/ref.csv"; tail -n +2 "$SHARED_DIR/store-ref.csv"; } | LC_ALL=C sort >"$T/want"
  tail -n +2 "$T/work/maillogsentinel.csv" | LC_ALL=C sort >"$T/got"
  cmp "$T/want" "$T/got"
}

@test "shared dataset: a run of another config never cuts back committed rows (the reported loss)" {
  # Config 1 dies mid-run holding the dataset; config 2 runs next, finishes
  # config 1's transaction (cut back to before it), then appends its own rows.
  cp "$SHARED_DIR/base1.log" "$T/c1/log/mail.log"
  cp "$SHARED_DIR/base2.log" "$T/c2/log/mail.log"
  give_to_user "$T"
  as_user maillogsentinel --config "$T/c1/conf"
  local committed
  committed=$(cat "$T/work/maillogsentinel.csv")
  cat "$SHARED_DIR/chunk1.1" >>"$T/c1/log/mail.log"
  # A journal and uncommitted rows, as a SIGKILLed run of config 1 leaves them.
  local size
  size=$(stat -c %s "$T/work/maillogsentinel.csv")
  as_user sh -c 'mls-tail --state "$1/state/state.offset" --pending "$1/state/p" "$1/log/mail.log" |
    mls-parse | mls-enrich --no-dns --no-cache >"$1/uncommitted.tsv"' _ "$T/c1"
  local csv=$T/work/maillogsentinel.csv st=$T/c1/state/state.offset
  local stbytes
  stbytes=$(cat "$st"; printf x)
  stbytes=${stbytes%x}
  {
    printf 'maillogsentinel-txn 2\n'
    printf 'csv %s\n%s\n' "${#csv}" "$csv"
    printf 'csv_size %s\n%s\n' "${#size}" "$size"
    local id
    id=$(stat -c '%d:%i' "$csv")
    printf 'csv_id %s\n%s\n' "${#id}" "$id"
    printf 'owner 5\nrun 1\n'
    printf 'state %s\n%s\n' "${#st}" "$st"
    printf 'state_bytes %s\n%s\n' "$(stat -c %s "$st")" "$stbytes"
    printf 'pending -\n'
  } >"$csv.journal"
  mls-store --csv "$T/x.csv" <"$T/c1/uncommitted.tsv"
  tail -n +2 "$T/x.csv" >>"$csv"
  give_to_user "$T"
  run as_user maillogsentinel --config "$T/c2/conf"
  assert_success
  assert_output --partial "recovered $csv: truncated $csv from "
  assert_output --partial "bytes (rows of run 1, which did not commit)"
  # Config 1's committed rows are all still there, config 2's follow them.
  [ "$(head -c "$size" "$csv")" = "$committed" ]
  run as_user maillogsentinel --config "$T/c1/conf"
  assert_success
  drv_reference "$SHARED_DIR/base2.log" "$T/r2.csv"
  { tail -n +2 "$T/r2.csv"
    cat "$SHARED_DIR/base1.log" "$SHARED_DIR/chunk1.1" >"$T/l1"
    drv_reference "$T/l1" "$T/r1.csv"; tail -n +2 "$T/r1.csv"; } | LC_ALL=C sort >"$T/want"
  tail -n +2 "$csv" | LC_ALL=C sort >"$T/got"
  cmp "$T/want" "$T/got"
}
