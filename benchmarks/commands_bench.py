"""What users run: each journeymap command in a fresh process, timed with its peak memory.

    python benchmarks/commands_bench.py WORKSPACE JOURNEY [--runs 3] [--only analyze,report,...]
        [--parquet FILE] [--ingest] [--pm4py] [--warm]

Every command is started as a new ``python -m journeymap …`` process (start-up, imports and all), as a
user types it; wall time is measured around the process and peak memory is its maximum resident set
size (``ru_maxrss`` of the child). The store must be ingested already (``--ingest`` ingests ``--parquet``
into WORKSPACE first, timed, and then runs the first analysis, which writes the journey index).
``--pm4py`` runs pm4py's ``discover_dfg`` on the same Parquet file in the same run, for comparison with
the event-level graph. ``--warm`` then runs the same commands again with a warm engine
(``journeymap warm``, in a folder of its own): each is still a fresh ``python -m journeymap …`` process, whose
command runs in a fork of the engine; its peak memory is the fork's (from the engine's log, counting the
libraries it shares with the engine in full). The cold runs set ``JOURNEYMAP_COLD=1``, so a warm engine
the user runs does not serve them. The machine's load average is printed beside each figure: these machines are
shared, and a busy one moves wall times by ±30 % or more.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def commands(journey: str, funnel: list[str]) -> dict[str, list[str]]:
    return {
        "help": ["--help"],
        "status": ["status"],
        "funnel": ["funnel", journey, *funnel, "--format", "json"],
        "analyze-core": ["analyze", journey, "--only", "steps,transitions,funnel", "--format", "json"],
        "analyze": ["analyze", journey, "--format", "json"],
        "paths-step": ["paths", journey, "--format", "json"],
        "paths-event-top15": ["paths", journey, "--level", "event", "--keep-repeats", "--top", "15", "--format", "json"],
        "paths-event-all": ["paths", journey, "--level", "event", "--keep-repeats", "--all", "--variants", "0",
                            "--format", "json"],
        "render": ["render", "{journey_file}", "--with-data", "-o", "{out}/map.html"],
        "report": ["report", journey, "-o", "{out}/report.html"],
        "findings": ["findings", journey, "--all", "--format", "json"],
    }


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS in GB, exit code, last output) of one fresh process."""
    with tempfile.TemporaryFile() as sink:  # a file, not a pipe: a large output must not block the command
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "journeymap", *argv], cwd=cwd, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sink.seek(0)
        out = sink.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024 / 1024, code, out.strip().splitlines()[-1][:160] if out.strip() else ""


def repeat(argv: list[str], ws: Path, env: dict[str, str], runs: int,
           peak_of: Callable[[list[str]], tuple[float, str]] | None = None) -> tuple[list[float], list[float], str]:
    """Wall times and peak memories of ``runs`` fresh processes, and a note when one failed. ``peak_of`` reads a
    run's peak elsewhere (a warm command's is its fork's, not the calling process's), with a note of its own."""
    walls, peaks, note = [], [], ""
    for _ in range(runs):
        wall, peak, code, last = run(argv, ws, env)
        if peak_of is not None:
            peak, missing = peak_of(argv)
            note = missing or note
        walls.append(wall)
        peaks.append(peak)
        if code:
            note = f"exit {code}: {last}"
    return walls, peaks, note


