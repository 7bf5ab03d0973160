#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang, ASan + UBSan) and runs
# each for a while on a copy of its seed corpus (fuzz/corpus/<target>/; the
# checked-in corpus never grows).
#
#   fuzz/run.sh                 # every target for 20 s (CI: tools/test.sh --fuzz)
#   fuzz/run.sh 600             # every target for 10 minutes, one after another
#   fuzz/run.sh 300 fuzz_url    # some targets only
#
# Environment: FUZZ_JOBS (ninja -j; default ninja's), FUZZ_KEEP=DIR keeps
# each target's grown corpus in DIR/<target>/ (to add the good finds to
# fuzz/corpus/ by hand, with -merge=1).
# Prints one line per target (time, executions, result) and exits non-zero
# when a target crashed, leaked, timed out or broke an invariant; the input
# that did it is kept under build-fuzz/fuzz-artifacts/<target>/ and the line
# says how to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-20}
[ $# -gt 0 ] && shift
all=(fuzz_response fuzz_url fuzz_cookie fuzz_decoder fuzz_json fuzz_request)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

declare -A max_len=(
  [fuzz_response]=16384 [fuzz_url]=4096 [fuzz_cookie]=8192
  [fuzz_decoder]=65536 [fuzz_json]=65536 [fuzz_request]=16384
)

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$dir" -Dfuzz=true -Dtests=false -Dbenchmarks=false \
    -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$dir" ${FUZZ_JOBS:+-j"$FUZZ_JOBS"} "${targets[@]/#/fuzz/}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for t in "${targets[@]}"; do
  [ -n "${max_len[$t]:-}" ] || { echo "fuzz/run.sh: unknown target $t" >&2; exit 2; }
  work=$(mktemp -d)
  mkdir -p "$work/corpus" "$dir/fuzz-artifacts/$t"
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  log="$dir/fuzz-artifacts/$t/last-run.log"
  rc=0
  "$dir/fuzz/$t" -max_total_time="$secs" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/fuzz-artifacts/$t/" "$work/corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)
  if [ "$rc" -eq 0 ]; then
    echo "$t: ${secs} s, ${execs:-?} executions, ${cov:-cov: ?} edges, corpus $(ls "$work/corpus" | wc -l) inputs, ok"
  else
    status=1
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$t: FAILED (exit $rc) after ${execs:-?} executions; log $log"
    grep -E "ERROR: |fuzz invariant failed|SUMMARY: |runtime error" "$log" | head -n 5 || true
    echo "  reproducer: ${repro:-none written}"
    [ -n "$repro" ] && echo "  reproduce:  $dir/fuzz/$t $repro"
  fi
  if [ -n "${FUZZ_KEEP:-}" ]; then
    mkdir -p "$FUZZ_KEEP/$t"
    cp "$work/corpus"/* "$FUZZ_KEEP/$t/"
  fi
  rm -rf "$work"
done
exit "$status"
