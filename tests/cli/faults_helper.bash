# The SIGKILL storm of driver-faults.bats, for any log source: the suite
# defines src_reset (the source holds the base log's lines, nothing else) and
# src_append N (chunk N's lines are added to it), FAULT_DIR (base.csv: one
# pass over the base; ref.csv: over base and every chunk), BASE_LINES,
# CHUNK_LINES and CHUNKS. Load after test_helper and driver_helper.
#
# MLS_FAULT_SEED=N replays a run (the seed is printed).

# drv_bg: starts the driver in the background as the service user; BG is its
# pid from the start (the subshell execs setpriv, which execs the driver).
drv_bg() {
  local as=()
  if [ "$(id -u)" = 0 ]; then
    as=(setpriv --reuid="$MLS_TEST_UID" --regid="$MLS_TEST_GID" --clear-groups
      env HOME="$T" PATH="$PATH")
  fi
  (exec "${as[@]}" maillogsentinel --config "$T/conf" "$@" >>"$T/out" 2>>"$T/err") &
  BG=$!
}

# kill_live PID: SIGKILL if PID is the driver or a stage, alive (not a
# zombie, and past exec); status 0 if so.
kill_live() {
  local stat
  [ -n "$1" ] && { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat#*(}
  case "$stat" in
    maillogsentinel\)\ [^Z]* | mls-*\)\ [^Z]*) kill -9 "$1" 2>/dev/null ;;
    *) return 1 ;;
  esac
}

# fault_storm: at least 30 SIGKILLs of the driver or a stage at random moments
# while the source grows, with undisturbed runs in between; after each
# sequence the CSV is byte for byte the reference.
fault_storm() {
  local seed=${MLS_FAULT_SEED:-$(($(date +%s%N) / 1000 % 32768))}
  echo "# fault injection seed: $seed (MLS_FAULT_SEED=$seed to replay)" >&3
  RANDOM=$seed

  # How long the pipeline of an undisturbed first run lives, measured the way
  # the disturbed runs are timed (from the moment the driver is seen): the
  # window to aim kills at. The best of three.
  local window_ms=100000 i t0 ms
  for ((i = 0; i < 3; i++)); do
    rm -rf "$T/work"/* "$T/state"/*
    src_reset
    t0=${EPOCHREALTIME/./}
    drv_bg
    wait "$BG"
    ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    ((ms < window_ms)) && window_ms=$ms
    cmp "$FAULT_DIR/base.csv" "$T/work/maillogsentinel.csv"
  done
  echo "# an undisturbed run of $BASE_LINES lines lasts ~${window_ms} ms" >&3

  # Kills are aimed inside the expected duration of each run, which is
  # proportional to the lines not yet committed.
  local targets=(maillogsentinel mls-tail mls-parse mls-enrich mls-store)
  local -A hits=()
  local kills=0 iterations=0 runs=0 misses=0 next clean target delay pid rc name
  local lines committed window
  while ((kills < 30)); do
    iterations=$((iterations + 1))
    rm -rf "$T/work"/* "$T/state"/*
    src_reset
    next=1 clean=0 lines=$BASE_LINES committed=0
    until ((next > CHUNKS && clean)); do
      if ((next <= CHUNKS && RANDOM % 2 == 0)); then
        src_append "$next"
        next=$((next + 1)) clean=0 lines=$((lines + CHUNK_LINES))
      fi
      runs=$((runs + 1))
      if ((RANDOM % 4 == 0 || (lines == committed && RANDOM % 2 == 0))); then
          # An undisturbed run: a commit point somewhere in the sequence.
        drv_run >>"$T/out" 2>>"$T/err" || {
          echo "undisturbed run failed (iteration $iterations)"
          tail -5 "$T/err"
          return 1
        }
        clean=1 committed=$lines
        continue
      fi
      # The target is drawn at random; if it is gone by then (mls-tail ends
      # early), the next live process in the rotation is hit instead.
      target=$((RANDOM % ${#targets[@]}))
      window=$((window_ms * (lines - committed) / BASE_LINES + 10))
      delay=$((RANDOM % window))
      drv_bg
      sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
      local k hit=
      for ((k = 0; k < ${#targets[@]}; k++)); do
        name=${targets[(target + k) % ${#targets[@]}]}
        pid=$BG
        [ "$name" = maillogsentinel ] || pid=$(pgrep -x -P "$BG" "$name" || true)
        if kill_live "$pid"; then hit=$name; break; fi
      done
      if [ -n "$hit" ]; then
        kills=$((kills + 1)) hits[$hit]=$((${hits[$hit]:-0} + 1))
      else
        misses=$((misses + 1))
      fi
      rc=0
      wait "$BG" || rc=$?
      # A run the kill missed committed everything, like an undisturbed one.
      clean=0
      if [ "$rc" = 0 ]; then committed=$lines clean=1; fi
    done
    if ! cmp "$FAULT_DIR/ref.csv" "$T/work/maillogsentinel.csv"; then
      echo "iteration $iterations: CSV differs from the reference (seed $seed)"
      echo "rows: $(drv_rows "$T/work/maillogsentinel.csv") want $(drv_rows "$FAULT_DIR/ref.csv")"
      tail -20 "$T/err"
      return 1
    fi
    # The logins, in the same transactions: exact too.
    if ! cmp "$FAULT_DIR/ref-logins.csv" "$T/work/maillogsentinel-logins.csv"; then
      echo "iteration $iterations: the logins differ from the reference (seed $seed)"
      tail -20 "$T/err"
      return 1
    fi
    [ ! -e "$T/work/maillogsentinel.csv.journal" ] && [ ! -e "$T/state/txn.dataset" ]
    [ ! -e "$T/state/state.offset.pending" ]
  done
  echo "# $kills kills (driver ${hits[maillogsentinel]:-0}, mls-tail ${hits[mls-tail]:-0}," \
    "mls-parse ${hits[mls-parse]:-0}, mls-enrich ${hits[mls-enrich]:-0}," \
    "mls-store ${hits[mls-store]:-0}), $misses misses," \
    "$runs runs, $iterations datasets rebuilt, every one exact" >&3
  # Killed runs were reported as such, and recoveries happened.
  grep -q 'which did not commit' "$T/work/maillogsentinel.log" ||
    grep -q 'which did not commit' "$T/err"
}
