"""Write the demo event log to Parquet (the benchmarks' data source).

    python benchmarks/datagen.py OUT.parquet --customers 1000000 [--seed 42]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from journeymap.events.demo import write_parquet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    start = time.perf_counter()
    n = write_parquet(args.out, args.customers, args.seed)
    print(f"wrote {n:,} events of {args.customers:,} customers to {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
