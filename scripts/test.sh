#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs every test (lit:
# dialect, passes, execution against the NumPy reference, robustness, docs,
# Python). Ends with "N passed, N failed, N skipped" from lit's own counts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1
BUILD_DIR=${BUILD_DIR:-build}
log="$BUILD_DIR/lit.log"
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
count() { grep -E "^ *$1 *: *[0-9]+" "$log" | head -1 | sed -E 's/[^0-9]*([0-9]+).*/\1/'; }
passed=$(( $(count Passed || true) + $(count "Expectedly Failed" || true) + 0 ))
failed=$(( $(count Failed || true) + $(count "Unexpectedly Passed" || true) + $(count Unresolved || true) + $(count "Timed Out" || true) + 0 ))
skipped=$(( $(count Unsupported || true) + $(count Excluded || true) + 0 ))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
