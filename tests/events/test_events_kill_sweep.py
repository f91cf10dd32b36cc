"""The kill-9 sweep: ``journeymap ingest events`` and ``ingest feedback`` killed at points spread over their run.

Each command runs as a user runs it (a fresh process) and is killed with SIGKILL after a share of the time a
complete run takes. Whatever the moment, the store must afterwards be either exactly the one before or the
complete new one (compared by content with an unkilled run), and the next command must work. Killing by the
clock is not a timed assertion: every moment has the same expected outcome, so a busy machine only moves
the kill points.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

#: Shares of a complete run's time at which the process is killed (the short CI form of the sweep).
KILL_AT = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.92)
ENV = {**os.environ, "COLUMNS": "200"}


def _journeymap(*args: str) -> list[str]:
    return [sys.executable, "-m", "journeymap", *args]


def _events_csv(path: Path, rows: int, seed: int) -> Path:
    rnd = random.Random(seed)
    names = ["view", "search", "add_to_cart", "checkout_started", "payment_ok", "parcel_delivered"]
    with path.open("w", encoding="utf-8") as out:
        out.write("customer_id,anonymous_id,ts,event,channel,price\n")
        for i in range(rows):
            c = rnd.randrange(rows // 8 + 1)
            anon = f"ck{c}" if rnd.random() < 0.2 else ""
            out.write(f"u{c},{anon},2025-0{1 + i % 9}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d},"
                      f"{rnd.choice(names)},web,{rnd.randrange(100)}\n")
        out.write(",,2025-01-01 00:00:00,nobody,web,\n")  # one row for the quarantine
    return path


def _workspace(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "journeymap.yaml").write_text("name: sweep\ntimezone: UTC\n", encoding="utf-8")
    return root


def _state(ws: Path) -> tuple[object, ...] | None:
    """The store's content (None: no store), read the way the next command reads it."""
    path = ws / "data" / "journeymap.duckdb"
    if not path.exists():
        return None
    con = duckdb.connect(str(path))
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        events = con.execute("SELECT count(*), sum(hash(customer_id, ts, event, properties)) FROM events").fetchone()
        quarantine = con.execute("SELECT count(*), sum(hash(source_file, line, reason)) FROM quarantine").fetchone()
        feedback = (con.execute("SELECT count(*), sum(hash(customer_id, ts, metric, score, comment)) FROM feedback")
                    .fetchone() if "feedback" in tables else None)
        return events, quarantine, feedback
    finally:
        con.close()


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def _sweep(cmd: list[str], ws: Path, before: object, after: object, duration: float) -> list[str]:
    """Kill ``cmd`` at every point of :data:`KILL_AT`; return what each kill left ('old' or 'new')."""
    seen = []
    for share in KILL_AT:
        proc = subprocess.Popen(cmd, cwd=ws, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(share * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = _state(ws)
        assert state in (before, after), f"killed at {share:.0%} of the run: the store is neither old nor new"
        seen.append("old" if state == before else "new")
        if state == after:  # the kill came too late: put the old store back for the next point
            return seen
    return seen


def test_killed_event_ingests_leave_the_old_or_the_new_store(tmp_path: Path) -> None:
    base = _events_csv(tmp_path / "base.csv", 2_000, seed=1)
    big = _events_csv(tmp_path / "big.csv", 400_000, seed=2)
    # the expected outcomes, from unkilled runs in a workspace of their own
    ref = _workspace(tmp_path / "ref")
    first_run = _timed(_journeymap("ingest", "events", str(base), "-q"), ref)
    before = _state(ref)
    duration = _timed(_journeymap("ingest", "events", str(big), "-q"), ref)
    after = _state(ref)
    assert before is not None and after is not None and before != after
    assert first_run > 0

    ws = _workspace(tmp_path / "ws")
    subprocess.run(_journeymap("ingest", "events", str(base), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
    assert _state(ws) == before
    seen = _sweep(_journeymap("ingest", "events", str(big), "-q"), ws, before, after, duration)
    print("kill sweep, event ingest:", f"{duration:.2f} s", seen)
    assert "old" in seen  # the sweep did kill inside the ingest
    # the next writer finishes the job and cleans up after the dead ones
    subprocess.run(_journeymap("ingest", "events", str(big), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
    assert _state(ws) == after
    assert not list((ws / "data").glob(".journeymap.new-*"))


def test_killed_first_ingests_leave_no_store_or_the_whole_one(tmp_path: Path) -> None:
    big = _events_csv(tmp_path / "big.csv", 200_000, seed=3)
    ref = _workspace(tmp_path / "ref")
    duration = _timed(_journeymap("ingest", "events", str(big), "-q"), ref)
    after = _state(ref)
    ws = _workspace(tmp_path / "ws")
    seen = _sweep(_journeymap("ingest", "events", str(big), "-q"), ws, None, after, duration)
    print("kill sweep, first ingest:", f"{duration:.2f} s", seen)
    assert "old" in seen
    subprocess.run(_journeymap("ingest", "events", str(big), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
    assert _state(ws) == after
    assert not list((ws / "data").glob(".journeymap.new-*"))


JOURNEY = """\
id: shop
title: Shop
stages:
  - {id: buy, name: Buy}
steps:
  - {id: payment, name: Pays, stage: buy, channel: web, binding: {events: [payment_ok]}}
  - {id: delivery, name: Delivery, stage: buy, channel: web, binding: {events: [parcel_delivered]}}
"""


def _survey_csv(path: Path, rows: int, seed: int) -> Path:
    rnd = random.Random(seed)
    comments = ["Snel geleverd, top!", "Still waiting for my refund.", "Prima", "Never again.", ""]
    with path.open("w", encoding="utf-8") as out:
        out.write("customer_id,ts,step,metric,score,comment\n")
        for i in range(rows):
            metric, hi = rnd.choice([("nps", 10), ("csat", 5), ("ces", 7)])
            out.write(f"u{i},2025-03-{1 + i % 28:02d} 10:{i % 60:02d}:00,{rnd.choice(['payment', 'delivery'])},"
                      f"{metric},{rnd.randint(1, hi)},{rnd.choice(comments)} {i}\n")
        out.write("u1,2025-03-01 10:00:00,payment,nps,11,off the scale\n")
    return path


def test_killed_feedback_ingests_leave_the_old_or_the_new_store(tmp_path: Path) -> None:
    events = _events_csv(tmp_path / "events.csv", 2_000, seed=4)
    base, big = _survey_csv(tmp_path / "base.csv", 500, seed=5), _survey_csv(tmp_path / "big.csv", 120_000, seed=6)
    states = []
    for name in ("ref", "ws"):
        ws = _workspace(tmp_path / name)
        (ws / "journeys").mkdir()
        (ws / "journeys" / "shop.yaml").write_text(JOURNEY, encoding="utf-8")
        subprocess.run(_journeymap("ingest", "events", str(events), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
        subprocess.run(_journeymap("ingest", "feedback", str(base), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
        states.append(_state(ws))
    before = states[0]
    assert before == states[1]
    ref, ws = tmp_path / "ref", tmp_path / "ws"
    duration = _timed(_journeymap("ingest", "feedback", str(big), "-q"), ref)
    after = _state(ref)
    assert after != before
    seen = _sweep(_journeymap("ingest", "feedback", str(big), "-q"), ws, before, after, duration)
    print("kill sweep, feedback ingest:", f"{duration:.2f} s", seen)
    assert "old" in seen
    subprocess.run(_journeymap("ingest", "feedback", str(big), "-q"), cwd=ws, env=ENV, check=True, timeout=600)
    assert _state(ws) == after
