#!/usr/bin/env bash
# Issue 5's side-by-side: jobsim's million-slot scenario vs the SimPy model of the same world,
# run one after the other on this machine; prints both wall times and the ratio.
# Needs: a release build (cargo build --release) and SimPy 4.1.2 (pip install simpy==4.1.2).
# Usage: benches/compare.sh [SLOTS]   (default 1000000; fewer slots cut jobsim with --until)
set -euo pipefail
cd "$(dirname "$0")/.."
slots=${1:-1000000}
J=${JOBSIM:-${CARGO_TARGET_DIR:-target}/release/jobsim}
[ -x "$J" ] || { echo "build first: cargo build --release ($J not found)" >&2; exit 2; }
python3 -c 'import simpy, sys; sys.exit(0 if simpy.__version__ == "4.1.2" else 1)' ||
  { echo "needs SimPy 4.1.2: pip install simpy==4.1.2" >&2; exit 2; }
until=()
[ "$slots" = 1000000 ] || until=(--until "${slots}m")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
/usr/bin/time -f "jobsim: max RSS %M KB, user %U s" "$J" run --quiet scenarios/bench/million-slots.toml "${until[@]}" > /dev/null
t1=$(date +%s.%N)
/usr/bin/time -f "simpy:  max RSS %M KB, user %U s" python3 benches/simpy_model.py --slots "$slots"
t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
j, s = t1 - t0, t2 - t1
print(f"jobsim wall {j:.2f} s, SimPy wall {s:.2f} s (process, incl. start-up): jobsim/SimPy = {j / s:.3f} (goal: <= 0.1)")
PY
