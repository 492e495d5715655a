# Shared by the driver suites (maillogsentinel.bats, driver-*.bats).
# Load after test_helper. Layout per test (owned by the unprivileged user):
#   $T/conf  $T/log/mail.log  $T/work (working_dir)  $T/state (state_dir)

GENLOG="$MLS_SRCDIR/bench/genlog"

drv_config() {
  cat <<EOF2
[paths]
working_dir = $T/work
state_dir = $T/state
mail_log = $T/log/mail.log

[general]
log_level = ${DRV_LOG_LEVEL:-INFO}

# genlog's logs are dated 2026-01: keep their logins (by default, logins older
# than 30 days go after every run, as the personal data they are).
[logins]
retention_days = 3650

# Never the resolver of /etc/resolv.conf (off the machine): suites that test
# DNS start their own unbound on loopback (tests/integration/).
[dns]
enabled = false
EOF2
}

drv_scratch() {
  mls_scratch
  mkdir -p "$T/work" "$T/state" "$T/log"
  drv_config >"$T/conf"
  : >"$T/log/mail.log"
  give_to_user "$T"
}

# drv_run [ARGS...]: the driver as the service user, on $T/conf.
drv_run() { as_user maillogsentinel --config "$T/conf" "$@"; }

# drv_genlog ARGS...: a deterministic log in RFC 3339 form (no year guessing).
drv_genlog() { "$GENLOG" --format rfc3339 --start 2026-01-01T00:00:00 "$@"; }

# drv_reference LOG CSV: the CSV that one uninterrupted pass over LOG gives,
# built without the driver (mls-parse | mls-enrich --no-dns | mls-store, as the
# driver runs it with [dns] enabled = false and no [ipinfo] databases).
# The logins go to the logins dataset beside CSV, as the driver's do.
drv_reference() {
  rm -f "$2" "${2%.csv}-logins.csv"
  mls-parse --logins <"$1" 2>/dev/null | mls-enrich --no-dns --no-cache 2>/dev/null |
    mls-store --csv "$2" 2>/dev/null
}

# drv_rows CSV: data rows (the header excluded).
drv_rows() { if [ -f "$1" ]; then echo $(($(wc -l <"$1") - 1)); else echo 0; fi; }

# drv_snapshot: checksums of everything the driver may change but the log.
drv_snapshot() {
  (cd "$T" && find work state -type f ! -name maillogsentinel.log ! -name lock -print0 |
    sort -z | xargs -0r sha256sum)
}

# drv_append FILE: appends FILE to the mail log as the service user would see it.
drv_append() { cat "$1" >>"$T/log/mail.log"; }
