#!/usr/bin/env python3
"""Group a callgrind profile of jobsim by category (issue 19), per schedule slot.

Usage (release build, `--quiet`, the million-slot world; 1,440 slots a day):

    valgrind --tool=callgrind --callgrind-out-file=cl-1d \\
        target/release/jobsim run --quiet --until 1d scenarios/bench/million-slots.toml
    python3 benches/profile_categories.py cl-1d 1440                # one profile
    python3 benches/profile_categories.py old-1d 1440 cl-1d 1440    # two, side by side

Two views of the same instructions:
  * by kind of work: each function's *own* instructions (exclusive), classified by what the
    function is (allocation, hashing, copying, ...); the rest by the module it is in;
  * by component: *inclusive* instructions of the engine's entry points (they nest, so the
    rows do not add up; the share is of the whole run).
"""
import re
import subprocess
import sys


def annotate(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--auto=no", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100", path],
        capture_output=True, text=True, check=True).stdout
    rows = []
    started = False
    for line in out.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        if "PROGRAM TOTALS" in line:
            continue
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$", line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    return rows


# (category, regex on "file:function [object]") — first match wins.
KINDS = [
    ("allocation and free (mimalloc, Vec growth, Rc boxes)",
     r"mimalloc|__rust_alloc|__rust_dealloc|__rust_realloc|raw_vec|finish_grow|grow_one|rc_inner_layout|mi_free|_mi_"),
    ("drop and reference counts", r"drop_in_place|drop_slow|Rc<T,A>::drop|<alloc::rc::Rc<T,A> as core::ops::drop"),
    ("copy and clone", r"memcpy|memmove|::clone|clone_from_ref|to_vec|Clone>::clone|spec_from_iter|SpecFromIter|collect(?!ions)"),
    ("hashing and hash-map probes", r"hash_one|hashbrown|BuildHasher|Hasher|lookup::LookupMap|Equivalent"),
    ("ordered maps and sets (B-trees)", r"collections/btree|BTreeMap|BTreeSet"),
    ("string and key compares", r"memcmp|strcmp|CompactString as core::cmp|slice/cmp.rs|PartialEq|PartialOrd|Ord>::cmp"),
    ("formatting", r"core/src/fmt|fmt::write|pad_integral|Display|itoa|format"),
    ("event queue (heap, lane)", r"queue.rs|binary_heap|VecDeque|vec_deque"),
    ("controllers: CronJob", r"controllers/cronjob|controllers::cronjob"),
    ("controllers: Job", r"controllers/job|controllers::job"),
    ("controllers: TTL, pod GC", r"controllers/(ttl|podgc)|controllers/mod.rs|controllers::(ttl|podgc|Controller)"),
    ("schedule (robfig Next, zones)", r"sim-core/src/schedule|sim_core::schedule|chrono"),
    ("store writes (admission, validation, store)", r"store.rs|admission|validation|api.rs|sim_core::(store|api|admission|validation)"),
    ("event correlator and broadcaster", r"events.rs|sim_core::events"),
    ("informer cache and watch delivery", r"client.rs|sim_core::client"),
    ("kubelet, scheduler, nodes", r"kubelet.rs|workload.rs|sim_core::kubelet|sim_core::workload"),
    ("engine loop and work queues", r"engine.rs|sim_core::engine|sim_core::fastpath|sim_core::lookup"),
    ("CLI observer (report, slots)", r"/src/(report|slots|render|cli|lib)\.rs|jobsim::"),
]

COMPONENTS = [
    ("engine loop (all events)", r"engine::Sim::run_until \["),
    ("controller syncs (all, incl. their writes)", r"engine::Sim::sync \["),
    ("  CronJob controller sync", r"CronJobController as sim_core::controllers::Controller>::sync \["),
    ("  Job controller sync", r"job::JobController as sim_core::controllers::Controller>::sync \["),
    ("store changes to trace, watch events, GC (drain)", r"engine::Sim::drain \["),
    ("store writes: create", r"store::Store::create \["),
    ("store writes: update", r"store::Store::update_in \["),
    ("store writes: delete", r"store::Store::delete \["),
    ("informer cache: apply a watch event", r"client::Cache::apply \["),
    ("watch handlers (enqueue)", r"Controller::handle_with_clock \["),
    ("events: correlator, broadcaster, Event store", r"engine::Sim::record_events \["),
    ("kubelet steps", r"kubelet_step \["),
    ("kubelet reacting to pod changes", r"on_pod_change \["),
    ("observer (report under --quiet)", r"render::Tee as sim_core::trace::Observer>::observe \["),
    ("event queue push", r"EventQueue<T>::push \["),
    ("event queue pop", r"EventQueue<T>::pop \["),
    ("work-queue adds (enqueue)", r"engine::Sim::enqueue \["),
    ("schedule Next", r"schedule::Schedule::next \["),
]


def kinds(path):
    excl = annotate(path, False)
    by = {}
    for n, name in excl:
        for cat, rx in KINDS:
            if re.search(rx, name):
                by[cat] = by.get(cat, 0) + n
                break
        else:
            by["other"] = by.get("other", 0) + n
    return sum(n for n, _ in excl), by


def components(path):
    incl = annotate(path, True)
    return {cat: max((c for c, name in incl if re.search(rx, name)), default=0) for cat, rx in COMPONENTS}


def main():
    """profile_categories.py PROFILE SLOTS [PROFILE2 SLOTS2]: one profile, or two side by side."""
    args = sys.argv[1:]
    runs = [(args[i], int(args[i + 1])) for i in range(0, len(args), 2)]
    cols = []
    for path, slots in runs:
        total, by = kinds(path)
        cols.append((path, slots, total, by, components(path)))
    head = " | ".join(f"{p}: per slot | share" for p, *_ in cols)
    for p, slots, total, *_ in cols:
        print(f"{p}: {total:,} instructions, {total / slots:,.0f} per slot ({slots} slots)")
    print(f"\n| by kind of work (exclusive) | {head} |")
    print("| --- |" + " ---: | ---: |" * len(cols))
    for cat in [c for c, _ in KINDS] + ["other"]:
        cells = " | ".join(f"{by.get(cat, 0) / slots:,.0f} | {100 * by.get(cat, 0) / total:.1f}%"
                           for _, slots, total, by, _ in cols)
        print(f"| {cat} | {cells} |")
    print(f"\n| by component (inclusive, nested) | {head} |")
    print("| --- |" + " ---: | ---: |" * len(cols))
    for cat, _ in COMPONENTS:
        cells = " | ".join(f"{comp[cat] / slots:,.0f} | {100 * comp[cat] / total:.1f}%"
                           for _, slots, total, _, comp in cols)
        print(f"| {cat} | {cells} |")


if __name__ == "__main__":
    main()
