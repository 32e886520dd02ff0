# Drives scripts/gpu/count.sh (gpu-check.sh's counting rules) with stand-in
# stages; prints what gpu-check.sh would count. usage: bash counting.sh SRC_ROOT
set -uo pipefail
log=$(mktemp)
passed=0 failed=0 skipped=0
source "$1/scripts/gpu/count.sh"
ok() { echo "3 passed, 0 failed"; }
with_skips() { echo "SKIP wan_vsa_small (no artifact)"; echo "2 passed, 0 failed, 4 skipped"; }
exits_1_counts_none() { echo "1 passed, 0 failed"; return 1; }
no_result_line() { echo "Traceback (most recent call last):"; return 1; }
counted_failures() { echo "1 passed, 2 failed"; return 1; }
checked_nothing() { echo "0 passed, 0 failed"; }
for stage in ok with_skips exits_1_counts_none no_result_line counted_failures checked_nothing; do
  tally "$stage" "$stage"
done
echo "stages: $passed passed, $failed failed, $skipped skipped"
# Sanitizer verdicts (tool, compute-sanitizer's exit code).
printf '5 passed, 0 failed\n========= ERROR SUMMARY: 0 errors\n' | sanitizer_verdict memcheck 0
printf '0 passed, 0 failed, 2 skipped\n========= ERROR SUMMARY: 0 errors\n' | sanitizer_verdict memcheck 0
printf '2 passed, 0 failed, 1 skipped\n========= RACECHECK SUMMARY: 0 hazards\n' | sanitizer_verdict racecheck 0
printf '0 passed, 0 failed\n========= ERROR SUMMARY: 0 errors\n' | sanitizer_verdict memcheck 0
printf '4 passed, 0 failed\n========= ERROR SUMMARY: 3 errors\n' | sanitizer_verdict memcheck 99
printf '4 passed, 0 failed, 0 skipped\n========= RACECHECK SUMMARY: 0 hazards\n' | sanitizer_verdict racecheck 0
printf '4 passed, 0 failed\n========= ERROR SUMMARY: 0 errors\n' | sanitizer_verdict racecheck 0
printf '4 passed, 0 failed\n========= ERROR SUMMARY: 0 errors\n' | sanitizer_verdict synccheck 99
printf '4 passed, 0 failed\n========= ERROR SUMMARY: 0 errors\n========= RACECHECK SUMMARY: 2 hazards\n' | sanitizer_verdict memcheck 0
# pytest summaries.
printf '....\n6 passed, 12 deselected in 3.2s\n' | pytest_count 0
printf 'F.s\n1 failed, 5 passed, 2 skipped, 12 deselected in 3.2s\n' | pytest_count 1
printf '====== 5 passed, 1 skipped in 1.0s ======\n' | pytest_count 0
printf 'no tests ran in 0.1s\n' | pytest_count 5
printf '2 errors in 1s\n' | pytest_count 1
printf 'ssssss\n6 skipped, 12 deselected in 1s\n' | pytest_count 0
