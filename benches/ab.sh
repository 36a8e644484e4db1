#!/usr/bin/env bash
# Issue 5's A/B timing: two jobsim binaries run alternately (this VM's speed drifts by ±15%
# within minutes, so figures taken minutes apart do not compare). For each binary, the minimum
# user time of N alternating runs of: one CronJob for 7 days (million-slots --until 7d), and
# 2,000 CronJobs --until 30m and --until 2h (the difference is 36,000 steady-state runs; a
# longer difference than session 6's 60m, whose 12,000 runs let the drift swing the figure).
# Usage: benches/ab.sh OLD_BINARY NEW_BINARY [N=3]
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; N=${3:-3}
declare -A best
for _ in $(seq "$N"); do
  for bin in A B; do
    exe=${!bin}
    for spec in "7d million-slots" "30m 2000-cronjobs" "2h 2000-cronjobs"; do
      set -- $spec
      t=$( { /usr/bin/time -f "%U" "$exe" run --quiet --until "$1" "scenarios/bench/$2.toml" >/dev/null; } 2>&1 | tail -1 )
      k="$bin-$1"
      best[$k]=$(python3 -c "print(min(${best[$k]:-999}, $t))")
    done
  done
done
for bin in A B; do
  python3 -c "
s, a, b = ${best[$bin-7d]}, ${best[$bin-30m]}, ${best[$bin-2h]}
one = s / 10080 * 1e3
many = (b - a) / 36000 * 1e3
print(f'$bin (${!bin}): one CronJob {one:.4f} ms/slot (7d: {s} s); 2,000 CronJobs {many:.3f} ms/run (30m: {a} s, 2h: {b} s); ratio {many / one:.2f}x')"
done
