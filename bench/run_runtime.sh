#!/usr/bin/env bash
# Runs the runtime microbenchmarks RUNS times and prints a Markdown table of
# medians (with min and max) for the README, followed by the machine.
#
#   bench/run_runtime.sh [BINARY] [RUNS]
#   BINARY  default build/bench/runtime_bench (meson's default build type,
#           debugoptimized: -O2 -g)
#   RUNS    default 7
#
# Every benchmark runs in its own process, so no benchmark sees the heap (or
# the peak RSS) another one left behind; the runs are interleaved, so a burst
# of load on the machine spreads over all benchmarks instead of hitting one.
set -euo pipefail

bin=${1:-build/bench/runtime_bench}
runs=${2:-7}
benches="await gather scope semaphore timer0 timer1 rss"

if [[ ! -x $bin ]]; then
  echo "run_runtime.sh: no benchmark binary at $bin (ninja -C build bench/runtime_bench)" >&2
  exit 2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= runs; ++r)); do
  for b in $benches; do
    "$bin" "$b" >>"$out"
  done
  echo "run $r/$runs done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Lines: key \t value \t unit \t description \t target
awk -F'\t' '
  function fmt(v) { return (v < 10 && v > -10) ? sprintf("%.2f", v) : sprintf("%.1f", v) }
  {
    if (!($1 in n)) { order[++keys] = $1; unit[$1] = $3; what[$1] = $4; target[$1] = $5 }
    vals[$1, ++n[$1]] = $2 + 0
  }
  END {
    print "| benchmark | unit | median | min | max | target | met |"
    print "|---|---|---:|---:|---:|---:|---|"
    for (k = 1; k <= keys; ++k) {
      key = order[k]; m = n[key]
      for (i = 1; i <= m; ++i) v[i] = vals[key, i]
      for (i = 2; i <= m; ++i) {              # insertion sort
        x = v[i]
        for (j = i - 1; j >= 1 && v[j] > x; --j) v[j + 1] = v[j]
        v[j + 1] = x
      }
      med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      t = target[key]; met = ""
      if (t ~ /^<= /) {
        lim = substr(t, 4) + 0
        met = (med <= lim) ? "yes" : sprintf("no (+%.0f%%)", (med / lim - 1) * 100)
        t = "≤ " substr(t, 4)
      }
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", what[key], unit[key], fmt(med), fmt(v[1]), fmt(v[m]), t, met
    }
  }' "$out"

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
model=$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
mhz=$(grep -m1 '^cpu MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
echo
echo "Median of $runs runs, each benchmark in a fresh process. Machine: $cpu (family $family, model $model," \
  "${mhz%.*} MHz), $(nproc) CPUs, Linux $(uname -r), $(c++ --version | head -1);" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load average $load_before before, $load_after after."
echo "Command: \`$0 $bin $runs\`"
