"""The findings engine measured: hit rate on planted effects, false discoveries on clean logs, and speed.

    python benchmarks/findings_bench.py truth [--seeds 50] [--customers 20000]
    python benchmarks/findings_bench.py speed WORKSPACE [--journey webshop]

``truth`` generates logs with :mod:`journeymap.events.synthetic`: ``--seeds`` clean logs (no effect at all:
every finding is false) and as many with every kind of effect planted (:func:`~journeymap.events.synthetic.scenario`),
runs the findings on each (DuckDB in memory, the expressions on the events) and prints, per planted effect,
the share of logs where it was found with the right step, segment and window, and on the clean logs the share
of logs with any finding (the family-wise error: Benjamini-Hochberg keeps it at the false-discovery rate when
nothing is real) and the false findings per log; on the planted logs the false-discovery proportion (findings
no plant explains, over all findings).

``speed`` times ``journeymap findings`` on a workspace twice as fresh processes (the first run after an ingest
writes the findings' tables into the journey index; the second reads them).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def truth(seeds: int, customers: int, start: int) -> dict[str, object]:
    from journeymap.engine.findings import FindingsOptions, journey_findings
    from journeymap.engine.source import EventSource
    from journeymap.events.synthetic import JOURNEY, event_table, explained, found, generate, planted, scenario
    from journeymap.model.types import Journey

    journey = Journey.model_validate(JOURNEY)
    opts = FindingsOptions()
    clean_any, clean_false, clean_tests = 0, 0, 0
    hits: dict[str, int] = {}
    false_planted, total_planted = 0, 0
    t0 = time.perf_counter()
    for seed in range(start, start + seeds):
        r = journey_findings(None, journey, EventSource.of(event_table(generate(customers, seed=seed))), opts)
        clean_any += bool(r.findings)
        clean_false += len(r.findings)
        clean_tests += sum(r.tests.values())
        if r.findings:
            print(f"clean seed {seed}: " + "; ".join(f.title for f in r.findings), file=sys.stderr)
        plants = scenario()
        r = journey_findings(None, journey, EventSource.of(event_table(generate(customers, seed=seed,
                                                                                plants=plants))), opts)
        for name, plant in planted(plants).items():
            hit = any(found(name, plant, f) for f in r.findings)
            hits[name] = hits.get(name, 0) + hit
            if not hit:
                print(f"planted seed {seed}: {name} not found", file=sys.stderr)
        wrong = [f for f in r.findings if not explained(plants, f)]
        false_planted += len(wrong)
        total_planted += len(r.findings)
        for f in wrong:
            print(f"planted seed {seed}, unexplained: [{f.kind}] {f.title}", file=sys.stderr)
    return {
        "seeds": seeds, "customers": customers, "false_discovery_rate": opts.fdr,
        "clean_logs_with_any_finding": clean_any / seeds,
        "clean_false_findings_per_log": clean_false / seeds,
        "clean_tests_per_log": clean_tests / seeds,
        "hit_rate": {k: v / seeds for k, v in hits.items()},
        "planted_findings_per_log": total_planted / seeds,
        "planted_false_discovery_proportion": false_planted / total_planted if total_planted else 0.0,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def speed(workspace: Path, journey: str) -> dict[str, object]:
    """``journeymap findings --all`` twice as fresh processes: wall seconds and peak memory (GB) of each."""
    import os

    from commands_bench import run  # the same measurement as the other commands (benchmarks/commands_bench.py)

    out: dict[str, object] = {"load": round(os.getloadavg()[0], 1)}
    for attempt in ("first", "second"):
        wall, peak, code, last = run(["findings", journey, "-w", str(workspace), "-q", "--all", "--format", "json"],
                                     workspace, dict(os.environ))
        if code:
            raise SystemExit(f"findings failed ({code}): {last}")
        out[attempt] = {"wall_s": round(wall, 2), "peak_gb": round(peak, 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("truth")
    t.add_argument("--seeds", type=int, default=50)
    t.add_argument("--start", type=int, default=1000)
    t.add_argument("--customers", type=int, default=20_000)
    s = sub.add_parser("speed")
    s.add_argument("workspace", type=Path)
    s.add_argument("--journey", default="webshop")
    args = parser.parse_args()
    if args.what == "truth":
        print(json.dumps(truth(args.seeds, args.customers, args.start), indent=2))
    else:
        print(json.dumps(speed(args.workspace, args.journey), indent=2))


if __name__ == "__main__":
    main()
