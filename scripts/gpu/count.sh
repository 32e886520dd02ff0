# gpu-check.sh's counting rules (sourced; bash). A stage prints its result
# as its last line, "N passed, N failed[, N skipped]"; tally adds it up into
# $passed, $failed, $skipped (appending the stage's output to $log).
#   - no result line: 1 failure;
#   - the stage exits non-zero but counts no failure: 1 failure;
#   - skipped cases (a missing artifact, a skipped test) count as skipped.

tally() { # name, command...
  local name=$1; shift
  "$@" 2>&1 | tee -a "$log" | tail -1 > "$log.last"
  local rc=${PIPESTATUS[0]}
  local line; line=$(cat "$log.last")
  local p f s
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p')
  s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  if [ -z "$p" ]; then echo "FAIL $name (no result line)"; failed=$((failed + 1)); return; fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL $name (exit $rc, no failure counted: $line)"; f=1
  fi
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "${s:-0}" -eq 0 ]; then
    echo "FAIL $name (it checked nothing: $line)"; f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
  echo "$name: $line"
}

# stdin: compute-sanitizer's output around a check script's; $1: the tool,
# $2: compute-sanitizer's exit code (run with --error-exitcode). One pass
# when the exit code is 0, the tool's own summary line reports 0 errors
# (memcheck, synccheck: "ERROR SUMMARY: 0 errors"; racecheck: "RACECHECK
# SUMMARY: 0 hazards") and no summary reports any, AND the script's own
# result line says at least one check passed and none failed or was skipped
# (a stage with nothing to check, e.g. its artifacts missing, fails).
sanitizer_verdict() {
  local tool=$1 rc=${2:-0} out summary
  out=$(cat)
  case $tool in
    racecheck) summary="RACECHECK SUMMARY: 0 hazards" ;;
    *) summary="ERROR SUMMARY: 0 errors" ;;
  esac
  if [ "$rc" -eq 0 ] && grep -qF "$summary" <<<"$out" &&
     ! grep -qE "SUMMARY: [1-9][0-9]* (errors?|hazards?)" <<<"$out" &&
     grep -qE "^[1-9][0-9]* passed, 0 failed(, 0 skipped)?$" <<<"$out"; then
    echo "1 passed, 0 failed"
  else
    echo "0 passed, 1 failed"
  fi
}

# stdin: pytest -q output; $1: pytest's exit code. Prints the count line
# from pytest's summary (skipped tests as skipped). pytest exits 0 (all
# passed) or 1 (failures); any other code (5: no test ran; 2-4: interrupted,
# usage or internal error) without a counted failure is 1 failure.
pytest_count() {
  local rc=$1 out summary p f s
  out=$(cat)
  summary=$(grep -E "^=*[ ]*[0-9]+ (passed|failed|skipped|errors?|deselected)" <<<"$out" | tail -1)
  p=$(grep -oE "[0-9]+ passed" <<<"$summary" | cut -d' ' -f1)
  f=$(grep -oE "[0-9]+ (failed|errors?)" <<<"$summary" | awk '{s+=$1} END {print s+0}')
  s=$(grep -oE "[0-9]+ skipped" <<<"$summary" | cut -d' ' -f1)
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then echo "pytest exit $rc"; f=1; fi
  echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
}
