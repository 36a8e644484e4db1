#!/usr/bin/env bash
# Regenerates the pictures under docs/ from the shipped scenarios (so they cannot go stale
# silently: run it after a change to the HTML page or to a lesson, and commit the result).
#   docs/screenshots.sh            # needs headless Chromium (Debian: apt-get install chromium)
# Writes docs/lesson01.png (lesson 01: slots, outage, both versions), docs/lesson10-backoff.png
# (lesson 10: one Job's pod-failure back-off, 1.27 vs 1.28) and the HTML they show.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${JOBSIM_CHROMIUM:-chromium}
cargo build --release --quiet
J=${CARGO_TARGET_DIR:-target}/release/jobsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shot() { # scenario  png  height
  "$J" run --quiet --html "$tmp/page.html" "$1" >/dev/null 2>&1 || [ $? -eq 1 ]  # 1: an expectation failed
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size=1400,"$3" --screenshot="$2" \
    "file://$tmp/page.html" 2>/dev/null
  echo "wrote $2"
}
shot scenarios/lessons/01-too-many-missed.toml docs/lesson01.png 900
shot scenarios/lessons/10-retry-timeline.toml docs/lesson10-backoff.png 720
