"""The journey report: findings first, charts, short formatted tables with the full data as CSV, HTML and PDF.

The pure parts (what needs attention, conversion per period) are checked against figures worked out by hand;
the report itself against the analyses computed independently through the API.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from journeymap import api
from journeymap.engine.attention import FeedbackFigures, needs_attention
from journeymap.engine.report import conversion_points, render_report, write_report
from journeymap.model.workspace import Workspace
from journeymap.results import Conformance, MapOverlay, StepMetrics
from journeymap.voc.metrics import nps, rows_from_counts

# --- what needs attention, by hand ------------------------------------------------------------------------------


def _nps_row(step: str | None, promoters: int, passives: int, detractors: int) -> dict[str, object]:
    n = promoters + passives + detractors
    return {"metric": "nps", "grp": step, "n": n, "promoters": promoters, "passives": passives,
            "detractors": detractors, "top2": promoters, "total": 0.0, "total_sq": 0.0}


def test_needs_attention_by_hand() -> None:
    journey = SimpleNamespace(steps=[SimpleNamespace(id=i, name=n) for i, n in
                                     (("a", "Looks"), ("b", "Buys"), ("c", "Returns"))])
    overlay = MapOverlay(customers=200, events=1000, steps={
        "a": StepMetrics(reach=100, events=500, dropoff=0.5, conversion=0.4, worst_dropoff=True),
        "b": StepMetrics(reach=50, events=300, dropoff=0.2, conversion=0.7, worst_dropoff=True),
        "c": StepMetrics(reach=10, events=0, dropoff=0.9),  # not among the worst: no finding
    }, conformance=Conformance(0.5, 0.8, never_seen_steps=["c"]), unmatched_events=[("newsletter", 150)])
    frames = {
        "undesigned": pd.DataFrame({"source": ["b", "a"], "target": ["a", "c"], "count": [30, 1],
                                    "customers": [25, 1]}),  # 25/200 = 12.5 %: high; 1/200 under 1 %: none
        "personas": pd.DataFrame({"persona": ["nobody", "everybody"], "customers": [0, 196]}),
    }
    feedback = FeedbackFigures(
        overall=rows_from_counts([_nps_row(None, 9, 6, 5)]),                     # NPS +20
        by_step=rows_from_counts([_nps_row("a", 10, 16, 14), _nps_row("b", 20, 12, 8)]),  # -10 and +30
        by_period=[])
    found = needs_attention(journey, overlay, frames, feedback, "en")
    assert [(f.kind, f.severity) for f in found] == [
        ("dropoff", "high"),      # 50 % of 100: 50 customers
        ("nps-step", "high"),     # NPS -10 at Looks, 40 answers
        ("undesigned", "high"),   # 25 customers
        ("never-seen", "high"),
        ("dropoff", "medium"),    # 20 % of 50: 10 customers
        ("nps", "medium"),        # +20: below 30
        ("persona", "medium"),    # matches nobody
        ("unmatched", "low"),     # 1000 − (500 + 300 + 0) = 200 events, 20 % of all
        ("persona", "low"),       # 196 of 200 = 98 %
    ]
    by_kind = {f.kind + f.severity: f for f in found}
    assert by_kind["dropoffhigh"].title == "50% of the customers at 'Looks' go no further"
    assert by_kind["dropoffhigh"].detail == ("50 of 100 customers drop off here (conversion, a step toward the goal "
                                             "within the window: 40%).")
    assert by_kind["undesignedhigh"].title == "25 customers go from 'Buys' to 'Looks', which the map does not design"
    assert "30 times in the data; 20% of all observed transitions" in by_kind["undesignedhigh"].detail
    iv = nps(9, 6, 5).interval  # the adjusted Wald interval worked out in tests/voc/test_voc_metrics.py
    assert iv is not None and (round(iv.low), round(iv.high)) == (-15, 50)
    assert by_kind["npsmedium"].title == "NPS is +20 (\u221215 to +50, 20 answers)"  # a real minus sign
    assert by_kind["npsmedium"].detail == "5 detractors (0–6) against 9 promoters (9–10)."
    assert by_kind["nps-stephigh"].title == "'Looks' scores lowest: NPS −10 (40 answers)"
    assert by_kind["never-seenhigh"].title == "1 steps of the map never occur in the data: 'Returns'"
    assert by_kind["unmatchedlow"].title == "200 events are on no step of the map, most of them 'newsletter'"
    assert by_kind["personamedium"].title == "Persona 'nobody' matches no customer"
    assert by_kind["personalow"].title == "Persona 'everybody' matches 98% of all customers"


def test_an_emotion_gap_needs_attention_whatever_the_step_is_called() -> None:
    """The gap's own title and detail (no parsing of the map's note): a step name with ": " in it stays whole."""
    from journeymap.results import EmotionGap

    journey = SimpleNamespace(steps=[SimpleNamespace(id="d", name="Delivery: the parcel")])
    gaps = [EmotionGap("d", None, 2.0, -1.0, 12, "Expected vs received — Delivery: the parcel", "assumed +2.0 …"),
            EmotionGap("d", "fan", 1.0, 0.0, 6, "second", "…"), EmotionGap("d", "hunter", 1.0, 0.2, 6, "third", "…")]
    overlay = MapOverlay(customers=5, events=5, gaps=gaps)
    found = [f for f in needs_attention(journey, overlay, {}, None, "en") if f.kind == "gap"]
    assert [(f.title, f.detail, f.severity) for f in found] == [
        ("Expected vs received — Delivery: the parcel", "assumed +2.0 …", "medium"), ("second", "…", "medium")]


def test_needs_attention_in_dutch_and_with_nothing_to_say() -> None:
    journey = SimpleNamespace(steps=[SimpleNamespace(id="a", name="Kijkt")])
    overlay = MapOverlay(customers=22935, events=100, steps={
        "a": StepMetrics(reach=22935, events=100, dropoff=0.415, conversion=0.5, worst_dropoff=True)})
    (finding,) = needs_attention(journey, overlay, {}, None, "nl")
    assert finding.title == "42 % van de klanten bij 'Kijkt' komt niet verder"  # 41,5 rounds to even
    assert finding.detail.startswith("9.518 van 22.935 klanten vallen hier uit")  # round(0.415 · 22935) = 9518
    assert needs_attention(journey, MapOverlay(customers=5, events=5), {}, None, "nl") == []


def test_conversion_points_by_hand() -> None:
    by_period = pd.DataFrame({
        "group": ["2025-01-06"] * 3 + ["2025-01-13"] * 3,
        "position": [1, 2, 3] * 2,
        "customers": [10, 6, 4, 5, 1, 0],
    })
    last = dt.datetime(2025, 1, 25)
    points = conversion_points(by_period, 3, last, "week", dt.timedelta(days=7))
    assert [(p.period, p.entered, p.converted, p.share, p.complete) for p in points] == [
        ("2025-01-06", 10, 4, 0.4, True),     # the week ends 13 Jan; + 7 days = 20 Jan, before the last event
        ("2025-01-13", 5, 0, 0.0, False),     # ends 20 Jan; + 7 days = 27 Jan, after it: may still rise
    ]
    january = by_period.head(3).assign(group="2025-01-01")
    # a month ends on the first of the next: 1 Feb + 14 days = 15 Feb, before 1 March; before 10 Feb it is not
    assert [p.complete for p in conversion_points(january, 3, dt.datetime(2025, 3, 1), "month",
                                                  dt.timedelta(days=14))] == [True]
    assert [p.complete for p in conversion_points(january, 3, dt.datetime(2025, 2, 10), "month",
                                                  dt.timedelta(days=14))] == [False]


# --- the report of the demo shop, checked against the analyses computed on their own -------------------------------

def _csv_links(html: str) -> dict[str, pd.DataFrame]:
    """Every CSV download of the page, by file name, read back with pandas."""
    out = {}
    for name, data in re.findall(r'download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html):
        out[name] = pd.read_csv(io.BytesIO(base64.b64decode(data)))
    return out


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    end = html.find('<div class="block', start + 10)
    return html[start:end if end > 0 else None]


@pytest.fixture(scope="module")
def reports(demo_shop: Callable[[str], Workspace]) -> dict[str, tuple[Workspace, str]]:
    return {lang: (demo_shop(lang), render_report(demo_shop(lang), "webshop")) for lang in ("en", "nl")}


def test_findings_come_first_then_charts_tables_and_the_map(reports: dict[str, tuple[Workspace, str]]) -> None:
    for lang, headings in (("en", ["What needs attention", "The journey in figures", "All figures", "The living map"]),
                           ("nl", ["Wat aandacht vraagt", "De klantreis in cijfers", "Alle cijfers",
                                   "De levende kaart"])):
        _ws, html = reports[lang]
        positions = [html.index(f"<h2>{h}</h2>") for h in headings]
        assert positions == sorted(positions), lang
        assert html.count('class="finding ') >= 3  # the demo has drop-offs, undesigned paths and detractors
        assert "<iframe" not in html
        for chart in ("chart-funnel", "chart-conversion", "chart-flow", "chart-nps", "chart-retention",
                      "chart-lifecycle"):
            assert re.search(rf'id="{chart}".*?<svg', html, re.S), (lang, chart)


def test_tables_are_short_formatted_and_complete_as_csv(reports: dict[str, tuple[Workspace, str]]) -> None:
    ws, html = reports["nl"]
    frames = api.analyze("webshop", ws.root)  # the same analyses, computed on their own
    headers = [unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", html)]
    assert headers and not [h for h in headers if "_" in h]  # no snake_case headers
    cells = [unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', html)]
    assert not [c for c in cells if re.fullmatch(r"0\.\d+", c)]  # no shares as 0.415
    assert any(re.fullmatch(r"\d+,\d %", c) for c in cells)  # but 41,5 %
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", c) for c in cells)  # and 22.935
    # the retention table is a heatmap, not hundreds of rows; its CSV has every row
    assert "<table" not in _section(html, "chart-retention")
    csvs = _csv_links(html)
    retention = csvs["webshop-retention.csv"]
    assert len(retention) == len(frames["retention"]) > 50
    assert list(retention.columns) == list(frames["retention"].columns)
    assert retention["customers"].sum() == frames["retention"]["customers"].sum()
    steps = csvs["webshop-steps.csv"]
    assert list(steps["step"]) == list(frames["steps"]["step"])
    assert steps["reach"].tolist() == frames["steps"]["reach"].tolist()
    # a long table shows its first rows and says how many there are
    transitions = _section(html, "table-transitions")
    assert transitions.count("<tr>") == 1 + 10
    assert f"10 van {len(frames['transitions'])} rijen getoond" in transitions


def test_conversion_over_time_adds_up_to_the_funnel(reports: dict[str, tuple[Workspace, str]]) -> None:
    """Per period of entry the chart's CSV counts entrants and converters; summed over the periods they are the
    funnel's own first step and conversion step (the funnel computed on its own through the API)."""
    ws, html = reports["en"]
    series = _csv_links(html)["webshop-conversion-over-time.csv"]
    frames = api.analyze("webshop", ws.root, only=["funnel", "steps"])
    funnel = frames["funnel"].set_index("step")
    from journeymap.engine.analyze import pick_conversion_step

    step = pick_conversion_step(ws.journey("webshop"), list(frames["funnel"]["step"]))
    assert series["customers"].sum() == funnel["customers"].iloc[0]
    assert series["converted"].sum() == funnel.loc[step, "customers"]
    assert series["conversion"].tolist() == pytest.approx((series["converted"] / series["customers"]).tolist())


