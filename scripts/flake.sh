#!/usr/bin/env bash
# flake.sh: run the unit tests FLAKE_UNIT_COUNT times (default 50), then the
# end-to-end suite FLAKE_E2E_RUNS times in a row (default 3), stopping at the
# first failure, and print one summary line with the counts.
#
# The unit tests are those of every package but ./supervisor and ./scripts:
# they need no server. The end-to-end suite is ./supervisor, whose tests
# start the supervisor binary against the brokers of TEST_KAFKA_DIST and
# TEST_KAFKA_DISTS (set by `make flake`, as by `make test`), and ./scripts,
# whose tests run Maven. A skipped test
# proves nothing: each skip is named, and a skipped end-to-end test fails
# the run.
#
# Environment: GO (default go), FLAKE_UNIT_COUNT, FLAKE_E2E_RUNS,
# TEST_TIMEOUT (go test's limit per package, default 60m; see the Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."

go="${GO:-go}"
timeout="${TEST_TIMEOUT:-60m}"
unit_count="${FLAKE_UNIT_COUNT:-50}"
e2e_runs="${FLAKE_E2E_RUNS:-3}"
mapfile -t e2e_pkgs < <("$go" list ./supervisor/ ./scripts/)
mapfile -t unit_pkgs < <("$go" list ./... | grep -vxF -f <(printf '%s\n' "${e2e_pkgs[@]}"))
logs="$(mktemp -d "${TMPDIR:-/tmp}/flake.XXXXXX")"

# count RESULT LOG: how many tests of a `go test -v` log ended so: the
# top-level ones, and for SKIP the subtests too, since a parent whose
# subtest skipped still passes.
count() {
  local indent=''
  [[ "$1" == SKIP ]] && indent=' *'
  grep -c "^$indent--- $1: " "$2" || true
}

# skips LOG: the names of the skipped tests, on one line.
skips() { sed -n 's/^ *--- SKIP: \([^ ]*\).*/\1/p' "$1" | sort -u | paste -sd' ' -; }

# report LOG: the failed tests' own lines, and where the whole log is.
report() {
  grep -E -A30 '^\s*--- FAIL: ' "$1" | head -200 >&2 || true
  echo "flake: whole log in $1" >&2
}

unit_log="$logs/unit.log"
echo "flake: unit tests of ${#unit_pkgs[@]} packages, -count=$unit_count (log: $unit_log)" >&2
unit_ok=true
"$go" test -v -count="$unit_count" -timeout="$timeout" "${unit_pkgs[@]}" >"$unit_log" 2>&1 || unit_ok=false
unit_pass="$(count PASS "$unit_log")" unit_fail="$(count FAIL "$unit_log")" unit_skip="$(count SKIP "$unit_log")"
unit="unit $unit_pass passed, $unit_fail failed, $unit_skip skipped"
((unit_skip == 0)) || unit="$unit ($(skips "$unit_log"))"
if ! "$unit_ok" || ((unit_fail > 0 || unit_pass == 0)); then
  report "$unit_log"
  echo "flake: FAIL: $unit (-count=$unit_count)"
  exit 1
fi
echo "flake: $unit (-count=$unit_count)" >&2

e2e_pass=0
for run in $(seq 1 "$e2e_runs"); do
  log="$logs/e2e-$run.log"
  echo "flake: end-to-end run $run of $e2e_runs (log: $log)" >&2
  start=$SECONDS
  ok=true
  "$go" test -v -count=1 -timeout="$timeout" "${e2e_pkgs[@]}" >"$log" 2>&1 || ok=false
  pass="$(count PASS "$log")" fail="$(count FAIL "$log")" skip="$(count SKIP "$log")"
  echo "flake: end-to-end run $run: $pass passed, $fail failed, $skip skipped in $((SECONDS - start))s" >&2
  if ! "$ok" || ((fail > 0 || skip > 0 || pass == 0)); then
    report "$log"
    why="$fail failed"
    ((skip > 0)) && why="$why, $skip skipped ($(skips "$log"))"
    if ! "$ok" && ((fail == 0)); then
      why="$why, go test failed"
      grep -q '^panic: test timed out' "$log" && why="$why: its -timeout=$timeout ran out"
    fi
    echo "flake: FAIL: $unit (-count=$unit_count); end-to-end run $run of $e2e_runs: $why"
    exit 1
  fi
  e2e_pass=$((e2e_pass + pass))
done
echo "flake: ok: $unit (-count=$unit_count); end-to-end $e2e_runs runs: $e2e_pass passed, 0 failed, 0 skipped"
