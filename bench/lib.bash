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
