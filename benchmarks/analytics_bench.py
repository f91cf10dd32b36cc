"""Analytics benchmark: journeymap's engine vs pm4py and retentioneering, same data, same run.

    python benchmarks/analytics_bench.py --customers 1000000 [--only journeymap,duckdb-window]

Setup (untimed): the demo generator (``journeymap.events.demo``) writes the webshop log,
the event-store ingest turns it into the journey-ordered DuckDB store of a webshop
workspace, and the store's ``customer_id, event, ts`` are exported to one Parquet file
for the peers. So every contender sees exactly the same events.

Measured, each in its own child process so its peak memory is its own maximum resident
set size (``VmHWM`` of the child; setup also runs in a child so the parent stays small):

* ``journeymap``: the event-level transition graph (counts and probabilities: pm4py's
  directly-follows graph, same numbers) + all step metrics + a 10-step funnel, on the store
  through Ibis. ``seconds`` is a fresh process and connection with the journey index
  (``journeymap.engine.index``) already written, as it is for every analysis after the first
  one that follows an ingest; ``warm_seconds`` runs the same three analyses again on that
  connection. The detailed graph (customers, median and p90 time per edge) is timed after
  that, outside the headline (``detailed_transitions_s``);
* ``journeymap-first``: the same, with the index removed first: the first analysis after an
  ingest, which writes the index (once per ingest, and per journey);
* ``funnel-5`` and ``funnel-30``: a 5-step and a 30-step funnel alone;
* ``duckdb-window``: a plain DuckDB ``lead()`` window query for the transition counts;
* ``pm4py``: ``pm4py.discover_dfg`` on the Parquet file loaded with pandas;
* ``retentioneering``: ``Eventstream(...).transition_graph_data("count")``.

The peers are installed only with the ``bench`` extra (``pip install -e '.[bench]'``).
Results go to docs/benchmarks.md by hand, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUNNEL_10 = ["search-landing", "product-page", "reviews", "add-to-cart", "checkout", "payment",
             "order-confirmation", "delivery", "review-request", "referral"]

PRELUDE = """
import json, sys, time
def done(**figures):
    # VmHWM: this process's own peak resident set (ru_maxrss would include the parent's
    # high-water mark, which Linux carries across fork and exec)
    with open("/proc/self/status") as f:
        hwm = next(line for line in f if line.startswith("VmHWM:"))
    figures["peak_mb"] = int(hwm.split()[1]) / 1024
    print(json.dumps(figures))
"""

CHILDREN = {
    "journeymap": """
import ibis
from journeymap.model.workspace import load_workspace
from journeymap.engine.transitions import transitions
from journeymap.engine.steps import step_metrics
from journeymap.engine.funnel import funnel
from journeymap.events.store import open_events
ws = load_workspace(sys.argv[1]); journey = ws.journey("webshop")
if sys.argv[6] == "first":  # the first analysis after an ingest: the journey index is written now
    import shutil
    shutil.rmtree(ws.data_dir / "cache", ignore_errors=True)
start = time.perf_counter()
config = {"memory_limit": sys.argv[5]} if sys.argv[5] else {}
con = ibis.duckdb.connect(sys.argv[2], read_only=True, **config)
t = open_events(ws, con)
def headline():
    a = time.perf_counter(); tr = transitions(journey, t, level="event", collapse_repeats=False, detail=False)
    b = time.perf_counter(); sm = step_metrics(journey, t)
    c = time.perf_counter(); f = funnel(journey, t, json.loads(sys.argv[3]))
    d = time.perf_counter()
    return tr, f, {"transitions_s": b - a, "step_metrics_s": c - b, "funnel_s": d - c}
tr, f, cold = headline()  # builds the prepared step table of this connection
cold_s = time.perf_counter() - start
w = time.perf_counter(); tr2, f2, warm = headline()  # the same analyses again: prepared table present
warm_s = time.perf_counter() - w
assert tr2.equals(tr) and f2.equals(f)
d = time.perf_counter()
full = transitions(journey, t, level="event", collapse_repeats=False)  # + customers, median, p90 per edge
e = time.perf_counter()
done(seconds=cold_s, warm_seconds=warm_s, cold=cold, warm=warm, detailed_transitions_s=e - d,
     edges=len(tr), transitions=int(tr["count"].sum()), last_funnel_step=int(f["customers"].iloc[-1]))
""",
    "funnel": """
import ibis
from journeymap.model.workspace import load_workspace
from journeymap.engine.funnel import funnel
from journeymap.events.store import open_events
ws = load_workspace(sys.argv[1]); journey = ws.journey("webshop")
config = {"memory_limit": sys.argv[5]} if sys.argv[5] else {}
con = ibis.duckdb.connect(sys.argv[2], read_only=True, **config)
t = open_events(ws, con)
steps = json.loads(sys.argv[3])
start = time.perf_counter(); f = funnel(journey, t, steps)
done(seconds=time.perf_counter() - start, steps=len(steps), entered=int(f["customers"].iloc[0]))
""",
    "duckdb-window": """
import duckdb
con = duckdb.connect(sys.argv[2], read_only=True)
QUERY = '''
SELECT event, next_event, count(*) AS n FROM (
  SELECT event, lead(event) OVER (PARTITION BY customer_id ORDER BY ts, seq) AS next_event FROM events
) WHERE next_event IS NOT NULL GROUP BY ALL
'''
start = time.perf_counter(); rows = con.sql(QUERY).fetchall()
done(seconds=time.perf_counter() - start, edges=len(rows), transitions=sum(r[2] for r in rows))
""",
    "pm4py": """
