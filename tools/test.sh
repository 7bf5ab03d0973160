#!/usr/bin/env bash
# Builds aiocpp and runs the whole test suite.
#
#   tools/test.sh              # optimised build in build/
#   tools/test.sh --sanitize   # ASan + UBSan build in build-san/
#   tools/test.sh --valgrind   # close/cancel/timeout tests under valgrind (build/)
#   tools/test.sh --tsan       # the threads suite under ThreadSanitizer (build-tsan/)
#   tools/test.sh --fuzz       # each libFuzzer target for 20 s (build-fuzz/, clang; fuzz/run.sh)
#
# Prints one closing line "N passed, N failed" and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-plain}
case "$mode" in
  plain)
    dir=build
    opts=()
    ;;
  --sanitize)
    dir=build-san
    # TOOLCHAIN.md §3-4: debug is 4x faster to build; UBSan must not recover.
    opts=(-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
          -Dcpp_args=-fno-sanitize-recover=all -Dc_args=-fno-sanitize-recover=all)
    # The soak (tests/test_soak.cpp) runs 100k of its 1M requests under ASan;
    # the cancellation storm keeps its full 100k.
    export AIOCPP_SOAK_TOTAL=100000
    ;;
  --valgrind)
    dir=build
    opts=()
    ;;
  --tsan)
    dir=build-tsan
    # Only the library and tests/test_threads.cpp are built (the threads
    # suite); tests/tsan.supp holds the suppressions, with reasons.
    opts=(-Dbuildtype=debug -Db_sanitize=thread)
    ;;
  --fuzz)
    # fuzz/run.sh builds and runs the targets itself and prints a line each.
    exec fuzz/run.sh 20
    ;;
  *)
    echo "usage: tools/test.sh [--sanitize|--valgrind|--tsan|--fuzz]" >&2
    exit 2
    ;;
esac

if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "${opts[@]}" >/dev/null
fi
if [ "$mode" = --tsan ]; then
  meson compile -C "$dir" test_threads >/dev/null
else
  meson compile -C "$dir" >/dev/null
fi

status=0
if [ "$mode" = --valgrind ]; then
  # ASan is blind inside libuv (TOOLCHAIN.md §3): run the suites that close,
  # cancel and time out I/O under valgrind on the non-sanitizer build.
  meson test -C "$dir" --suite runtime --num-processes 2 --timeout-multiplier 10 \
    --wrapper 'valgrind --error-exitcode=9 --leak-check=no --quiet' \
    uvx tcp dns timeout loop >/dev/null || status=$?
elif [ "$mode" = --tsan ]; then
  meson test -C "$dir" --no-rebuild --suite threads --timeout-multiplier 3 --print-errorlogs >/dev/null || status=$?
else
  meson test -C "$dir" --num-processes 2 --timeout-multiplier 3 --print-errorlogs >/dev/null || status=$?
fi

log=$(ls -t "$dir"/meson-logs/testlog*.json | head -n 1)
python3 - "$log" <<'PY'
import json, sys
passed = failed = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("result") in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r.get("result") != "SKIP":
        failed += 1
        print("FAILED:", r.get("name"), r.get("result"))
print(f"{passed} passed, {failed} failed")
PY
if [ "$status" -ne 0 ]; then
  tail -n 60 "${log%.json}.txt" >&2
fi
exit "$status"
