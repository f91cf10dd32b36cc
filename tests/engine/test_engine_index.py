"""The journey index (engine.index): the same numbers as the expressions on the events, never stale.

Each test ingests a log into a real store, then runs the analyses twice on fresh
connections: once through a source that reads the relations from the index (built by the
ingest and on a journey's first use, in ``data/cache``) and once through a source with the
index switched off, which runs the relations' Ibis expressions on the events themselves
(those are checked against hand-computed figures in the other engine tests). Each run asserts
from the source's plan which way it went; both must agree to the last digit. A few figures are
also checked by hand here.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from journeymap.api import ingest_events as api_ingest_events
from journeymap.engine import index as I
from journeymap.engine.funnel import funnel, funnel_customers
from journeymap.engine.source import EXPRESSIONS, INDEX, EventSource
from journeymap.engine.steps import step_metrics
from journeymap.engine.transitions import transitions
from journeymap.events.ingest import ingest_events
from journeymap.events.store import connect, open_events
from journeymap.model.workspace import load_workspace

from .conftest import SHOP_JOURNEY, SHOP_LOG

EVENTS = ["ad_click", "landing_page", "landing_blog", "product_view", "add_to_cart", "payment",
          "newsletter_opened", "chat_started"]
CHANNELS = ["web", "social", "email", "search", ""]


def _random_rows(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """Many customers with repeats, loops, equal timestamps (source order decides), empty channels."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        customer = f"r{rng.randint(1, 60):03d}"
        day = rng.choice([1, 2, 3, 9, 20, 21])
        ts = f"2024-02-{day:02d} 10:{rng.randint(0, 5):02d}:00"
        rows.append((customer, ts, rng.choice(EVENTS), rng.choice(CHANNELS)))
    return rows