import pandas as pd, pm4py
start = time.perf_counter()
df = pd.read_parquet(sys.argv[4])
loaded = time.perf_counter()
dfg, _s, _e = pm4py.discover_dfg(df, case_id_key="customer_id", activity_key="event", timestamp_key="ts")
done(seconds=time.perf_counter() - start, load_s=loaded - start, edges=len(dfg), transitions=int(sum(dfg.values())))
""",
    "retentioneering": """
import pandas as pd
from retentioneering.eventstream import Eventstream
start = time.perf_counter()
df = pd.read_parquet(sys.argv[4]).rename(columns={"customer_id": "user_id", "ts": "timestamp"})
loaded = time.perf_counter()
m = Eventstream(df).transition_graph_data(edge_weight="count")
inner = m.drop(index=["path_start", "path_end"], columns=["path_start", "path_end"], errors="ignore")
done(seconds=time.perf_counter() - start, load_s=loaded - start, edges=int((inner.values > 0).sum()),
     transitions=int(inner.values.sum()))
""",
}


def setup(root: Path, customers: int, seed: int) -> tuple[Path, Path, Path]:
    """The webshop workspace with its store, and the Parquet export for the peers (untimed)."""
    from journeymap.events.demo import write_parquet
    from journeymap.events.ingest import ingest_events
    from journeymap.model.workspace import load_workspace
    from journeymap.templates import init_workspace

    ws_dir = root / f"ws-{customers}-{seed}"
    store = ws_dir / "data" / "journeymap.duckdb"
    export = root / f"events-{customers}-{seed}.parquet"
    if not store.exists():
        init_workspace(ws_dir, "webshop", "en")
        raw = root / f"raw-{customers}-{seed}.parquet"
        if not raw.exists():  # a raw file left from an earlier run is reused
            t = time.perf_counter()
            n = write_parquet(raw, customers, seed)
            print(f"generated {n:,} raw events in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        report = ingest_events(load_workspace(ws_dir), [raw], quiet=True)
        print(f"ingested {report.events:,} events of {report.customers:,} customers in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        raw.unlink()
    if not export.exists():
        import duckdb

        con = duckdb.connect(str(store), read_only=True)
        # the peers get the store's order (customer, time, source order) and only what they use
        con.sql("SELECT customer_id, event, ts FROM events ORDER BY customer_id, ts, seq").write_parquet(str(export))
        con.close()
    return ws_dir, store, export


def run_child(name: str, code: str, args: list[str]) -> dict[str, float]:
    env = {**os.environ, "RETENTIONEERING_NO_TRACK": "1"}
    proc = subprocess.run([sys.executable, "-c", PRELUDE + code, *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)[:300]}  # type: ignore[dict-item]
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="demo people to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=None, help="keep data here and reuse it between runs")
    parser.add_argument("--memory-limit", default="1GB",
                        help="DuckDB memory_limit for journeymap's children ('' for DuckDB's default, 80%% of RAM)")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", default="journeymap-first,journeymap,funnel-5,funnel-30,duckdb-window,pm4py,"
                                           "retentioneering")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="journeymap-analytics-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.setup_only:
        setup(root, args.customers, args.seed)
        return
    # setup in a child: the ingest's memory must not stay in this process while peers run
    subprocess.run([sys.executable, __file__, "--customers", str(args.customers), "--seed", str(args.seed),
                    "--dir", str(root), "--setup-only"], check=True)
    ws_dir, store, export = setup(root, args.customers, args.seed)
    import duckdb

    n_events, n_customers = duckdb.connect(str(store), read_only=True).sql(
        "SELECT count(*), count(DISTINCT customer_id) FROM events").fetchall()[0]
    print(f"\n{n_events:,} events of {n_customers:,} customers; {os.cpu_count()} cores; "
          f"{platform.platform()}; Python {platform.python_version()}; "
          f"DuckDB memory_limit {args.memory_limit or 'default'}; "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews timings)\n", flush=True)
    funnels = {"journeymap": FUNNEL_10, "funnel-5": FUNNEL_10[:5], "funnel-30": FUNNEL_10 * 3}
    results: dict[str, dict[str, float]] = {}
    for name in [x.strip() for x in args.only.split(",") if x.strip()]:
        code = CHILDREN["funnel" if name.startswith("funnel-") else name.removesuffix("-first")]
        steps = json.dumps(funnels.get(name.removesuffix("-first"), FUNNEL_10))
        mode = "first" if name.endswith("-first") else "indexed"
        results[name] = run_child(name, code, [str(ws_dir), str(store), steps, str(export), args.memory_limit, mode])
        print(f"{name:16} {json.dumps(results[name])}", flush=True)
    base = results.get("journeymap", {}).get("seconds")
    warm = results.get("journeymap", {}).get("warm_seconds")
    print("\n| contender | seconds | peak memory (MB) | vs journeymap cold | vs journeymap warm |\n"
          "| --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | failed: {r['error']} | | | |")
            continue
        ratio = f"{r['seconds'] / base:.1f}×" if base else ""
        ratio_warm = f"{r['seconds'] / warm:.1f}×" if warm else ""
        print(f"| {name} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {ratio} | {ratio_warm} |")
        if name == "journeymap" and warm:
            print(f"| journeymap (warm) | {warm:.2f} | (same process) | | |")
        if name == "journeymap-first":
            print(f"| journeymap-first (warm) | {r['warm_seconds']:.2f} | (same process) | | |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    if "funnel-5" in results and "funnel-30" in results and "seconds" in results["funnel-5"]:
        print(f"\n30-step / 5-step funnel time: {results['funnel-30']['seconds'] / results['funnel-5']['seconds']:.2f}")


if __name__ == "__main__":
    main()
