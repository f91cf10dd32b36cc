"""The living map end to end: a workspace in memory, events ingested into the real store,
then the overlay, the report and the CLI commands on it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from journeymap.engine.overlay import build_overlay
from journeymap.engine.report import write_report
from journeymap.model.workspace import load_workspace

from .conftest import SHOP_JOURNEY, SHOP_LOG


@pytest.fixture
def shop_ws(make_workspace: Callable[..., Path], tmp_path: Path) -> Path:
    root = make_workspace({
        "journeymap.yaml": "name: Shop\nlanguage: en\n",
        "personas/fan.yaml": """
            id: fan
            name: Fan
            segment:
              all:
                - {property: segment, op: eq, value: fan}
        """,
        "journeys/shop.yaml": yaml.safe_dump({**SHOP_JOURNEY, "personas": ["fan"]}, sort_keys=False),
    })
    lines = ["customer_id,ts,event,channel,segment"]
    for r in SHOP_LOG:
        props = r[4] if len(r) > 4 else {}
        lines.append(f"{r[0]},{r[1]}:00,{r[2]},{r[3]},{props.get('segment', '')}")
    csv = tmp_path / "events.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from journeymap.events.ingest import ingest_events

    ingest_events(load_workspace(root), [csv], quiet=True)
    return root


def test_overlay_on_the_store(shop_ws: Path) -> None:
    ws = load_workspace(shop_ws)
    o = build_overlay(ws, "shop")
    assert (o.customers, o.events) == (4, 15)
    assert o.period == ("2024-01-01", "2024-01-20")
    assert o.steps["product"].reach == 3
    assert o.steps["product"].conversion == pytest.approx(2 / 3)
    assert o.steps["product"].sql and "SELECT" in o.steps["product"].sql
    # drop-off ranking among steps with a designed next step: product and cart (1/3 each)
    assert {s for s, m in o.steps.items() if m.worst_dropoff} == {"product", "cart"}
    # main path: entry ad and landing have one entry each → ad (map order); then product, cart, pay
    assert [f.step for f in o.funnel] == ["ad", "product", "cart", "pay"]
    # only a and d saw the ad; both then go product → cart → pay in order (d on 01-04, within 14 days)
    assert [f.customers for f in o.funnel] == [2, 2, 2, 2]
    assert o.conformance is not None and o.conformance.fitness == pytest.approx(0.7)
    assert o.unmatched_events == [("newsletter_opened", 1)]
    flows = {(f.source, f.target): (f.customers, f.designed) for f in o.stage_flows}
    assert flows[("consider", "buy")] == (3, True) and flows[("aware", "buy")] == (1, False)
    # trend compares the last 4 complete weeks with the 4 before (like with like): 01-01 … 01-20 covers
    # neither, so no step has a trend (it used to compare the two halves of the data)
    assert all(m.trend is None for m in o.steps.values()) and o.trend_periods is None


def test_overlay_for_an_empty_period_says_so(shop_ws: Path) -> None:
    import datetime as dt

    o = build_overlay(load_workspace(shop_ws), "shop", since=dt.date(2030, 1, 1))
    assert o.events == 0 and not o.steps
    assert o.notes == ["no events between 2030-01-01 and the end: the map shows the design only"]


def test_report_is_self_contained(shop_ws: Path, tmp_path: Path) -> None:
    out = write_report(load_workspace(shop_ws), "shop", tmp_path / "out" / "report.html")
    html = out.read_text(encoding="utf-8")
    assert "<iframe" not in html  # the map is a picture in the page, not a page in a frame
    for title in ("Steps", "Funnel along the designed main path", "Designed vs observed", "Attribution"):
        assert f"<h3>{title}</h3>" in html
    # no external resources: nothing is fetched from elsewhere; the full tables travel as data: links
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert 'href="data:text/csv;charset=utf-8;base64,' in html
    assert "SQL behind these figures" in html


def test_cli_analyze_json(shop_ws: Path, run_cli: Callable[..., object]) -> None:
    res = run_cli("analyze", "shop", "-w", str(shop_ws), "--only", "steps,conformance", "--format", "json",
                  "--explain")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    product = next(r for r in data["steps"] if r["step"] == "product")
    assert product["reach"] == 3 and product["conversion"] == pytest.approx(2 / 3)
    assert data["conformance"][0]["fitness"] == pytest.approx(0.7)
    assert "SELECT" in data["sql"]["steps"]


def test_cli_funnel_csv_and_customers(shop_ws: Path, tmp_path: Path, run_cli: Callable[..., object]) -> None:
    people = tmp_path / "people.csv"
    res = run_cli("funnel", "shop", "product", "cart", "pay", "-w", str(shop_ws), "--format", "csv",
                  "--customers", str(people))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("position,step,name,customers")
    assert [ln.split(",")[4] for ln in lines[1:4]] == ["3", "2", "2"]
    rows = people.read_text().splitlines()
    assert rows[0].startswith("customer_id,attempt,level")
    assert [r.split(",")[0] for r in rows[1:]] == ["a", "b", "d"]


@pytest.mark.parametrize(("args", "message"), [
    (["funnel", "shop", "product"], "a funnel needs at least two steps"),
    (["funnel", "shop", "product", "cart", "--window-days", "0"], "--window-days must be positive"),
    (["analyze", "shop", "--since", "yesterday"], "--since 'yesterday' is not a date"),
    (["analyze", "shop", "--only", "stepz"], "unknown analysis 'stepz'; did you mean 'steps'"),
    (["analyze", "shop", "--since", "2030-01-01"],
     "no events between 2030-01-01 and the end: nothing to analyse (the data runs from 2024-01-01 to 2024-01-20)"),
    (["paths", "shop", "--after", "cartt"], "unknown step 'cartt' in journey 'shop'; did you mean 'cart'"),
])
def test_cli_bad_input(shop_ws: Path, run_cli: Callable[..., object], args: list[str], message: str) -> None:
    res = run_cli(*args, "-w", str(shop_ws))
    assert res.exit_code == 1
    assert message in res.stderr
    assert "Traceback" not in res.output


def test_cli_report_and_paths(shop_ws: Path, tmp_path: Path, run_cli: Callable[..., object]) -> None:
    out = tmp_path / "r.html"
    res = run_cli("report", "shop", "-o", str(out), "-w", str(shop_ws), "-q")
    assert res.exit_code == 0 and out.is_file(), res.output
    res = run_cli("paths", "shop", "-w", str(shop_ws), "--format", "csv", "--top", "1")
    assert res.exit_code == 0, res.output
    assert "product,cart,3,3" in res.stdout


def test_cli_analyze_csv_of_several_analyses_is_one_table_pandas_reads(shop_ws: Path,
                                                                       run_cli: Callable[..., object]) -> None:
    import io

    import pandas as pd

    res = run_cli("analyze", "shop", "-w", str(shop_ws), "--only", "steps,transitions,conformance", "-f", "csv")
    assert res.exit_code == 0, res.output
    data = json.loads(run_cli("analyze", "shop", "-w", str(shop_ws), "--only", "steps,transitions,conformance",
                              "-f", "json").stdout)
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df.columns[0] == "analysis" and list(df["analysis"].unique()) == ["steps", "transitions", "conformance"]
    for name, rows in data.items():
        part = df[df.analysis == name].dropna(axis=1, how="all")
        assert len(part) == len(rows), name
        assert set(rows[0]) - {"never_seen"} <= set(part.columns) | {k for k, v in rows[0].items() if v is None}
    steps = df[df.analysis == "steps"].set_index("step")
    assert steps.loc["product", "reach"] == 3  # as in test_cli_analyze_json
    assert steps.loc["product", "conversion"] == pytest.approx(2 / 3)


def test_cli_one_way_to_say_things(shop_ws: Path, tmp_path: Path, run_cli: Callable[..., object]) -> None:
    """--format json on commands that had none, -q that silences the chatter, unknown formats named."""
    status = run_cli("status", "-w", str(shop_ws), "--format", "json")
    assert status.exit_code == 0 and json.loads(status.stdout)["events"] == len(SHOP_LOG)
    checked = run_cli("validate", str(shop_ws), "-f", "json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["errors"] == 0
    quiet = run_cli("report", "shop", "-w", str(shop_ws), "-o", str(tmp_path / "r.html"), "-q")
    assert quiet.exit_code == 0 and quiet.stdout == "" and (tmp_path / "r.html").is_file()
    loud = run_cli("report", "shop", "-w", str(shop_ws), "-o", str(tmp_path / "r2.html"))
    assert "Wrote " in loud.stdout
    bad = run_cli("status", "-w", str(shop_ws), "--format", "xml")
    assert bad.exit_code == 1 and "unknown format 'xml'; expected one of: csv, json, table" in bad.stderr
    text = run_cli("sentiment", "Nooit teruggebeld, waardeloos", "-f", "csv")
    assert text.exit_code == 0 and text.stdout.splitlines()[0].startswith("text,label,score")
    old = run_cli("sentiment", "Nooit teruggebeld, waardeloos", "--json")  # the deprecated flag still works
    assert old.exit_code == 0 and json.loads(old.stdout)[0]["label"] == "negative"