def _write_log(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["customer_id,ts,event,channel"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _shop_rows() -> list[tuple[str, str, str, str]]:
    return [(r[0], f"{r[1]}:00", r[2], r[3]) for r in SHOP_LOG]


@pytest.fixture
def store(make_workspace: Callable[..., Path], tmp_path: Path) -> Path:
    journey = {**SHOP_JOURNEY}
    # a channel-bound step, so the lookup by (event, channel) pair is exercised
    journey["steps"] = [*SHOP_JOURNEY["steps"][:-1],
                        {"id": "mail", "name": "Reads mail", "stage": "buy", "channel": "email",
                         "binding": {"events": ["newsletter_*"], "channel": "email"}, "next": ["pay"],
                         "entry": True},
                        SHOP_JOURNEY["steps"][-1]]
    root = make_workspace({
        "journeymap.yaml": "name: Shop\nlanguage: en\ntimezone: UTC\n",
        "journeys/shop.yaml": yaml.safe_dump(journey, sort_keys=False),
    })
    log = _write_log(tmp_path / "events.csv", _shop_rows() + _random_rows(900, seed=5))
    api_ingest_events([log], root)
    return root


def _run(root: Path, what: Callable[[Any, Any], pd.DataFrame], *, use_index: bool,
         plan: str = "journey shop:") -> pd.DataFrame:
    """``what(journey, source)`` on a fresh read-only connection, the plan checked to be the one asked for."""
    ws = load_workspace(root)
    con = connect(ws)
    try:
        source = EventSource(open_events(ws, con), use_index=use_index)
        out = what(ws.journey("shop"), source)
        journey_plan = [p for p in source.plan if p.startswith(plan)]
        assert journey_plan, source.plan
        assert (EXPRESSIONS not in journey_plan[0]) == use_index, source.plan
        return out
    finally:
        con.disconnect()


def _both(root: Path, what: Callable[[Any, Any], pd.DataFrame],
          plan: str = "journey shop:") -> tuple[pd.DataFrame, pd.DataFrame]:
    fast = _run(root, what, use_index=True, plan=plan)
    slow = _run(root, what, use_index=False, plan=plan)
    return fast, slow


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow.reset_index(drop=True), check_dtype=False)


def test_the_index_is_written_by_the_ingest_and_on_first_use(store: Path) -> None:
    ws = load_workspace(store)
    folders = list((store / "data" / "cache").iterdir())
    assert len(folders) == 1  # the ingest wrote the events part, and the findings' tables that need no journey
    written = sorted(p.name for p in folders[0].iterdir() if not p.name.startswith(".") and p.is_file())
    events_part = I.StoreIndex(folders[0], folders[0].name).path.name
    findings = [n for n in written if n.startswith(events_part.removesuffix(".duckdb") + "-findings-")]
    assert sorted([events_part, *findings]) == written
    assert {n.split("-findings-")[1].split("-")[0].removesuffix(".duckdb") for n in findings} == {
        "eventdays", "eventtotals", "segments"}
    con = connect(ws)
    source = EventSource(open_events(ws, con))
    rel = source.journey(ws.journey("shop"))
    assert rel.how == INDEX
    folder = folders[0] / f"journey-{I.journey_key(ws.journey('shop'))}"
    assert sorted(p.name for p in folder.iterdir()) == ["prep.duckdb"]  # parts are written on first use
    rel.summary("step").count().execute()
    assert sorted(p.name for p in folder.iterdir()) == ["prep.duckdb", "step.duckdb"]
    step_metrics(ws.journey("shop"), source)  # keeps its result; the sequences wait for a funnel
    assert sorted(p.name for p in folder.iterdir()) == ["metrics-step-w1209600.duckdb", "prep.duckdb", "step.duckdb"]
    assert any("every relation from the journey index" in line for line in source.plan)
    # every matched event is in it, in journey order
    prep = rel.matched.execute()
    # (identical rows are one event: ingest deduplicates them)
    assert len(prep) == len({r for r in _shop_rows() + _random_rows(900, 5) if _matches(r)})
    assert list(prep.sort_values(["customer_id", "ts", "seq"], kind="stable").seq) == list(prep.seq)
    con.disconnect()


def _matches(r: tuple[str, str, str, str]) -> bool:
    """The shop journey's bindings, by hand (first match wins; ``mail`` wants the email channel)."""
    event, channel = r[2], r[3]
    return (event in ("ad_click", "product_view", "chat_started", "add_to_cart", "payment")
            or event.startswith("landing_") or (event == "newsletter_opened" and channel == "email"))


@pytest.mark.parametrize("window", [None, dt.timedelta(days=1), 60.0, dt.timedelta(days=18)])
def test_step_metrics_equal(store: Path, window: Any) -> None:
    fast, slow = _both(store, lambda j, t: step_metrics(j, t, window=window))
    _same(fast, slow)
    assert fast["reach"].sum() > 0 and fast["conversion"].notna().any()


def test_step_metrics_by_hand_on_the_shop_log(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace({"journeymap.yaml": "name: Shop\nlanguage: en\n",
                           "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY, sort_keys=False)})
    ingest_events(load_workspace(root), [_write_log(tmp_path / "shop.csv", _shop_rows())], quiet=True)
    fast, slow = _both(root, lambda j, t: step_metrics(j, t))
    _same(fast, slow)
    m = fast.set_index("step")
    # visits: a: ad, product, cart, pay · b: landing, product, cart · d: product, ad, cart, product, cart, pay
    assert m.loc["product", "reach"] == 3 and m.loc["product", "events"] == 5 and m.loc["product", "visits"] == 4
    assert m.loc["product", "revisits"] == 1 and m.loc["product", "revisit_share"] == pytest.approx(1 / 3)  # d
    assert m.loc["product", "conversion"] == pytest.approx(2 / 3)  # a, d to cart in time; b after 18 days
    assert m.loc["cart", "dropoff"] == pytest.approx(1 / 3)  # b's journey ends at the cart
    assert m.loc["product", "entries"] == 1 and m.loc["pay", "exits"] == 2
    assert m.loc["chat", "reach"] == 0  # assumed, not real
    # a: 10:05→10:20 leaves product at 10:06 → 14 min; b: 09:10→01-20 09:10; d: 09:00→09:01, 09:02→09:03
    assert m.loc["product", "median_seconds"] == pytest.approx((60 + 840) / 2)


@pytest.mark.parametrize(("steps", "kwargs"), [
    (["landing", "product", "cart", "pay"], {}),
    (["ad", "product", "cart", "pay"], {"window": dt.timedelta(days=1)}),
    (["product", "cart", "product", "cart", "pay"], {}),
    (["product", "cart", "pay"], {"exclude": ["ad"]}),
    (["ad", "cart"], {"window": 30.0}),
    (["mail", "pay"], {"window": dt.timedelta(days=30)}),
])
def test_funnels_equal(store: Path, steps: list[str], kwargs: dict[str, Any]) -> None:
    fast, slow = _both(store, lambda j, t: funnel(j, t, steps, **kwargs))
    _same(fast, slow)
    people_fast, people_slow = _both(store, lambda j, t: funnel_customers(j, t, steps, **kwargs))
    _same(people_fast.sort_values("customer_id"), people_slow.sort_values("customer_id"))
    assert fast["customers"].iloc[0] > 0


def test_funnel_by_hand(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace({"journeymap.yaml": "name: Shop\nlanguage: en\n",
                           "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY, sort_keys=False)})
    ingest_events(load_workspace(root), [_write_log(tmp_path / "shop.csv", _shop_rows())], quiet=True)
    # landing → product → cart: only b enters; its cart comes 18 days later (outside 14 days, inside 20)
    f14 = _run(root, lambda j, t: funnel(j, t, ["landing", "product", "cart"]), use_index=True)
    assert list(f14["customers"]) == [1, 1, 0]
    f20 = _run(root, lambda j, t: funnel(j, t, ["landing", "product", "cart"], window=dt.timedelta(days=20)),
               use_index=True)
    assert list(f20["customers"]) == [1, 1, 1]
    assert f20["median_seconds_to_convert"].iloc[-1] == pytest.approx(18 * 86400 + 600)


@pytest.mark.parametrize(("detail", "collapse"), [(False, False), (True, False), (True, True), (False, True)])
def test_event_transitions_equal(store: Path, detail: bool, collapse: bool) -> None:
    fast, slow = _both(store, lambda j, t: transitions(j, t, level="event", detail=detail,
                                                       collapse_repeats=collapse), plan="event units:")
    _same(fast, slow)
    assert fast["count"].sum() > 0


def test_a_new_ingest_gives_a_new_index(store: Path, tmp_path: Path) -> None:
    before = _run(store, lambda j, t: step_metrics(j, t), use_index=True)
    old = {p.name for p in (store / "data" / "cache").iterdir()}
    more = _write_log(tmp_path / "more.csv", [("new1", "2024-03-01 10:00:00", "product_view", "web"),
                                              ("new1", "2024-03-01 10:05:00", "add_to_cart", "web")])
    ingest_events(load_workspace(store), [more], quiet=True)
    after, slow = _both(store, lambda j, t: step_metrics(j, t))
    _same(after, slow)
    b, a = before.set_index("step"), after.set_index("step")
    assert a.loc["product", "reach"] == b.loc["product", "reach"] + 1
    assert a.loc["cart", "reach"] == b.loc["cart", "reach"] + 1
    new = {p.name for p in (store / "data" / "cache").iterdir()}
    assert new.isdisjoint(old) and len(new) == 1  # the old generation's folder is gone


def test_a_changed_binding_gives_a_new_journey_index(store: Path) -> None:
    before = _run(store, lambda j, t: step_metrics(j, t), use_index=True)
    path = store / "journeys" / "shop.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for s in doc["steps"]:
        if s["id"] == "landing":
            s["binding"] = {"events": ["landing_page"]}  # no longer landing_blog
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    after, slow = _both(store, lambda j, t: step_metrics(j, t))
    _same(after, slow)
    assert after.set_index("step").loc["landing", "events"] < before.set_index("step").loc["landing", "events"]
    folders = [p.name for p in next((store / "data" / "cache").iterdir()).iterdir() if p.name.startswith("journey-")]
    assert len(folders) == 2


def test_where_not_to_use_it(store: Path) -> None:
    ws = load_workspace(store)
    con = connect(ws)
    events = open_events(ws, con)
    journey = ws.journey("shop")
    # a binding that filters on a property: the events are read directly, and the plan says why
    where = journey.model_copy(deep=True)
    assert where.steps[0].binding is not None
    where.steps[0].binding.where = [yaml_condition()]
    source = EventSource(events)
    assert source.journey(where).how == EXPRESSIONS
    assert any("filters on properties" in line for line in source.plan)
    assert source.journey(journey).how == INDEX
    # a period: the matched events come from the index, the rest is computed for the period
    period = EventSource(events, since=dt.datetime(2024, 2, 3))
    rel = period.journey(journey)
    assert rel.how == INDEX and rel.stored is None
    assert any("the rest computed for the period" in line for line in period.plan)
    # any other table: expressions
    other = EventSource(events.filter(events.ts > dt.datetime(2000, 1, 1)))
    assert other.index is None and other.journey(journey).how == EXPRESSIONS
    con.disconnect()


@pytest.mark.parametrize("since", [dt.datetime(2024, 2, 3), dt.datetime(2024, 2, 20)])
def test_a_period_gives_the_same_numbers_both_ways(store: Path, since: dt.datetime) -> None:
    fast, slow = _both(store, lambda j, t: step_metrics(j, t.period(since, None)))
    _same(fast, slow)
    whole = _run(store, lambda j, t: step_metrics(j, t), use_index=True)
    assert fast["events"].sum() < whole["events"].sum()


def yaml_condition() -> Any:
    from journeymap.model.types import Condition

    return Condition.model_validate({"property": "segment", "op": "eq", "value": "fan"})


def test_an_unwritable_cache_falls_back(store: Path) -> None:
    shutil.rmtree(store / "data" / "cache")
    (store / "data" / "cache").write_text("not a folder", encoding="utf-8")  # mkdir under it fails
    ws = load_workspace(store)
    con = connect(ws)
    source = EventSource(open_events(ws, con))
    fast = step_metrics(ws.journey("shop"), source)
    assert source.index is None and any("could not be written" in line for line in source.plan)
    con.disconnect()
    slow = _run(store, lambda j, t: step_metrics(j, t), use_index=False)
    _same(fast, slow)


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "x.duckdb"
    with pytest.raises(RuntimeError), I._writing(target, {}) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        raise RuntimeError("killed half-way")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []
    with I._writing(target, {}) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert target.is_file() and [p.name for p in target.parent.iterdir()] == ["x.duckdb"]


@pytest.mark.parametrize("level", ["step", "stage"])
def test_step_and_stage_transitions_equal(store: Path, level: str) -> None:
    fast, slow = _both(store, lambda j, t: transitions(j, t, level=level))
    _same(fast, slow)
    assert fast["designed"].any() and not fast["designed"].all()


def test_conformance_equal(store: Path) -> None:
    from journeymap.engine.conformance import conformance_tables

    def tables(j: Any, t: Any) -> pd.DataFrame:
        tabs = conformance_tables(j, t)
        entries = tabs["entries"].sort_values("step").reset_index(drop=True)
        return pd.concat({"summary": tabs["summary"], "entries": entries, "skipped": tabs["skipped"]}, axis=1)

    fast, slow = _both(store, tables)
    _same(fast, slow)
    s = fast["summary"].iloc[0]
    assert 0 < s["following_design"] < s["customers"]


def test_conformance_by_hand(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    from journeymap.engine.conformance import conformance_tables

    root = make_workspace({"journeymap.yaml": "name: Shop\nlanguage: en\n",
                           "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY, sort_keys=False)})
    ingest_events(load_workspace(root), [_write_log(tmp_path / "shop.csv", _shop_rows())], quiet=True)
    tabs = _run(root, lambda j, t: conformance_tables(j, t), use_index=True)  # type: ignore[arg-type,return-value]
    s = tabs["summary"].iloc[0]  # type: ignore[index]
    # a follows the design; b enters at landing and goes product → cart (designed); d enters at product
    # (not an entry step) and goes back from cart to product: 3 customers on the map, 2 following
    assert (s["customers"], s["following_design"]) == (3, 2)
    entries = tabs["entries"].set_index("step")["customers"].to_dict()  # type: ignore[index]
    assert entries == {"ad": 1, "landing": 1, "product": 1}


def test_a_store_without_channels(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    """No channel anywhere: one lookup position per event name (``ch`` is NULL on every row)."""
    root = make_workspace({"journeymap.yaml": "name: Shop\nlanguage: en\n",
                           "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY, sort_keys=False)})
    rows = [(c, ts, event, "") for c, ts, event, _ch in _shop_rows() + _random_rows(300, seed=9)]
    ingest_events(load_workspace(root), [_write_log(tmp_path / "plain.csv", rows)], quiet=True)
    fast, slow = _both(root, lambda j, t: step_metrics(j, t))
    _same(fast, slow)
    assert fast.set_index("step").loc["product", "reach"] > 0


def test_threads_that_keep_the_same_result_at_once_get_it_whole(store: Path) -> None:
    """The web app answers requests in threads, each on its own connection to the store; they share one DuckDB
    instance, so its attached files. Two threads writing the same kept file at once wrote into each other's
    half-built file (the same attach name), and a detach left the tables in the write-ahead log, which was then
    deleted: a kept file without its table, a 500 in the browser test."""
    import threading

    funnels = [["landing", "product", "cart", "pay"][: 2 + i % 3] + ["pay"] * (i // 3) for i in range(9)]
    expected = [_run(store, lambda j, src, s=s: funnel(j, src, s), use_index=False) for s in funnels]

    def one_round() -> tuple[list[BaseException], dict[tuple[int, int], pd.DataFrame]]:
        errors: list[BaseException] = []
        results: dict[tuple[int, int], pd.DataFrame] = {}
        barrier = threading.Barrier(3)

        def work(worker: int) -> None:
            try:
                barrier.wait()
                for i, steps in enumerate(funnels):
                    results[(worker, i)] = _run(store, lambda j, src, s=steps: funnel(j, src, s), use_index=True)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return errors, results

    for rounds in range(4):
        # rounds 0 and 2: the journey's whole index anew (its parts: matched events, steps, sequences); 1 and 3:
        # only the kept funnels
        for kept in (store / "data" / "cache").rglob("journey-*/*.duckdb"):
            if rounds % 2 == 0 or kept.name.startswith("funnel"):
                kept.unlink()
        errors, results = one_round()
        assert errors == [], (rounds, errors)
        for (_, i), got in results.items():
            _same(got, expected[i])
        assert len(results) == 3 * len(funnels)


@pytest.mark.parametrize("moves", [[], [(0, 1)], [(0, 1), (1, 2), (2, 3), (3, 0), (4, 4)],
                                   [(i, j) for i in range(12) for j in range(12)]])
def test_the_summary_from_the_visits_is_the_summary_from_the_events(store: Path, moves: list[tuple[int, int]]) -> None:
    """The step summary for other moves (a goal's progress moves) is taken from the kept visits; it must equal
    the summary over every event with those moves (the definition), on the events and on the index alike."""
    from journeymap.engine import relations as R

    def by_visits(j: Any, src: Any) -> pd.DataFrame:
        rel = src.journey(j)
        out = R.summary_from_visits(rel.visits("step"), rel.summary("step"), moves).execute()
        return out.sort_values(["cust", "u"]).reset_index(drop=True)

    def by_events(j: Any, src: Any) -> pd.DataFrame:
        out = R.summary(src.journey(j).neighbours("step"), moves).execute()
        return out.sort_values(["cust", "u"]).reset_index(drop=True)

    for use_index in (True, False):  # (the index keys customers by number, the events by their id)
        expected = _run(store, by_events, use_index=use_index)
        _same(_run(store, by_visits, use_index=use_index), expected)
        assert len(expected) > 100
        if not moves:  # no designed move: no designed gap, every move to a next step undesigned
            assert expected["min_designed_gap"].isna().all() and expected["n_undesigned"].sum() > 0
        if len(moves) == 144:  # every move designed (the journey has fewer than 12 steps)
            assert expected["n_undesigned"].sum() == 0 and expected["min_designed_gap"].notna().any()


def test_analyze_computes_the_step_graph_only_for_what_needs_it(store: Path) -> None:
    """``analyze --only steps`` after an ingest writes the step parts and the metrics, not the step graph (a pass of
    its own, needed by the main path, so by the funnel, the transitions and the attribution)."""
    from journeymap import api

    folder = next((store / "data" / "cache").iterdir()) / f"journey-{I.journey_key(load_workspace(store).journey('shop'))}"

    def graphs() -> list[str]:
        return sorted(p.name for p in folder.iterdir() if p.name.startswith("graph-step"))

    steps = api.analyze("shop", store, only=["steps"])
    assert list(steps) == ["steps"] and graphs() == []
    with_funnel = api.analyze("shop", store, only=["steps", "funnel"])
    assert list(with_funnel) == ["steps", "funnel"] and graphs() != []
    _same(with_funnel["steps"], steps["steps"])
    assert list(with_funnel["funnel"]["step"])[0] in {s.id for s in load_workspace(store).journey("shop").steps}


def test_a_part_that_could_not_be_written_whole_is_built_again(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When other transactions keep a new file's tables in its log (``compile.checkpoint`` gives up), nothing is
    renamed into place: a journey part is built again, a kept result computed without being kept."""
    from journeymap.engine import compile as C

    for kept in (store / "data" / "cache").rglob("journey-*/*.duckdb"):
        kept.unlink()
    refusals = {"left": 2}
    real = C.checkpoint

    def busy_twice(raw: Any, alias: str, **kw: Any) -> bool:
        if refusals["left"]:
            refusals["left"] -= 1
            return False
        return real(raw, alias, **kw)

    monkeypatch.setattr(C, "checkpoint", busy_twice)
    fast = _run(store, lambda j, src: step_metrics(j, src), use_index=True)
    monkeypatch.setattr(C, "checkpoint", real)
    _same(fast, _run(store, lambda j, src: step_metrics(j, src), use_index=False))
    assert refusals["left"] == 0
    folder = next((store / "data" / "cache").glob("*/journey-*"))
    assert {"prep.duckdb", "step.duckdb"} <= {p.name for p in folder.iterdir()}
    assert not list(folder.glob(".building-*"))
