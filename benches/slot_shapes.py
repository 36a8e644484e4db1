#!/usr/bin/env python3
"""How periodic is a one-CronJob trace? (issue 5: what a slot-replay engine could reuse)

Groups a `jobsim run --trace` JSONL file by wall-clock minute and reduces each minute to its
"shape": for every trace line, the second within the minute, the line's type, the object's
kind, the event reason, and which Job it names *relative to the minute* (0 = the Job of this
minute's slot, -3 = the one three slots back). Random pod-name suffixes, uids,
resourceVersions and object bodies are left out, so two minutes with one shape differ only in
those. Prints the number of minutes, of distinct shapes, and the most common shapes' counts.

    target/release/jobsim run --quiet --until 7d --trace /tmp/t7d.jsonl \\
        scenarios/bench/million-slots.toml
    python3 benches/slot_shapes.py /tmp/t7d.jsonl

Meant for scenarios whose Job names are `<cronjob>-<scheduled minute>` (every CronJob's are).
"""
import collections
import datetime
import json
import re
import sys

JOB = re.compile(r"^Job/[^/]+/.*-(\d+)$|^Pod/[^/]+/.*-(\d+)-[^-]+$")


def main():
    minutes = collections.OrderedDict()
    with open(sys.argv[1]) as f:
        for line in f:
            e = json.loads(line)
            minute, second = e["time"][:16], e["time"][17:]
            obj = e.get("object", "")
            shape = (second, e["type"], obj.split("/")[0], e.get("reason", ""))
            m = JOB.match(obj)
            rel = None
            if m:
                scheduled = int(m.group(1) or m.group(2))
                base = datetime.datetime.fromisoformat(minute + ":00+00:00").timestamp() // 60
                rel = scheduled - int(base)
            minutes.setdefault(minute, []).append(shape + (rel,))
    shapes = collections.Counter(tuple(v) for v in minutes.values())
    n = len(minutes)
    print(f"{n} minutes, {len(shapes)} distinct shapes")
    covered = 0
    for i, (shape, count) in enumerate(shapes.most_common(5), 1):
        covered += count
        print(
            f"shape {i}: {count} minutes ({100 * count / n:.1f}%; top {i}: {100 * covered / n:.1f}%),"
            f" {len(shape)} trace lines"
        )


if __name__ == "__main__":
    main()