def warm_runs(argvs: dict[str, list[str]], ws: Path, cold_env: dict[str, str], runs: int, record: Any) -> None:
    """The commands again, each a fresh process served by a warm engine started for this run (and stopped)."""
    folder = Path(tempfile.mkdtemp(prefix="jmb", dir="/tmp"))  # short: a socket path has a length limit
    env = {k: v for k, v in cold_env.items() if k != "JOURNEYMAP_COLD"} | {"JOURNEYMAP_WARM_DIR": str(folder)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "journeymap", "warm", "--idle", "30", "--quiet"], env=env, check=True)
    record("warm engine start", time.perf_counter() - started, engine_rss(folder), "once, in the background")
    try:
        def fork_peak(argv: list[str]) -> tuple[float, str]:
            served = warm_log(folder)
            if not served or f" {argv[0]}: exit " not in served[-1]:
                return 0.0, "not served warm"
            return float(served[-1].rsplit("peak ", 1)[1].split()[0]) / 1024, ""

        for name, argv in argvs.items():
            walls, peaks, note = repeat(argv, ws, env, runs, fork_peak)
            record(f"{name} (warm)", statistics.median(walls), max(peaks),
                   note or f"runs {', '.join(f'{w:.2f}' for w in walls)}")
    finally:
        subprocess.run([sys.executable, "-m", "journeymap", "warm", "--stop", "--quiet"], env=env, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def warm_log(folder: Path) -> list[str]:
    """The commands the warm engine ran ("… pid N COMMAND: exit C after S s, peak M MB")."""
    return [line for log in folder.glob("*.log") for line in log.read_text().splitlines() if ": exit " in line]


def engine_rss(folder: Path) -> float:
    """The warm engine's resident memory in GB."""
    pid = next(folder.glob("*.pid")).read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def pm4py_dfg(parquet: Path, columns: dict[str, str]) -> tuple[float, float]:
    """pm4py's discover_dfg on the file, in a fresh process (wall s, peak GB); reading the file is included."""
    script = (
        "import pandas as pd, pm4py, time\n"
        f"df = pd.read_parquet({str(parquet)!r}, columns=[{columns['customer_id']!r}, {columns['ts']!r}, "
        f"{columns['event']!r}])\n"
        f"df[{columns['customer_id']!r}] = df[{columns['customer_id']!r}].astype(str)\n"
        f"log = pm4py.format_dataframe(df, case_id={columns['customer_id']!r}, activity_key={columns['event']!r}, "
        f"timestamp_key={columns['ts']!r})\n"
        "dfg, starts, ends = pm4py.discover_dfg(log)\n"
        "print(len(dfg))\n"
    )
    with tempfile.TemporaryFile() as sink:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if status:
            sink.seek(0)
            print("pm4py failed:", sink.read().decode()[-500:])
    return wall, usage.ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("journey")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--funnel", default="", help="comma-separated steps of the 10-step funnel")
    parser.add_argument("--parquet", type=Path)
    parser.add_argument("--ingest", action="store_true", help="ingest --parquet into the workspace first")
    parser.add_argument("--pm4py", action="store_true")
    parser.add_argument("--columns", default="customer_id=customer_id,ts=ts,event=event",
                        help="the Parquet file's columns, for pm4py")
    parser.add_argument("--warm", action="store_true", help="also run the commands with a warm engine")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    ws = args.workspace.resolve()
    env = {**os.environ, "COLUMNS": "200", "JOURNEYMAP_COLD": "1"}
    out = Path(tempfile.mkdtemp(prefix="journeymap-bench-"))
    journey_file = next(p for p in (ws / "journeys").glob("*.yaml") if f"id: {args.journey}" in p.read_text())
    results: list[dict[str, object]] = []

    def record(name: str, wall: float, peak: float, note: str = "") -> None:
        load = os.getloadavg()[0]
        results.append({"command": name, "wall_s": round(wall, 2), "peak_gb": round(peak, 2), "load": round(load, 1),
                        "note": note})
        print(f"{name:24} {wall:7.2f} s  {peak:5.2f} GB  load {load:4.1f}  {note}", flush=True)

    if args.ingest:
        assert args.parquet, "--ingest needs --parquet"
        shutil.rmtree(ws / "data", ignore_errors=True)
        wall, peak, code, last = run(["ingest", "events", str(args.parquet), "-w", str(ws), "-q"], ws, env)
        record("ingest", wall, peak, last if code else "")
        wall, peak, code, last = run(["analyze", args.journey, "-w", str(ws), "--only", "steps", "--format", "json"],
                                     ws, env)
        record("first analysis", wall, peak, last if code else "")
    steps = args.funnel.split(",") if args.funnel else []
    wanted = [x for x in args.only.split(",") if x] or list(commands(args.journey, steps))
    argvs = {}
    for name in wanted:
        if name == "funnel" and not steps:
            continue
        argv = [a.format(journey_file=journey_file, out=out) for a in commands(args.journey, steps)[name]]
        argvs[name] = argv + (["-w", str(ws)] if name not in ("help", "render") else [])
    for name, argv in argvs.items():
        walls, peaks, note = repeat(argv, ws, env, args.runs)
        # the first run writes what the command keeps in the journey index; the later ones read it
        record(f"{name} (first)", walls[0], peaks[0], note)
        if len(walls) > 1:
            record(f"{name} (again)", statistics.median(walls[1:]), max(peaks[1:]),
                   note or f"runs {', '.join(f'{w:.2f}' for w in walls[1:])}")
    if args.warm:
        warm_runs(argvs, ws, env, args.runs, record)
    if args.pm4py:
        assert args.parquet, "--pm4py needs --parquet"
        cols = dict(kv.split("=") for kv in args.columns.split(","))
        wall, peak = pm4py_dfg(args.parquet, cols)
        record("pm4py discover_dfg", wall, peak)
    if args.json:
        args.json.write_text(json.dumps({"workspace": str(ws), "cpus": os.cpu_count(), "results": results}, indent=2))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
