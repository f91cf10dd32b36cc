"""Ingest benchmark: generate a demo log (untimed), ingest it into a fresh workspace (timed), report.

    python benchmarks/ingest_bench.py --customers 1000000 [--memory-limit 2.5GB] [--threads 2]

The ingest runs in a child process, which logs the duration of each phase (printed too), so its peak memory is the child's maximum resident
set size (``getrusage(RUSAGE_CHILDREN)``), not this process's. Generation is outside the
timed part and its memory is not counted. Results go to docs/benchmarks.md by hand,
with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, logging, sys, time
logging.basicConfig(stream=sys.stderr, format="  phase %(message)s")
logging.getLogger("journeymap.events.ingest").setLevel(logging.DEBUG)
from journeymap.events.ingest import ingest_events
from journeymap.model.workspace import load_workspace
ws = load_workspace(sys.argv[1])
start = time.perf_counter()
r = ingest_events(ws, [sys.argv[2]], quiet=True, memory_limit=sys.argv[3] or None, threads=int(sys.argv[4]) or None)
print(json.dumps({"seconds": time.perf_counter() - start, "read": r.read, "stored": r.stored,
                  "events": r.events, "customers": r.customers, "stitched": r.stitched_ids,
                  "rounds": r.stitch_rounds}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", default="2.5GB", help="DuckDB memory_limit for the ingest")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    parser.add_argument("--data", type=Path, default=None, help="reuse this Parquet file (generated when missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args()

    from journeymap.events.demo import write_parquet

    tmp = Path(tempfile.mkdtemp(prefix="journeymap-bench-"))
    data = args.data or tmp / f"events-{args.customers}.parquet"
    if not data.exists():
        t = time.perf_counter()
        n = write_parquet(data, args.customers, args.seed)
        print(f"generated {n:,} events of {args.customers:,} customers in {time.perf_counter() - t:.1f} s "
              f"({data.stat().st_size / 1e6:.0f} MB Parquet)", flush=True)
    ws = tmp / "ws"
    ws.mkdir()
    (ws / "journeymap.yaml").write_text("name: bench\ntimezone: UTC\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ws), str(data), args.memory_limit, str(args.threads)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        sys.exit(proc.returncode)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print("\n".join(ln for ln in proc.stderr.splitlines() if ln.startswith("  phase ")))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu_s = usage.ru_utime + usage.ru_stime  # whole child, imports included: less sensitive to load than wall time
    store_mb = (ws / "data" / "journeymap.duckdb").stat().st_size / 1e6
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"ingest of {result['read']:,} events ({result['customers']:,} journeys after stitching, "
          f"{result['stitched']:,} anonymous ids stitched in {result['rounds']} rounds): "
          f"{result['seconds']:.1f} s ({cpu_s:.0f} CPU-s), peak RSS {peak_mb:,.0f} MB, store {store_mb:,.0f} MB "
          f"(memory_limit {args.memory_limit})")
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