def test_nps_in_the_report_matches_the_feedback_command(reports: dict[str, tuple[Workspace, str]]) -> None:
    ws, html = reports["en"]
    (overall,) = [r for r in api.feedback(ws.root, journey="webshop").rows if r.metric == "nps"]
    tile = re.search(r'<div class="tile"><b>([^<]+)</b><span>NPS, ([\d,]+) answers</span><small>([^<]+)</small>',
                     html)
    assert tile is not None
    assert tile[1].replace("\u2212", "-") == f"{overall.value:+.0f}".replace("+0", "0")
    assert int(tile[2].replace(",", "")) == overall.n
    monthly = _csv_links(html)["webshop-nps-over-time.csv"]
    assert monthly["n"].sum() == overall.n


def test_report_pdf_pages(demo_shop: Callable[[str], Workspace], tmp_path: Path) -> None:
    """``report -o x.pdf``: A4 pages (the map on an A3 landscape page at the end), Dutch text, a drawn first page."""
    import pypdfium2 as pdfium

    ws = demo_shop("nl")
    out = write_report(ws, "webshop", tmp_path / "rapport.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(data)
    try:
        sizes = [tuple(round(v) for v in doc[i].get_size()) for i in range(len(doc))]
        assert sizes[0] == (595, 842) and sizes[-1] == (1191, 842), sizes
        first = doc[0].get_textpage().get_text_range().lower()  # section headings are set in capitals
        assert "wat aandacht vraagt" in first and "klanten" in first
        everything = " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).lower()
        for heading in ("Trechter langs het ontworpen hoofdpad", "Conversie in de tijd", "NPS in de tijd",
                        "Behoud per weekcohort", "Stappen", "De levende kaart"):
            assert heading.lower() in everything, heading
        assert "csv downloaden" not in everything  # links are for the screen
        image = doc[0].render(scale=1.5).to_pil().convert("RGB")
    finally:
        doc.close()
    image.save(tmp_path / "page1.png")
    colours = image.resize((200, 283)).getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 150  # text, tiles and finding cards: not a blank page


def test_report_refuses_an_unknown_format_and_writes_nothing(demo_shop: Callable[[str], Workspace],
                                                             tmp_path: Path) -> None:
    from journeymap.errors import JourneymapError

    with pytest.raises(JourneymapError, match=r"give a name ending in \.html or \.pdf"):
        write_report(demo_shop("en"), "webshop", tmp_path / "report.png")
    assert not (tmp_path / "report.png").exists()


def test_the_report_reads_one_source_and_measures_each_step_metric_once(
        demo_shop: Callable[[str], Workspace], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The map and every table read one store connection; what both need is computed once (memoised on it)."""
    from journeymap.engine import source as source_module
    from journeymap.engine import steps

    opened: list[object] = []
    real_open = source_module.open_source

    def counting_open(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    queries: list[str] = []
    real_unit = steps._unit_metrics

    def counting_unit(source: object, journey: object, level: str, window_s: float) -> object:
        queries.append(level)
        return real_unit(source, journey, level, window_s)  # type: ignore[arg-type]

    monkeypatch.setattr(source_module, "open_source", counting_open)
    monkeypatch.setattr(steps, "_unit_metrics", counting_unit)
    api.report("webshop", tmp_path / "r.html", demo_shop("en").root)
    assert len(opened) == 1
    assert queries.count("step") == 1 and queries.count("stage") == 1
    # with a period too: the map and the tables ask the source for the same period, and get the same one
    opened.clear()
    queries.clear()
    api.report("webshop", tmp_path / "p.html", demo_shop("en").root, since="2025-03-01", until="2025-09-01")
    assert len(opened) == 1
    assert queries.count("step") == 1 and queries.count("stage") == 1
