# Real systemd journal files for the bats suites (issue 14), without systemd as
# PID 1 and without root: bench/log2journal turns syslog lines into the journal
# export format, systemd-journal-remote writes the journal file
# (/work/shared/REALENV.md §10). Load after test_helper:
#
#   load test_helper
#   load journal_helper
#   setup() { mls_scratch; jr_available; }
#
#   jr_available            skips the test (skip_unless_available: fails under
#                           MLS_REQUIRE_ALL=1) without systemd-journal-remote or
#                           journalctl. Call it in setup(), not setup_file (bats
#                           1.8.2 reports a skip from setup_file as a failure).
#   jr_make DIR [OPT...] < LOG
#                           a new journal: DIR/system.journal holding one entry
#                           per line of LOG (OPT: bench/log2journal's options).
#                           DIR is created; it must hold no *.journal yet.
#   jr_grow DIR [OPT...] < LOG
#                           appends the entries to DIR/system.journal in place,
#                           as journald does between rotations (a reader may
#                           have the file open).
#   jr_append DIR [OPT...] < LOG
#                           a rotation, then the entries: the newer entries go
#                           into a NEW file, so that together the files hold the
#                           journal after a rotation. JR_ROTATE selects how:
#                             archive (default) as journald rotates: the current
#                               DIR/system.journal is renamed to its archived
#                               name system@<seqnum id>-<head seqnum>-<head
#                               realtime>.journal (32, 16, 16 hex, from its
#                               header) and the entries go into a new
#                               DIR/system.journal;
#                             new: the files in DIR stay as they are; the entries
#                               go into DIR/system@<...>.journal, named from the
#                               new file's own header (REALENV.md §10's recipe).
#                           Each file is written in DIR/.jr-tmp (a directory that
#                           sd_journal_open_directory ignores) and renamed into
#                           DIR, so a reader never sees half a file. Keep the
#                           same --boot for a rotation within one boot (the
#                           default); give another --boot for a reboot.
#   jr_vacuum DIR           deletes the file whose head entry is the oldest (by
#                           its header's head realtime), as journald's vacuum
#                           does; prints its name.
#   jr_files DIR            the journal files in DIR, oldest head entry first.
#   jr_lines DIR [ARG...]   journalctl --directory DIR -o short-iso --no-pager
#                           [ARG...] (for debugging; TZ decides the offsets).
#
# Each helper returns non-zero, with the tools' messages on stderr, on failure.
# systemd-journal-remote makes the files 0640, owned by the caller (journald's
# are root:systemd-journal 0640): run as root, call give_to_user DIR before a
# tool reads them through as_user, or leave them so to test "no permission".

LOG2JOURNAL=${LOG2JOURNAL:-$MLS_SRCDIR/bench/log2journal}

