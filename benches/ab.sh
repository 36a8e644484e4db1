#!/usr/bin/env bash
# Issue 5's A/B timing: two jobsim binaries run alternately (this VM's speed drifts by ±15%
# within minutes, so figures taken minutes apart do not compare). For each binary, the minimum
# user time of N alternating runs of: one CronJob for 7 days (million-slots --until 7d), and
# 2,000 CronJobs --until 30m and --until 60m (the difference is 12,000 steady-state runs).
# Usage: benches/ab.sh OLD_BINARY NEW_BINARY [N=3]
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; N=${3:-3}
declare -A best
for _ in $(seq "$N"); do
  for bin in A B; do
    exe=${!bin}
    for spec in "7d million-slots" "30m 2000-cronjobs" "60m 2000-cronjobs"; do
      set -- $spec
      t=$( { /usr/bin/time -f "%U" "$exe" run --quiet --until "$1" "scenarios/bench/$2.toml" >/dev/null; } 2>&1 | tail -1 )
      k="$bin-$1"
      best[$k]=$(python3 -c "print(min(${best[$k]:-999}, $t))")
    done
  done
done
for bin in A B; do
  python3 -c "
s, a, b = ${best[$bin-7d]}, ${best[$bin-30m]}, ${best[$bin-60m]}
one = s / 10080 * 1e3
many = (b - a) / 12000 * 1e3
print(f'$bin (${!bin}): one CronJob {one:.4f} ms/slot (7d: {s} s); 2,000 CronJobs {many:.3f} ms/run (30m: {a} s, 60m: {b} s); ratio {many / one:.2f}x')"
done
