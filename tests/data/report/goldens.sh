# Shared by make-goldens and tests/cli/mls-report.bats: the golden reports of
# report/dataset.csv (TZ=Europe/Paris) and how machine-dependent lines are masked.

# NAME FORMAT ARGS...
golden_list() {
  cat <<'LIST'
today-2026-11-25.json json --window today --now 2026-11-25T18:30:00
today-2026-11-25.txt text --window today --now 2026-11-25T18:30:00
fall-back-today-2026-10-25.json json --window today --now 2026-10-25T23:59:59 --top 5
spring-forward-yesterday-2026-03-30.json json --window yesterday --now 2026-03-30T00:00:00 --top 5
custom-2026-10-20-to-11-26.json json --since 2026-10-20 --until 2026-11-26 --now 2026-11-27T08:00:00 --top 3
LIST
}

# The header names this machine, its address, the extraction timer and the
# version: masked so that the goldens hold on any machine.
golden_normalise() {
  case $1 in
  json)
    sed -e 's/^  "version": .*/  "version": "VERSION",/' \
      -e 's/^  "server": .*/  "server": "SERVER",/' \
      -e 's/^  "schedule": .*/  "schedule": "SCHEDULE",/'
    ;;
  text)
    sed -e '1s/.*/SMTP AUTH failures on SERVER/' -e '2s/.*/====/' \
      -e 's/ by maillogsentinel [^ ]*$/ by maillogsentinel VERSION/' \
      -e 's/^Schedule    .*/Schedule    SCHEDULE/'
    ;;
  *) cat ;;
  esac
}
