"""Benchmark: the default sentiment backend's throughput, and feedback metrics in the engine.

Run: ``python benchmarks/sentiment_bench.py [--texts 200000] [--answers 2000000] [--workers 2]``

* sentiment: the labelled sets' short customer texts (Dutch and English; ``--set bundled``,
  ``service`` or ``both``), repeated to ``--texts``, scored with language detection, label, score
  and intent (the service rules run on every text); one process, then ``--workers`` processes
  (the target is 20,000 short texts per second with one process);
* metrics: ``--answers`` random NPS/CSAT/CES answers in a DuckDB table, NPS/CSAT/CES with
  intervals per step and per month computed by the engine (one aggregation query each).

Figures go into docs/benchmarks.md by hand; this script only prints them.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from collections import Counter

import duckdb
import ibis

from journeymap.voc.evaluation import SETS, eval_set, read_labelled
from journeymap.voc.lexicon import get_lexicon
from journeymap.voc.metrics import compute_metrics
from journeymap.voc.sentiment import analyze


def _score(texts: list[str]) -> int:
    get_lexicon("nl"), get_lexicon("en"), get_lexicon("unknown")
    return len(analyze(texts))


def bench_sentiment(n: int, workers: int, which: str = "both") -> None:
    names = list(SETS) if which == "both" else [which]
    base = [i.text for name in names for i in read_labelled(eval_set(name))]
    texts = (base * (n // len(base) + 1))[:n]
    words = sum(len(t.split()) for t in texts) / len(texts)
    for lang in ("nl", "en", "unknown"):
        get_lexicon(lang)  # built once per process, outside the timing
    analyze(base)  # compile the service rules and warm the per-token caches, outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    results = analyze(texts)
    one, cpu = time.perf_counter() - start, time.process_time() - cpu
    # on a shared machine the CPU time says what one process costs; the wall time what it took
    print(f"sentiment and intent, 1 process, set {which}: {n:,} texts ({words:.1f} words on average) in {one:.2f} s "
          f"= {n / one:,.0f} texts/s (CPU time {cpu:.2f} s = {n / cpu:,.0f} texts/s)")
    print("  intents: " + ", ".join(f"{k} {v:,}" for k, v in Counter(r.intent for r in results).most_common()))
    if workers > 1:
        chunks = [texts[i::workers] for i in range(workers)]
        with mp.get_context("fork").Pool(workers) as pool:
            pool.map(_score, [base] * workers)  # warm the workers' lexicons
            start = time.perf_counter()
            done = sum(pool.map(_score, chunks))
            many = time.perf_counter() - start
        print(f"sentiment, {workers} processes: {done:,} texts in {many:.2f} s = {done / many:,.0f} texts/s")


def bench_metrics(n: int) -> None:
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE feedback AS
        SELECT 'c' || (i % 500000) AS customer_id,
               TIMESTAMP '2025-01-01' + to_minutes((i * 7919) % 525600) AS ts,
               ['payment', 'delivery', 'customer-service', 'checkout'][1 + i % 4] AS step,
               ['nps', 'csat', 'ces'][1 + (i // 4) % 3] AS metric,
               CASE (i // 4) % 3 WHEN 0 THEN (i * 31) % 11 WHEN 1 THEN 1 + (i * 17) % 5 ELSE 1 + (i * 13) % 7
               END::DOUBLE AS score
        FROM range({n}) t(i)
    """)
    fb = ibis.duckdb.from_connection(con).table("feedback")
    for by, period in ((None, None), ("step", None), ("step", "month")):
        start = time.perf_counter()
        rows = compute_metrics(fb, by, period)
        took = time.perf_counter() - start
        print(f"metrics by {by or '-'} per {period or '-'}: {n:,} answers → {len(rows)} rows in {took:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--answers", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", choices=[*SETS, "both"], default="both", help="which labelled set's texts")
    args = parser.parse_args()
    bench_sentiment(args.texts, args.workers, args.set)
    bench_metrics(args.answers)


if __name__ == "__main__":
    main()
