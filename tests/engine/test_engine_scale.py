"""Scale out without code: the same commands on the DuckDB store and on a local PySpark session.

Workspace ``duck`` ingests a log into its store. Workspace ``spark`` has the same journey and
``events.source: {kind: pyspark, path: events.parquet}``, where ``events.parquet`` holds the store's
``events`` (the event layout of docs/scale.md), written by DuckDB. The CLI runs each command in both, and
their outputs must be identical: every number, every row, the rendered Markdown map (the plans differ,
and say so: the journey index on DuckDB, expressions on Spark).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeymap.api import ingest_events
from journeymap.events.store import store_path
from journeymap.model.workspace import load_workspace

from .conftest import SHOP_JOURNEY, SPARK_EVENTS, export_parquet, ibis_events, shop_log_csv, write_workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, spark_session: Any) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("scale")
    duck = write_workspace(base / "duck", SHOP_JOURNEY, name="Shop")
    ingest_events([shop_log_csv(base / "log.csv")], duck)
    spark = write_workspace(base / "spark", SHOP_JOURNEY, name="Shop", settings=SPARK_EVENTS)
    export_parquet(duck, spark / "events.parquet")
    return duck, spark


def _both(pair: tuple[Path, Path], run_cli: Callable[..., Any], *args: str) -> tuple[str, str]:
    out = []
    for ws in pair:
        res = run_cli(*[a.replace("{ws}", str(ws)) for a in args], "-w", str(ws))
        assert res.exit_code == 0, res.output
        out.append(res.stdout)
    return out[0], out[1]


def _numbers(text: str) -> Any:
    data = json.loads(text)
    data.pop("sql", None)
    data.pop("plan", None)
    return data


def test_analyze_is_the_same_on_spark(pair: tuple[Path, Path], run_cli: Callable[..., Any]) -> None:
    duck, spark = _both(pair, run_cli, "analyze", "shop", "--format", "json")
    a, b = _numbers(duck), _numbers(spark)
    assert set(a) == {"steps", "stages", "funnel", "transitions", "variants", "conformance", "undesigned",
                      "skipped", "unmatched", "personas", "retention", "lifecycle", "attribution"}
    assert a == b, _diff(a, b)
    steps = {r["step"]: r for r in a["steps"]}
    assert steps["product"]["reach"] == 3 and steps["chat"]["reach"] == 0  # figures by hand: tests/engine/conftest


@pytest.mark.parametrize("args", [
    ("funnel", "shop", "landing", "product", "cart", "--format", "json"),
    ("funnel", "shop", "ad", "product", "cart", "pay", "--mode", "strict", "--format", "json"),
    ("paths", "shop", "--format", "json"),
    ("paths", "shop", "--level", "event", "--keep-repeats", "--all", "--format", "json"),
    ("paths", "shop", "--after", "product", "--format", "json"),
])
def test_commands_are_the_same_on_spark(pair: tuple[Path, Path], run_cli: Callable[..., Any],
                                        args: tuple[str, ...]) -> None:
    duck, spark = _both(pair, run_cli, *args)
    assert _numbers(duck) == _numbers(spark)
    assert any(_numbers(duck).values())


def test_the_living_map_is_the_same_on_spark(pair: tuple[Path, Path], run_cli: Callable[..., Any],
                                             tmp_path: Path) -> None:
    maps = []
    for ws, name in zip(pair, ("duck", "spark"), strict=True):
        out = tmp_path / f"{name}.md"
        res = run_cli("render", str(ws / "journeys" / "shop.yaml"), "--with-data", "-o", str(out))
        assert res.exit_code == 0, res.output
        maps.append(out.read_text(encoding="utf-8"))
    assert maps[0] == maps[1]
    assert "3" in maps[0]  # the measured section is there (product's reach)


def test_the_plan_says_where_it_ran(pair: tuple[Path, Path], run_cli: Callable[..., Any]) -> None:
    duck, spark = _both(pair, run_cli, "analyze", "shop", "--only", "steps", "--format", "json", "--explain")
    assert any("journey index" in line for line in json.loads(duck)["plan"])
    plan = json.loads(spark)["plan"]
    assert any("Spark" in line for line in plan) and any("expressions on the events" in line for line in plan)


def _diff(a: Any, b: Any) -> list[str]:
    out = []
    for k in a:
        if a[k] != b.get(k):
            out.append(f"{k}: {a[k]} != {b.get(k)}")
    return out


@pytest.fixture(scope="module")
def pg_pair(pair: tuple[Path, Path], pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The duck workspace, and one whose events are a PostgreSQL table (properties as JSONB) read through Ibis."""
    import psycopg

    duck = pair[0]
    con = duckdb.connect(str(store_path(load_workspace(duck))), read_only=True)
    rows = con.execute("SELECT customer_id, ts, event, channel, source, anonymous_id, raw_customer_id, event_id, seq, "
                       "map_keys(properties), map_values(properties) FROM events").fetchall()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS scale_events")
        pg.execute("CREATE TABLE scale_events (customer_id text, ts timestamp, event text, channel text, source text, "
                   "anonymous_id text, raw_customer_id text, event_id text, seq bigint, properties jsonb)")
        with pg.cursor() as cur:
            for r in rows:
                cur.execute("INSERT INTO scale_events VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
                            (*r[:9], json.dumps(dict(zip(r[9], r[10], strict=True)))))
    ws = write_workspace(tmp_path_factory.mktemp("pg") / "pg", SHOP_JOURNEY, name="Shop",
                         settings=ibis_events(pg_url, "scale_events"))
    return duck, ws


