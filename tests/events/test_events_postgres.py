"""Ingest from a real PostgreSQL server: a table, a query, batches, a refused connection."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.events import postgres
from journeymap.events.ingest import ingest_events
from journeymap.events.quarantine import list_quarantine
from journeymap.events.store import store_path
from journeymap.model.workspace import Workspace

from .conftest import query_store

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
N_GOOD = 23


@pytest.fixture
def pg_table(pg_url: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS shop_events")
        pg.execute("""CREATE TABLE shop_events (
            id serial PRIMARY KEY, user_id text, occurred_at timestamptz, local_time timestamp, name text,
            amount numeric(8, 2), meta jsonb)""")
        rows = [(f"u{i % 5}", dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
                 dt.datetime(2025, 1, 1, 13, 0) + dt.timedelta(minutes=i), "view" if i % 2 else "buy",
                 i + 0.5 if i % 2 == 0 else None) for i in range(N_GOOD)]
        with pg.cursor() as cur:
            cur.executemany("INSERT INTO shop_events (user_id, occurred_at, local_time, name, amount) "
                            "VALUES (%s, %s, %s, %s, %s)", rows)
            cur.execute("INSERT INTO shop_events (user_id, occurred_at, local_time, name) "
                        "VALUES (NULL, now(), now(), 'view'), ('u9', now(), now(), '')")
    yield "shop_events"


def test_table_ingest_in_batches(ws: Workspace, pg_url: str, pg_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "BATCH_ROWS", 4)  # 25 rows → 7 batches through the server-side cursor
    report = ingest_events(ws, [pg_url], table=pg_table, columns={"customer_id": "user_id", "ts": "occurred_at",
                                                                   "event": "name", "event_id": "id"},
                           quiet=True, now=NOW)
    assert (report.read, report.stored, report.duplicates) == (N_GOOD + 2, N_GOOD, 0)
    assert report.reasons == {"missing customer id": 1, "empty event name": 1}
    assert query_store(ws, "SELECT count(DISTINCT customer_id), min(ts), max(ts) FROM events") == [
        (5, dt.datetime(2025, 1, 1, 12, 0), dt.datetime(2025, 1, 1, 12, N_GOOD - 1))]
    props = dict(query_store(ws, "SELECT event_id, properties FROM events WHERE event_id IN ('1', '2')"))
    assert props["1"]["amount"] == "0.50" and "amount" not in props["2"]
    assert {q.line for q in list_quarantine(ws)} == {N_GOOD + 1, N_GOOD + 2}
    again = ingest_events(ws, [pg_url], table=pg_table, columns={"customer_id": "user_id", "ts": "occurred_at",
                                                                  "event": "name", "event_id": "id"},
                          quiet=True, now=NOW)
    assert (again.stored, again.duplicates) == (0, N_GOOD)


def test_query_ingest_with_naive_local_times(ws: Workspace, pg_url: str, pg_table: str) -> None:
    query = "SELECT user_id AS customer_id, local_time AS ts, name AS event FROM shop_events WHERE name = 'buy'"
    report = ingest_events(ws, [pg_url], query=query, quiet=True, now=NOW)
    n_buy = sum(1 for i in range(N_GOOD) if i % 2 == 0)
    assert (report.read, report.stored) == (n_buy, n_buy)
    # 13:00 in Amsterdam (winter) is 12:00 UTC.
    assert query_store(ws, "SELECT min(ts) FROM events") == [(dt.datetime(2025, 1, 1, 12, 0),)]


def test_unknown_table_is_a_clear_error(ws: Workspace, pg_url: str) -> None:
    with pytest.raises(JourneymapError, match='relation "no_such_table" does not exist'):
        ingest_events(ws, [pg_url], table="no_such_table", quiet=True, now=NOW)
    assert not store_path(ws).exists()  # a failed first ingest leaves no store behind


def test_refused_connection(ws: Workspace, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://someone:secret@127.0.0.1:{port}/shop"
    res = run_cli("ingest", "events", url, "--table", "events", "-w", str(ws.root), "-q")
    assert res.exit_code == 1
    assert f"cannot connect to PostgreSQL at postgresql://someone:***@127.0.0.1:{port}/shop" in res.stderr
    assert "refused" in res.stderr.lower()
    assert "secret" not in res.output and "Traceback" not in res.output


def test_credentials_in_the_url_are_never_printed_or_stored(ws: Workspace, pg_url: str, pg_table: str,
                                                             run_cli) -> None:  # type: ignore[no-untyped-def]
    # the server trusts local connections, so the password is accepted and ignored: it must still not leak
    sep = "&" if "?" in pg_url else "?"
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:S3CRET@") + f"{sep}password=S3CRET"
    res = run_cli("ingest", "events", url, "--table", pg_table, "-c", "customer_id=user_id,ts=occurred_at,event=name",
                  "-w", str(ws.root))
    assert res.exit_code == 0, res.output
    assert "2 quarantined" in res.output or "quarantined" in res.output
    shown = run_cli("quarantine", "-w", str(ws.root))
    assert shown.exit_code == 0, shown.output
    stored = query_store(ws, "SELECT DISTINCT source_file FROM quarantine")
    assert len(stored) == 1 and "password=***" in stored[0][0]
    for text in (res.output, shown.output, stored[0][0]):
        assert "S3CRET" not in text


def test_database_columns_named_like_ours_are_only_data(ws: Workspace, pg_url: str) -> None:
    query = ("SELECT 'c1' AS customer_id, timestamptz '2025-01-01 10:00+00' AS ts, 'view' AS event, "
             "'x' AS __cust, 7 AS __line, 'y' AS __eid, 'z' AS customer_id")
    report = ingest_events(ws, [pg_url], query=query, quiet=True, now=NOW)
    assert (report.read, report.stored) == (1, 1)
    assert query_store(ws, "SELECT customer_id, event_id <> 'y', properties FROM events") == [
        ("c1", True, {"__cust": "x", "__line": "7", "__eid": "y", "customer_id_1": "z"})]
