#!/usr/bin/env bash
# Builds the compiler, the tools, the Python native module and attnrt with
# AddressSanitizer + UndefinedBehaviorSanitizer (Debian's gcc 12: libasan8,
# libubsan1) into ./build-asan and runs the whole lit suite on that build.
# Any sanitizer report fails the test that triggered it: ASan halts on the
# first error, UBSan is built with -fno-sanitize-recover=all, LeakSanitizer
# runs in every instrumented process (docs/Reliability.md).
#
# Ends with "sanitize: N passed, N failed, N skipped" (lit's counts); exit 1
# when a test failed or none passed. scripts/test.sh folds the counts into
# its own last line. Extra arguments go to lit (e.g. a test directory:
# bash scripts/sanitize.sh build-asan/test/Runtime).
set -uo pipefail
cd "$(dirname "$0")/.."
ASAN_DIR=${ASAN_DIR:-build-asan}
LLVM_PREFIX=${LLVM_PREFIX:-/usr/lib/llvm-22}
CCACHE=$(command -v ccache || true)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
start=$(date +%s)
if [ ! -f "$ASAN_DIR/build.ninja" ]; then
  # -O1 -g1: reports with file:line, at half the compile time of -O2 -g.
  cmake -G Ninja -S . -B "$ASAN_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" \
    -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
    -DCMAKE_MODULE_LINKER_FLAGS="$SAN" \
    -DATTN_SANITIZE=ON \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit" \
    ${CCACHE:+-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache} \
    > /tmp/attn-asan-configure.log 2>&1 || { cat /tmp/attn-asan-configure.log; echo "sanitize: configure failed"; exit 1; }
fi
# The lit suite's dependencies (test/CMakeLists.txt's ATTN_TEST_DEPENDS).
if ! cmake --build "$ASAN_DIR" --target check-attn-deps > "$ASAN_DIR/build.log" 2>&1; then
  tail -50 "$ASAN_DIR/build.log"
  echo "sanitize: 0 passed, 1 failed, 0 skipped (the sanitizer build failed)"
  exit 1
fi
built=$(date +%s)
echo "sanitize: built $ASAN_DIR in $((built - start)) s"
log="$ASAN_DIR/lit.log"
reports="$ASAN_DIR/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
/usr/lib/llvm-22/bin/lit -sv "${@:-$ASAN_DIR/test}" > "$log" 2>&1
rc=$?
grep -E '^(FAIL|XPASS|UNRESOLVED|TIMEOUT):' "$log" | head -40
grep -E '^ *(Passed|Failed|Unsupported|Expectedly Failed|Unexpectedly Passed|Unresolved|Timed Out|Excluded) *:' "$log"
count() { grep -E "^ *$1 *: *[0-9]+" "$log" | head -1 | sed -E 's/[^0-9]*([0-9]+).*/\1/'; }
passed=$(( $(count Passed || true) + $(count "Expectedly Failed" || true) + 0 ))
failed=$(( $(count Failed || true) + $(count "Unexpectedly Passed" || true) + $(count Unresolved || true) + $(count "Timed Out" || true) + 0 ))
skipped=$(( $(count Unsupported || true) + $(count Excluded || true) + 0 ))
# Every report (lit.cfg.py's log_path), also one a test tolerated, counts.
# (LeakSanitizer also writes a file listing the suppressions it used when it
# found nothing else: only files with an error count.)
report_files=$(grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' -r "$reports" || true)
nreports=$(echo -n "$report_files" | grep -c . || true)
for f in $(echo "$report_files" | head -5); do echo "== $f"; head -40 "$f"; done
echo "sanitize: lit took $(( $(date +%s) - built )) s, $nreports sanitizer report(s) in $reports"
echo "sanitize: $passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$nreports" -eq 0 ]