# The systemd-journal-remote binary (Debian: /lib/systemd; merged /usr: /usr/lib).
jr_remote_bin() {
  local p
  for p in "${JR_REMOTE:-}" /lib/systemd/systemd-journal-remote \
    /usr/lib/systemd/systemd-journal-remote; do
    if [ -n "$p" ] && [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

jr_available() {
  if ! jr_remote_bin >/dev/null; then
    skip_unless_available "systemd-journal-remote not installed (scripts/install-deps)"
    return
  fi
  if ! command -v journalctl >/dev/null 2>&1; then
    skip_unless_available "journalctl not installed (package systemd)"
    return
  fi
  if ! command -v python3 >/dev/null 2>&1; then
    skip_unless_available "python3 not installed (bench/log2journal)"
  fi
}

# _jr_write FILE [OPT...] < LOG: log2journal | systemd-journal-remote --output=FILE.
_jr_write() {
  local file=$1 remote err st
  shift
  remote=$(jr_remote_bin) || { echo "jr: systemd-journal-remote not found" >&2; return 1; }
  err=$(mktemp "${TMPDIR:-/tmp}/jr-err.XXXXXX")
  "$LOG2JOURNAL" "$@" 2>"$err" | "$remote" --output="$file" - 2>>"$err"
  st="${PIPESTATUS[*]}"
  if [ "$st" != "0 0" ]; then
    cat "$err" >&2
    echo "jr: log2journal | systemd-journal-remote --output=$file: exit status $st" >&2
    rm -f "$err"
    return 1
  fi
  rm -f "$err"
  [ -s "$file" ] || { echo "jr: $file not written (no input lines?)" >&2; return 1; }
}

# _jr_header FILE KEY: one value of `journalctl --file FILE --header`:
#   seqnum_id (32 hex), head_seqnum and head_realtime (16 hex, zero-padded).
_jr_header() {
  journalctl --file "$1" --header --no-pager 2>/dev/null | awk -v key="$2" '
    function paren(s) { if (match(s, /\([0-9a-f]+\)$/)) return substr(s, RSTART + 1, RLENGTH - 2); return "" }
    function pad(h) { while (length(h) < 16) h = "0" h; return h }
    key == "seqnum_id" && /^Sequential number ID:/ { print $NF; exit }
    key == "head_seqnum" && /^Head sequential number:/ { print pad(paren($0)); exit }
    key == "head_realtime" && /^Head realtime timestamp:/ { h = paren($0); if (h != "") print pad(h); exit }'
}

# _jr_archived_name FILE: system@<seqnum id>-<head seqnum>-<head realtime>.journal
_jr_archived_name() {
  local id seq rt
  id=$(_jr_header "$1" seqnum_id)
  seq=$(_jr_header "$1" head_seqnum)
  rt=$(_jr_header "$1" head_realtime)
  if [ ${#id} != 32 ] || [ ${#seq} != 16 ] || [ ${#rt} != 16 ]; then
    echo "jr: cannot read the header of $1 (id='$id' seq='$seq' rt='$rt')" >&2
    return 1
  fi
  echo "system@$id-$seq-$rt.journal"
}

# _jr_adopt_rotated DIR: the files systemd-journal-remote rotated on its own
# while writing DIR/.jr-tmp/new.journal (it starts a new file at about 64 MiB:
# new@ID-SEQ-TIME.journal) go into DIR as the archived files they are.
_jr_adopt_rotated() {
  local f
  for f in "$1"/.jr-tmp/new@*.journal; do
    [ -f "$f" ] || continue
    mv "$f" "$1/system@${f##*/new@}" || return 1
  done
}

jr_make() {
  local dir=$1
  shift
  mkdir -p "$dir/.jr-tmp" || return 1
  if compgen -G "$dir/*.journal" >/dev/null; then
    echo "jr_make: $dir already holds journal files (jr_grow or jr_append?)" >&2
    return 1
  fi
  rm -f "$dir/.jr-tmp/new.journal"
  _jr_write "$dir/.jr-tmp/new.journal" "$@" || return 1
  _jr_adopt_rotated "$dir" || return 1
  mv "$dir/.jr-tmp/new.journal" "$dir/system.journal"
}

jr_grow() {
  local dir=$1
  shift
  [ -f "$dir/system.journal" ] || { echo "jr_grow: no $dir/system.journal (jr_make first)" >&2; return 1; }
  _jr_write "$dir/system.journal" "$@"
}

jr_append() {
  local dir=$1 name
  shift
  mkdir -p "$dir/.jr-tmp" || return 1
  rm -f "$dir/.jr-tmp/new.journal"
  _jr_write "$dir/.jr-tmp/new.journal" "$@" || return 1
  _jr_adopt_rotated "$dir" || return 1
  case ${JR_ROTATE:-archive} in
    archive)
      if [ -f "$dir/system.journal" ]; then
        name=$(_jr_archived_name "$dir/system.journal") || return 1
        mv "$dir/system.journal" "$dir/$name" || return 1
      fi
      mv "$dir/.jr-tmp/new.journal" "$dir/system.journal"
      ;;
    new)
      name=$(_jr_archived_name "$dir/.jr-tmp/new.journal") || return 1
      mv "$dir/.jr-tmp/new.journal" "$dir/$name"
      ;;
    *)
      echo "jr_append: JR_ROTATE must be archive or new, not '$JR_ROTATE'" >&2
      return 1
      ;;
  esac
}

jr_files() {
  local f rt
  for f in "$1"/*.journal; do
    [ -f "$f" ] || continue
    rt=$(_jr_header "$f" head_realtime)
    # An empty file has no head entry: it sorts first, as the oldest.
    printf '%s\t%s\n' "${rt:-0000000000000000}" "$f"
  done | sort | cut -f2-
}

jr_vacuum() {
  local oldest
  oldest=$(jr_files "$1" | head -n 1)
  [ -n "$oldest" ] || { echo "jr_vacuum: no journal file in $1" >&2; return 1; }
  rm -f "$oldest" && echo "$oldest"
}

jr_lines() {
  local dir=$1
  shift
  journalctl --directory "$dir" -o short-iso --no-pager "$@"
}
