# Shared setup for the bats suites (tests/cli/*.bats, tests/integration/*.bats).
#
# - Puts the freshly built tools first on PATH (MLS_BIN, exported by make;
#   defaults to build/bin of this checkout).
# - Gives every test a scratch directory $T that an unprivileged user can use.
# - as_user CMD...: runs CMD as an unprivileged user when the tests run as root
#   (the driver refuses root), as the current user otherwise.

MLS_SRCDIR=${MLS_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
MLS_BIN=${MLS_BIN:-$MLS_SRCDIR/build/bin}
PATH="$MLS_BIN:$PATH"
export MLS_SRCDIR MLS_BIN PATH
SHARED_TESTDATA=${SHARED_TESTDATA:-$MLS_SRCDIR/../shared/testdata}

bats_load_library bats-support
bats_load_library bats-assert

# The uid/gid used to run unprivileged commands when the suite runs as root.
MLS_TEST_UID=${MLS_TEST_UID:-65534}
MLS_TEST_GID=${MLS_TEST_GID:-65534}

mls_scratch() {
  T=$(mktemp -d /tmp/mls-test.XXXXXX)
  chmod 0755 "$T"
  if [ "$(id -u)" = 0 ]; then chown "$MLS_TEST_UID:$MLS_TEST_GID" "$T"; fi
  export T
}

mls_scratch_cleanup() {
  [ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
}

as_user() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$MLS_TEST_UID" --regid="$MLS_TEST_GID" --clear-groups \
      env HOME="$T" PATH="$PATH" "$@"
  else
    "$@"
  fi
}

# Makes files/directories created by root in $T usable by as_user.
give_to_user() {
  if [ "$(id -u)" = 0 ]; then chown -R "$MLS_TEST_UID:$MLS_TEST_GID" "$@"; fi
}

# skip_unless_available REASON: skips the test (or, from setup_file, the file)
# for a missing package or an environment that cannot run it; with
# MLS_REQUIRE_ALL=1 (set by .ci/run, where scripts/install-deps put everything
# in place and we run as root) it fails instead, so CI never passes by
# skipping the real-service tests.
skip_unless_available() {
  if [ "${MLS_REQUIRE_ALL:-0}" = 1 ]; then
    echo "required but unavailable (MLS_REQUIRE_ALL=1): $1" >&2
    return 1
  fi
  skip "$1"
}
