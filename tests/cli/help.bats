#!/usr/bin/env bats
# --help of every tool in MLS_BIN: 80 columns, no trailing spaces, no word cut
# in two, and one meaning per short option letter (lib/cli.h).

load test_helper

setup() { mls_scratch; }
teardown() { mls_scratch_cleanup; }

tools() { (cd "$MLS_BIN" && ls -1 maillogsentinel mls-*); }

@test "help: every tool's --help fits 80 columns and no line ends in a space" {
  local n=0
  for tool in $(tools); do
    "$MLS_BIN/$tool" --help >"$T/$tool.help"
    n=$((n + 1))
    run awk -v t="$tool" 'length($0) > 80 { print t ":" NR ": " length($0) " columns: " $0 }
                          /[ \t]$/ { print t ":" NR ": trailing space: " $0 }' "$T/$tool.help"
    assert_output ''
  done
  [ "$n" -ge 7 ]
}

# The check for cut words, precisely: the same --help laid out without a width
# limit (MLS_HELP_WIDTH=10000, lib/cli.h) must have the same sequence of
# words. Wrapping only at spaces keeps the sequence; a word cut in two adds one.
@test "help: wrapping at 80 columns cuts no word in two (same words as unwrapped)" {
  local wrapped_somewhere=0
  for tool in $(tools); do
    "$MLS_BIN/$tool" --help | tr -s ' \n' '\n\n' >"$T/$tool.80"
    MLS_HELP_WIDTH=10000 "$MLS_BIN/$tool" --help | tr -s ' \n' '\n\n' >"$T/$tool.wide"
    run diff -u "$T/$tool.wide" "$T/$tool.80"
    assert_success
    if [ "$("$MLS_BIN/$tool" --help | wc -l)" -gt \
         "$(MLS_HELP_WIDTH=10000 "$MLS_BIN/$tool" --help | wc -l)" ]; then
      wrapped_somewhere=1
    fi
  done
  # The comparison means something only if some help was wrapped at 80.
  [ "$wrapped_somewhere" = 1 ]
}


@test "help: a short option letter names the same long option in every tool" {
  for tool in $(tools); do
    "$MLS_BIN/$tool" --help |
      sed -nE 's/^  (-[A-Za-z]), (--[a-z0-9-]+).*/'"$tool"' \1 \2/p'
  done >"$T/shorts"
  cp "$T/shorts" "$T/checked"
  # Every tool has -h/--help and -V/--version; the table parses.
  [ "$(grep -c ' -h --help$' "$T/checked")" -ge 7 ]
  [ "$(grep -c ' -V --version$' "$T/checked")" -ge 7 ]
  run awk '{ if (($2 in long) && long[$2] != $3) print $2 ": " long[$2] " (" tool[$2] ") and " $3 " (" $1 ")";
             long[$2] = $3; tool[$2] = $1 }' "$T/checked"
  assert_output ''
  # The table of lib/cli.h: the meanings the tools agree on.
  run awk '{ print $2, $3 }' "$T/checked"
  while read -r letter long; do
    case "$letter $long" in
      "-c --config" | "-n --dry-run" | "-f --follow" | "-w --window" | "-q --quiet" | \
        "-v --verbose" | "-h --help" | "-V --version") ;;
      *) echo "not in lib/cli.h's table: $letter $long"; false ;;
    esac
  done <<<"$output"
}
