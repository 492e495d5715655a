# bench/lib.bash: sourced by the benchmark scripts.

# peak_rss_kb CMD...: runs CMD (its output to /dev/null) and prints its peak
# resident set size in KiB (/usr/bin/time -f %M: the largest process of a
# pipeline when CMD is `bash -c '...'`). Non-zero, naming CMD, if CMD fails.
peak_rss_kb() {
  local f rc=0
  f=$(mktemp)
  /usr/bin/time -f %M -o "$f" "$@" >/dev/null 2>"$f.err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "peak_rss_kb: $* failed (exit $rc):" >&2
    cat "$f.err" >&2
    rm -f "$f" "$f.err"
    return 1
  fi
  tail -1 "$f"
  rm -f "$f" "$f.err"
}

# gen NAME LINES: the realistic mail log of LINES lines (bench/genlog --seed 1
# --hosts 2), cached in $OUT keyed by genlog's own checksum; sets LOGF to it
# and COUNTS to genlog's exact counts. Needs HERE (bench/) and OUT.
gen() {
  local key
  key=$(sha256sum "$HERE/genlog" | cut -c1-10)
  LOGF=$OUT/mail-$1-$key.log
  COUNTS=$OUT/mail-$1-$key.counts
  if [ ! -s "$COUNTS" ] || [ ! -f "$LOGF" ]; then
    rm -f "$OUT"/mail-"$1"-*.log "$OUT"/mail-"$1"-*.counts
    echo "generating $LOGF ($2 lines) ..."
    local s=$SECONDS
    "$HERE/genlog" --lines "$2" --seed 1 --hosts 2 >"$LOGF.tmp" 2>"$COUNTS.tmp"
    mv "$LOGF.tmp" "$LOGF" && mv "$COUNTS.tmp" "$COUNTS"
    echo "  took $((SECONDS - s)) s"
  fi
}

# count KEY COUNTS: one of genlog's counts (events, lines, ...).
count() { sed -n "s/^$1=//p" "$2"; }
