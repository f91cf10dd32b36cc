"""``journeymap forget SOURCE`` removes one source's rows, all or nothing; a first ingest appears only whole.

The expected store after forgetting a file is made independently: by ingesting the other file alone
into a fresh workspace.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from journeymap.errors import JourneymapError
from journeymap.events.forget import forget_source
from journeymap.events.ingest import ingest_events
from journeymap.events.store import NEW_STORE, store_path
from journeymap.model.workspace import Workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: a9 logs in (in login.csv) with the cookie ck-1 of an anonymous visit in visits.csv: forgetting
#: login.csv must undo that stitching.
VISITS = ("customer_id,anonymous_id,ts,event\n"
          ",ck-1,2025-01-01 09:00:00,visit\n"
          "b,,2025-01-01 08:00:00,view\n"
          "b,,2025-01-01 08:05:00,cart\n"
          "b,,not a time,view\n")
LOGIN = ("customer_id,anonymous_id,ts,event\n"
         "a9,ck-1,2025-01-01 10:00:00,login\n"
         "c,,2025-01-02 10:00:00,view\n"
         ",,2025-01-02 10:00:00,nobody\n"
         "c,,2030-05-05 10:00:00,view\n")

COLUMNS = "customer_id, ts, event, channel, source, anonymous_id, raw_customer_id, event_id, properties"


def _store(ws: Workspace) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    con = duckdb.connect(str(store_path(ws)), read_only=True)
    try:
        events = con.execute(f"SELECT {COLUMNS} FROM events").fetchall()  # physical order: journey order
        quarantine = con.execute("SELECT source_file, line, reason, raw FROM quarantine ORDER BY ALL").fetchall()
        return events, quarantine
    finally:
        con.close()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    visits, login = tmp_path / "visits.csv", tmp_path / "login.csv"
    visits.write_text(VISITS, encoding="utf-8")
    login.write_text(LOGIN, encoding="utf-8")
    return visits, login


def test_forget_leaves_what_the_other_source_alone_makes(ws_factory: Callable[..., Workspace],
                                                         files: tuple[Path, Path]) -> None:
    visits, login = files
    ws = ws_factory("both")
    ingest_events(ws, [visits, login], quiet=True, now=NOW)
    stitched = dict(((e, a), c) for c, _, e, _, _, a, *_ in _store(ws)[0])
    assert stitched[("visit", "ck-1")] == "a9"  # stitched while login.csv is there

    report = forget_source(ws, "login.csv")

    # login.csv: 2 stored rows (a9 login, c view), 2 quarantined (no customer, time in the future)
    assert report.removed == {"events": 2, "quarantined rows": 2}
    alone = ws_factory("alone")
    ingest_events(alone, [visits], quiet=True, now=NOW)
    assert _store(ws) == _store(alone)
    assert (report.events, report.customers) == (3, 2)  # b's two rows and the visit, now ck-1's own journey
    assert dict(((e, a), c) for c, _, e, _, _, a, *_ in _store(ws)[0])[("visit", "ck-1")] == "ck-1"


def test_a_forgotten_file_can_be_ingested_again(ws: Workspace, files: tuple[Path, Path]) -> None:
    visits, login = files
    ingest_events(ws, [visits, login], quiet=True, now=NOW)
    before = _store(ws)
    forget_source(ws, str(login))  # by its path this time
    again = ingest_events(ws, [login], quiet=True, now=NOW)
    assert (again.stored, again.quarantined, again.duplicates) == (2, 2, 0)
    assert sorted(_store(ws)[0]) == sorted(before[0])
    assert _store(ws)[1] == before[1]


def test_dry_run_counts_and_changes_nothing(ws: Workspace, files: tuple[Path, Path]) -> None:
    visits, login = files
    ingest_events(ws, [visits, login], quiet=True, now=NOW)
    before = _store(ws)
    report = forget_source(ws, "visits.csv", dry_run=True)
    assert report.removed == {"events": 3, "quarantined rows": 1}
    assert report.events == 2
    assert _store(ws) == before


def test_an_unknown_source_is_named_with_the_known_ones(ws: Workspace, files: tuple[Path, Path]) -> None:
    ingest_events(ws, list(files), quiet=True, now=NOW)
    before = _store(ws)
    with pytest.raises(JourneymapError) as err:
        forget_source(ws, "logins.csv")
    assert "nothing in the store comes from 'logins.csv'" in str(err.value)
    assert "did you mean 'login.csv'?" in str(err.value)
    assert _store(ws) == before


def test_forget_without_a_store_says_what_to_run(ws: Workspace) -> None:
    with pytest.raises(JourneymapError, match="no events yet"):
        forget_source(ws, "x.csv")
    assert not store_path(ws).exists()


def test_forget_from_the_cli(ws: Workspace, files: tuple[Path, Path], run_cli) -> None:  # type: ignore[no-untyped-def]
    ingest_events(ws, list(files), quiet=True, now=NOW)
    res = run_cli("forget", "login.csv", "-w", ws.root, "--dry-run")
    assert res.exit_code == 0, res.output
    assert "would remove 2 events, 2 quarantined rows; 3 events would remain" in res.stdout
    res = run_cli("forget", "login.csv", "-w", ws.root, "--yes")
    assert res.exit_code == 0, res.output
    assert "forgot login.csv: removed 2 events, 2 quarantined rows" in res.stdout
    assert "store: 3 events, 2 customers" in res.stdout


def _kill_after_write_ordered(module: str, call: str) -> str:
    return textwrap.dedent(f"""
        import os, signal
        from journeymap.events import {module} as mod
        from journeymap.model.workspace import load_workspace

        real = mod.write_ordered
        def kill_midway(con, *args, **kwargs):
            real(con, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        mod.write_ordered = kill_midway
        {call}
    """)


def test_a_killed_forget_leaves_the_store_as_it_was(ws: Workspace, files: tuple[Path, Path]) -> None:
    ingest_events(ws, list(files), quiet=True, now=NOW)
    before = _store(ws)
    script = _kill_after_write_ordered(
        "forget", f"mod.forget_source(load_workspace({str(ws.root)!r}), 'login.csv')")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert _store(ws) == before


def test_a_killed_first_ingest_leaves_no_store(ws: Workspace, files: tuple[Path, Path]) -> None:
    visits, _ = files
    script = _kill_after_write_ordered(
        "ingest", f"mod.ingest_events(load_workspace({str(ws.root)!r}), [{str(visits)!r}], quiet=True)")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert not store_path(ws).exists()  # no empty store that says "0 events"
    assert list(ws.data_dir.glob(f"{NEW_STORE}*"))  # the dead writer's new store is still there …
    report = ingest_events(ws, [visits], quiet=True, now=NOW)
    assert (report.stored, report.quarantined) == (3, 1)
    assert not list(ws.data_dir.glob(f"{NEW_STORE}*"))  # … until the next writer removes it


def test_a_failed_first_ingest_leaves_no_store(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(JourneymapError):
        ingest_events(ws, [tmp_path / "missing.csv"], quiet=True, now=NOW)
    assert not store_path(ws).exists()
    assert not list(ws.data_dir.glob(f"{NEW_STORE}*"))
