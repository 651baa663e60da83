#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summarises a profiler trace (chrome JSON from engine_bench --profile or pytorch_reference.py
--profile) by operator: calls and total milliseconds of the top-level operator events (an
operator called inside another one is counted in its caller only), so the engine's and the
reference's operator mix can be compared line by line.

Usage: bench/profile_summary.py TRACE.json [OTHER.json] [--top N]
"""
import argparse
import collections
import json


def top_level_ops(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    spans = sorted(
        (float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0)), e["name"])
        for e in events
        if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") in ("cpu_op", "Operator", "")
    )
    totals = collections.defaultdict(lambda: [0, 0.0])
    end_of_open = -1.0
    for start, end, name in spans:
        if start < end_of_open:  # nested in the current top-level call
            continue
        end_of_open = end
        totals[name][0] += 1
        totals[name][1] += (end - start) / 1e3
    return totals


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    tables = [top_level_ops(p) for p in a.traces]
    names = sorted(set().union(*tables), key=lambda n: -max(t[n][1] for t in tables if n in t))
    head = "".join(f" | {p[-40:]:>40} calls   ms" for p in a.traces)
    print(f"{'operator':40}{head}")
    for n in names[: a.top]:
        cells = "".join(f" | {t.get(n, [0, 0])[0]:>46} {t.get(n, [0, 0.0])[1]:7.1f}" for t in tables)
        print(f"{n[:40]:40}{cells}")
    print(f"{'total':40}" + "".join(f" | {sum(v[0] for v in t.values()):>46} {sum(v[1] for v in t.values()):7.1f}" for t in tables))


if __name__ == "__main__":
    main()
