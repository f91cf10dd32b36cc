"""An ingest that fails or is killed half-way leaves the store exactly as it was."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from journeymap.events import ingest as ingest_mod
from journeymap.events.ingest import ingest_events
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _snapshot(ws: Workspace) -> tuple[list[tuple], list[tuple], list[str]]:  # type: ignore[type-arg]
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        events = con.execute("SELECT * FROM events").fetchall()
        quarantine = con.execute("SELECT source_file, line, reason, raw FROM quarantine ORDER BY ALL").fetchall()
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
        return events, quarantine, tables
    finally:
        con.close()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("customer_id,anonymous_id,ts,event\nc1,,2025-01-01 10:00:00,view\n,,2025-01-01 10:00:00,x\n",
                     encoding="utf-8")
    second.write_text("customer_id,anonymous_id,ts,event\nc2,k,2025-01-02 10:00:00,view\n"
                      ",k,2025-01-02 09:00:00,ad\nc3,,bad time,view\n", encoding="utf-8")
    return first, second


@pytest.mark.parametrize("where", ["resolve_identities", "write_ordered", "new_generation"])
def test_error_inside_the_ingest_rolls_back(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            where: str) -> None:
    # Stitching runs before the store's transaction; the ordering and the new generation inside it,
    # after the quarantined rows were inserted and (for the generation) the rows rebuilt.
    first, second = _files(tmp_path)
    ingest_events(ws, [first], quiet=True, now=NOW)
    before = _snapshot(ws)
    real = getattr(ingest_mod, where)

    def boom(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest_mod, where, boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_events(ws, [second], quiet=True, now=NOW)
    assert _snapshot(ws) == before
    monkeypatch.undo()
    report = ingest_events(ws, [second], quiet=True, now=NOW)  # the store still works and takes the file
    assert (report.stored, report.quarantined, report.events) == (2, 1, 3)


def test_killed_ingest_leaves_the_store_as_it_was(ws: Workspace, tmp_path: Path) -> None:
    first, second = _files(tmp_path)
    ingest_events(ws, [first], quiet=True, now=NOW)
    before = _snapshot(ws)
    script = textwrap.dedent(f"""
        import os, signal
        from journeymap.events import ingest
        from journeymap.model.workspace import load_workspace

        real = ingest.write_ordered
        def kill_midway(con, *args, **kwargs):
            real(con, *args, **kwargs)  # the rebuilt rows and the quarantined ones are in the open transaction …
            os.kill(os.getpid(), signal.SIGKILL)  # … and then the process dies
        ingest.write_ordered = kill_midway
        ingest.ingest_events(load_workspace({str(ws.root)!r}), [{str(second)!r}], quiet=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert _snapshot(ws) == before
