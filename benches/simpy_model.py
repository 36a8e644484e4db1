#!/usr/bin/env python3
"""The yardstick of issue 5: a hand-written SimPy model of scenarios/bench/million-slots.toml.

One per-minute CronJob (concurrencyPolicy Forbid, startingDeadlineSeconds 30, history limits
3 succeeded / 1 failed) whose Jobs run 20 s pods that fail 5% of the time, retried with the
Job controller's pod-failure backoff (10 s after the first failure, doubling, cap 600 s,
measured from the failed pod's finish; backoffLimit 6: the 7th failure fails the Job), under
three 3-hour controller-manager outages (at 1/4, 1/2 and 3/4 of the run), for N schedule
slots (default 1,000,000).

What it models, as jobsim does: the CronJob controller runs at each slot and whenever its
active Job finishes (Forbid: a slot skipped because a Job was active is started late if the
Job ends within the 30 s deadline; later, it is missed); nothing in the controller manager
runs during an outage (no CronJob sync, no Job retry: a pod that fails then is replaced after
the outage); a running pod runs on through an outage (the kubelet is not in the controller
manager); history limits trim the finished Jobs. What it does not model: API store,
informers, events, watch latency, pod start delay, the Job controller's status writes.

Run on demand only (never in the tests):

    pip install simpy==4.1.2
    python3 benches/simpy_model.py --slots 1000000

It prints the wall time and the number of Jobs created, succeeded and failed.
"""
import argparse
import random
import time

import simpy

SLOT = 60.0
DEADLINE = 30.0
RUN = 20.0
BACKOFF_BASE, BACKOFF_MAX, BACKOFF_LIMIT = 10.0, 600.0, 6
HISTORY_OK, HISTORY_FAILED = 3, 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slots", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    horizon = a.slots * SLOT
    quarter = horizon / 4
    outages = [(quarter * k, quarter * k + 3 * 3600.0) for k in (1, 2, 3)]

    def outage_end(t):
        """End of the outage covering t, or None when the controller manager is up."""
        for s, e in outages:
            if s <= t < e:
                return e
        return None

    env = simpy.Environment()
    stats = {"created": 0, "succeeded": 0, "failed": 0, "missed": 0}
    state = {"active": None, "history_ok": [], "history_failed": [], "last": None}

    def sync():
        """One CronJob sync at env.now (controller manager up): start the most recent unmet
        slot if it is within the deadline and no Job is active (Forbid)."""
        now = env.now
        due = (now // SLOT) * SLOT  # the most recent slot
        if state["last"] is not None and due <= state["last"]:
            return  # already started (or given up)
        if now - due > DEADLINE:
            stats["missed"] += 1
            state["last"] = due
        elif state["active"] is None:
            stats["created"] += 1
            state["active"] = due
            state["last"] = due
            env.process(job(f"job-{int(due // 60)}"))
        # else Forbid: wait; the active Job's end syncs again (late start within the deadline)

    def job(name):
        failures = 0
        while True:
            yield env.timeout(RUN)  # the pod runs (also through an outage)
            end = outage_end(env.now)
            if end is not None:  # the Job controller sees the pod's end after the outage
                yield env.timeout(end - env.now)
            if rng.random() >= 0.05:
                stats["succeeded"] += 1
                state["history_ok"] = (state["history_ok"] + [name])[-HISTORY_OK:]
                break
            failures += 1
            if failures > BACKOFF_LIMIT:
                stats["failed"] += 1
                state["history_failed"] = (state["history_failed"] + [name])[-HISTORY_FAILED:]
                break
            yield env.timeout(min(BACKOFF_BASE * 2 ** (failures - 1), BACKOFF_MAX))
            end = outage_end(env.now)
            if end is not None:  # no replacement pod while the controller manager is down
                yield env.timeout(end - env.now)
        state["active"] = None
        sync()  # the Job's update wakes the CronJob controller

    def controller():
        while env.now < horizon:
            yield env.timeout((env.now // SLOT) * SLOT + SLOT - env.now)
            end = outage_end(env.now)
            if end is not None:
                yield env.timeout(end - env.now)
            sync()

    env.process(controller())
    t0 = time.perf_counter()
    env.run(until=horizon)
    wall = time.perf_counter() - t0
    print(f"slots={a.slots} wall={wall:.2f}s created={stats['created']} succeeded={stats['succeeded']} "
          f"failed={stats['failed']} missed={stats['missed']}")


if __name__ == "__main__":
    main()
