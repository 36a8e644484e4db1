#!/usr/bin/env python3
"""The yardstick of issue 5: a hand-written SimPy model of the million-slot world.

One per-minute CronJob (concurrencyPolicy Forbid, startingDeadlineSeconds 30, history limits
3/1) whose Jobs run 20 s pods that fail 5% of the time, retried with the Job controller's
pod-failure backoff (10 s doubling, cap 600 s, backoffLimit 6), under three 3-hour
controller-manager outages, for N schedule slots (default 1,000,000).

It models far less than jobsim: no API store, no informers, no events, no kubelet. Run on
demand only (never in the tests):

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slots", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    horizon = a.slots * SLOT
    third = horizon / 4
    outages = [(third * k, third * k + 3 * 3600.0) for k in (1, 2, 3)]

    def cm_up(t):
        return not any(s <= t < e for s, e in outages)

    env = simpy.Environment()
    stats = {"created": 0, "succeeded": 0, "failed": 0, "missed": 0}
    state = {"active": None, "history_ok": [], "history_failed": [], "last": 0.0}

    def job(name):
        failures = 0
        while True:
            yield env.timeout(RUN)
            if rng.random() >= 0.05:
                stats["succeeded"] += 1
                state["history_ok"] = (state["history_ok"] + [name])[-3:]
                break
            failures += 1
            if failures > BACKOFF_LIMIT:
                stats["failed"] += 1
                state["history_failed"] = (state["history_failed"] + [name])[-1:]
                break
            yield env.timeout(min(BACKOFF_BASE * 2 ** (failures - 1), BACKOFF_MAX))
        state["active"] = None

    def controller():
        slot = SLOT
        while slot < horizon:
            yield env.timeout(max(0.0, slot + 0.1 - env.now))
            if not cm_up(env.now):
                # wake up when the outage ends; slots in between are missed
                end = next(e for s, e in outages if s <= env.now < e)
                yield env.timeout(end - env.now)
            now = env.now
            due = (now // SLOT) * SLOT
            if now - due > DEADLINE:
                stats["missed"] += 1
            elif state["active"] is not None:
                stats["missed"] += 1  # Forbid
            else:
                stats["created"] += 1
                state["active"] = due
                env.process(job(f"job-{int(due // 60)}"))
            slot = due + SLOT

    env.process(controller())
    t0 = time.perf_counter()
    env.run(until=horizon)
    wall = time.perf_counter() - t0
    print(f"slots={a.slots} wall={wall:.2f}s created={stats['created']} succeeded={stats['succeeded']} "
          f"failed={stats['failed']} missed={stats['missed']}")


if __name__ == "__main__":
    main()