@pytest.mark.postgres
@pytest.mark.parametrize("args", [
    ("analyze", "shop", "--format", "json"),
    ("funnel", "shop", "landing", "product", "cart", "--format", "json"),
    ("funnel", "shop", "ad", "product", "cart", "--by", "property:segment", "--format", "json"),
    ("paths", "shop", "--format", "json"),
    ("paths", "shop", "--level", "event", "--keep-repeats", "--all", "--format", "json"),
])
def test_commands_are_the_same_on_postgresql(pg_pair: tuple[Path, Path], run_cli: Callable[..., Any],
                                             args: tuple[str, ...]) -> None:
    duck, pg = _both(pg_pair, run_cli, *args)
    assert _numbers(duck) == _numbers(pg), _diff(_numbers(duck), _numbers(pg))
    assert any(_numbers(duck).values())


@pytest.fixture(scope="module")
def findings_trio(tmp_path_factory: pytest.TempPathFactory, spark_session: Any,
                  request: pytest.FixtureRequest) -> dict[str, Path]:
    """A generated log with planted effects (events.synthetic) in the store, as Parquet for PySpark and, when a
    PostgreSQL server is there, as a table read through Ibis: three workspaces, one journey."""
    from journeymap.events.synthetic import JOURNEY, generate, scenario

    base = tmp_path_factory.mktemp("findings-scale")
    df = generate(6_000, seed=11, plants=scenario())
    log = base / "log.csv"
    df.assign(ts=df["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(log, index=False)
    out = {"duck": write_workspace(base / "duck", JOURNEY, name="Plant"),
           "spark": write_workspace(base / "spark", JOURNEY, name="Plant", settings=SPARK_EVENTS)}
    ingest_events([log], out["duck"])
    export_parquet(out["duck"], out["spark"] / "events.parquet")
    return out


def _findings(ws: Path, run_cli: Callable[..., Any]) -> list[dict[str, Any]]:
    res = run_cli("findings", "plant", "-w", str(ws), "--all", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    # the same finding on another engine: the same kind, step, segment, window and counts; the p-values agree to
    # floating-point rounding (sums in another order)
    return [{**{k: r[k] for k in ("kind", "title", "metric", "steps", "events", "segment", "period", "customers")},
             "q": float(f"{r['q_value']:.6g}") if r["q_value"] is not None else None} for r in rows]


def test_findings_are_the_same_on_spark(findings_trio: dict[str, Path], run_cli: Callable[..., Any]) -> None:
    duck = _findings(findings_trio["duck"], run_cli)
    assert len(duck) >= 3 and {f["kind"] for f in duck} >= {"change", "segment"}
    assert _findings(findings_trio["spark"], run_cli) == duck


@pytest.mark.postgres
def test_findings_are_the_same_on_postgresql(findings_trio: dict[str, Path], run_cli: Callable[..., Any],
                                             pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from journeymap.events.synthetic import JOURNEY

    con = duckdb.connect(str(store_path(load_workspace(findings_trio["duck"]))), read_only=True)
    rows = con.execute("SELECT customer_id, ts, event, channel, source, anonymous_id, raw_customer_id, event_id, seq, "
                       "to_json(map_from_entries(list_zip(map_keys(properties), map_values(properties))))::VARCHAR "
                       "FROM events").fetchall()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS plant_events")
        pg.execute("CREATE TABLE plant_events (customer_id text, ts timestamp, event text, channel text, source text, "
                   "anonymous_id text, raw_customer_id text, event_id text, seq bigint, properties jsonb)")
        with pg.cursor() as cur, cur.copy("COPY plant_events FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
    ws = write_workspace(tmp_path / "pg", JOURNEY, name="Plant", settings=ibis_events(pg_url, "plant_events"))
    assert _findings(ws, run_cli) == _findings(findings_trio["duck"], run_cli)
