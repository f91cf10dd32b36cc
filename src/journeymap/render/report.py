"""The journey report as one self-contained HTML page (and, through WeasyPrint, a PDF).

Phase: :class:`~journeymap.engine.report.ReportData` (measured) → :class:`ReportView` (what goes where, every text
in the workspace's language) → ``report.html.j2``. A manager reads it top down: the key figures, what needs
attention, the journey in charts (funnel, conversion and NPS over time, the flow between stages, retention,
lifecycle), then every analysis as a short formatted table whose full data is a CSV download, and at the end the
living map as a picture. ``media="print"`` lays the same content out on A4 pages (the map on an A3 page).

CSV downloads are ``data:`` links inside the page (decided over files beside the report: the report stays one
file that can be mailed or archived, and nothing else has to travel with it). The CSV has the analyses' own
column names and raw values, like ``analyze --format csv``, so a spreadsheet or a script reads it the same way
for every language.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from journeymap import __version__
from journeymap.engine.compile import SQL_ATTR
from journeymap.i18n import channel_name, format_date, format_number, format_percent, format_signed, has, t
from journeymap.render import charts
from journeymap.render import report_charts as rc
from journeymap.render.cells import format_row
from journeymap.voc.metrics import wilson

if TYPE_CHECKING:
    from journeymap.engine.report import ReportData
    from journeymap.render.view import MapView

Media = Literal["screen", "print"]
#: Per analysis: the columns of its short table (in order) and the rows shown (None: all). The CSV has everything.
SHORT: dict[str, tuple[list[str], int | None]] = {
    "findings": (["rank", "kind", "title", "customers", "q_value"], 20),
    "steps": (["name", "reach", "conversion", "dropoff", "median_seconds", "revisit_share"], None),
    "stages": (["name", "reach", "conversion", "dropoff", "median_seconds"], None),
    "funnel": (["name", "customers", "conversion_from_start", "conversion_from_previous", "dropped"], None),
    "transitions": (["source", "target", "customers", "probability", "designed"], 10),
    "variants": (["path", "customers", "share"], 10),
    "conformance": (["customers", "share_following_design", "transitions", "fitness"], None),
    "undesigned": (["source", "target", "customers", "count"], 10),
    "skipped": (["step", "skipped"], 10),
    "unmatched": (["event", "events"], 10),
    "personas": (["persona", "customers"], None),
    "attribution": (["touch", "first", "last", "linear", "position_based", "markov", "removal_effect"], None),
    "retention": ([], 0),
    "lifecycle": ([], 0),
}
#: The order of the tables section (the findings and charts come first).
TABLE_ORDER = ("findings", "steps", "stages", "funnel", "transitions", "variants", "conformance", "undesigned", "skipped",
               "unmatched", "personas", "attribution", "retention", "lifecycle")
#: Analyses whose chart (with its table and CSV) is in the charts section: not repeated among the tables.
CHARTED = {"funnel", "retention", "lifecycle"}
RETENTION_PERIODS = 13  # weeks 0..12 after the first


@dataclass
class Block:
    """One titled part of the report: a chart and/or a short table, with its full data as CSV."""

    id: str
    title: str
    why: str = ""
    chart: Markup = Markup("")
    table: Markup = Markup("")
    rows: int = 0
    shown: int = 0
    csv_href: str = ""
    csv_name: str = ""
    sql: str | None = None
    note: str = ""


@dataclass
class Tile:
    value: str
    label: str
    detail: str = ""


@dataclass
class ReportView:
    """Everything the template draws, already in the report's language."""

    lang: str
    media: Media
    title: str
    journey_id: str
    badge: str
    meta: list[str]
    tiles: list[Tile]
    attention: list[Any]
    charts: list[Block]
    tables: list[Block]
    map_svg: Markup
    notes: list[str] = field(default_factory=list)
    empty: bool = False

    def t(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("journeymap.render", "templates"),
                       autoescape=select_autoescape(["html", "j2"], default=True), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def report_html(data: ReportData, media: Media = "screen") -> str:
    """The report of ``data`` as a self-contained HTML document (``print``: laid out for A4 pages)."""
    from importlib import resources

    view = build_report_view(data, media)
    css = resources.files("journeymap.render").joinpath("templates", "report.css").read_text(encoding="utf-8")
    return environment().get_template("report.html.j2").render(r=view, css=Markup(css))


def build_report_view(data: ReportData, media: Media = "screen") -> ReportView:
    from journeymap.render.svg import svg_from_view
    from journeymap.render.view import build_view

    lang, journey, overlay = data.lang, data.journey, data.overlay
    view = build_view(data.ws, journey.id, overlay)
    names = {**{s.id: s.name for s in journey.steps}, **{s.id: s.name for s in journey.stages}}
    meta = [f"{t('report.journey', lang)} {journey.id}"]
    if overlay.period:
        meta.append(t("report.period", lang, start=view.iso_date(overlay.period[0]),
                      end=view.iso_date(overlay.period[1])))
    meta.append(t("report.generated", lang, version=__version__, date=format_date(data.generated, lang)))
    picture = svg_from_view(view)
    picture = picture[picture.index("<svg"):] if "<svg" in picture else picture
    return ReportView(
        lang=lang, media=media, title=journey.title, journey_id=journey.id,
        badge=t(f"scope.{journey.scope}", lang) if has(f"scope.{journey.scope}", lang) else "",
        meta=meta, tiles=_tiles(data, names), attention=data.attention,
        charts=_charts(data, view, names) if overlay.events else [],
        tables=[b for name in TABLE_ORDER if not (name in CHARTED and overlay.events)
                and (b := _table_block(data, name, names, media)) is not None],
        map_svg=Markup(picture), notes=[n for n in view.overlay.notes] if view.overlay else [],
        empty=not overlay.events)


def _signed(value: float | None, lang: str, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return format_signed(value, lang, decimals)


def _tiles(data: ReportData, names: dict[str, str]) -> list[Tile]:
    lang, o = data.lang, data.overlay
    tiles = [Tile(format_number(o.customers, lang), t("report.customers", lang)),
             Tile(format_number(o.events, lang), t("report.events", lang))]
    funnel = data.frames.get("funnel")
    if funnel is not None and data.conversion_step and data.conversion_step in set(funnel["step"]):
        share = float(funnel.loc[funnel["step"] == data.conversion_step, "conversion_from_start"].iloc[0])
        tiles.append(Tile(format_percent(share, lang), t("report.conversion", lang,
                                                          step=names.get(data.conversion_step, data.conversion_step))))
    nps = next((r for r in data.feedback.overall if r.metric == "nps" and r.n), None) if data.feedback else None
    if nps is not None:
        tiles.append(Tile(_signed(nps.value, lang), t("report.nps_n", lang, n=format_number(nps.n, lang)),
                          f"{_signed(nps.low, lang)} … {_signed(nps.high, lang)}"))
    if o.conformance is not None:
        tiles.append(Tile(format_percent(o.conformance.journeys_following_design, lang), t("report.following", lang)))
        tiles.append(Tile(format_percent(o.conformance.fitness, lang), t("report.fitness", lang)))
    return tiles


def _why(name: str, lang: str, **kw: Any) -> str:
    return t(f"analyses.{name}.why", lang, **kw)


def _charts(data: ReportData, view: MapView, names: dict[str, str]) -> list[Block]:
    lang, o, frames = data.lang, data.overlay, data.frames
    unit_word = t(f"report.{data.unit}", lang)
    out: list[Block] = []
    if o.funnel:
        out.append(_with_table(Block("chart-funnel", t("analyses.funnel.title", lang), _why("funnel", lang),
                                     charts.funnel(view, o.funnel, width=920)), data, "funnel", names))
    if data.conversion and data.conversion_step:
        start = str(frames["funnel"]["step"].iloc[0])
        points = []
        for p in data.conversion:
            iv = wilson(p.converted, p.entered)  # the share's 95 % interval: wide where few customers entered
            points.append(rc.LinePoint(rc.period_label(p.period, data.unit, lang), p.share,
                                       iv.low if iv else None, iv.high if iv else None, hollow=not p.complete,
                                       note="" if p.complete else t("report.incomplete", lang, period=unit_word)))
        top = max((pt.high or pt.value or 0.0 for pt in points), default=1.0)
        chart = rc.line_chart(points, rc.share_axis(lang), label=t("analyses.conversion_time.title", lang),
                              y_range=(0.0, min(1.0, top * 1.15 + 0.01)), css="conversion-chart")
        note = t("report.incomplete", lang, period=unit_word) if any(not p.complete for p in data.conversion) else ""
        table = pd.DataFrame([{"period": p.period, "customers": p.entered, "converted": p.converted,
                               "conversion": p.share} for p in data.conversion])
        out.append(_csv(Block("chart-conversion", t("analyses.conversion_time.title", lang),
                              _why("conversion_time", lang, period=unit_word, start=f"'{names.get(start, start)}'",
                                   step=f"'{names.get(data.conversion_step, data.conversion_step)}'",
                                   days=format_number(data.window_days, lang)), chart, note=note),
                        table, f"{data.journey.id}-conversion-over-time.csv"))
    if o.stage_flows:
        out.append(Block("chart-flow", t("flow.title", lang), "", charts.sankey(view, o.stage_flows, width=920)))
    fb = data.feedback
    if fb is not None:
        rows = [r for r in fb.by_period if r.metric == "nps" and r.n]
        if rows:
            points = [rc.LinePoint(rc.period_label(r.period, fb.period, lang), r.value, r.low, r.high,
                                   hollow=r.small_sample, note=t("report.small_sample", lang) if r.small_sample
                                   else "") for r in rows]
            lows = [r.low for r in rows if r.low is not None] + [r.value for r in rows if r.value is not None]
            highs = [r.high for r in rows if r.high is not None] + [r.value for r in rows if r.value is not None]
            y_range = (max(-100.0, min(lows) - 5), min(100.0, max(highs) + 5))
            chart = rc.line_chart(points, rc.signed_axis(lang), label=t("analyses.nps_time.title", lang),
                                  y_range=y_range, css="nps-chart")
            table = pd.DataFrame([{"period": r.period, "n": r.n, "nps": r.value, "low": r.low, "high": r.high}
                                  for r in rows])
            out.append(_csv(Block("chart-nps", t("analyses.nps_time.title", lang),
                                  _why("nps_time", lang, period=t(f"report.{fb.period}", lang)), chart),
                            table, f"{data.journey.id}-nps-over-time.csv"))
        out.append(_feedback_block(data, names))
    retention = frames.get("retention")
    if retention is not None and not retention.empty:
        out.append(_csv(Block("chart-retention", t("analyses.retention.title", lang), _why("retention", lang),
                              _retention_chart(retention, lang)), retention, f"{data.journey.id}-retention.csv"))
    lifecycle = frames.get("lifecycle")
    if lifecycle is not None and not lifecycle.empty:
        labels = [rc.period_label(str(p), "week", lang) for p in lifecycle["period"]]
        series = {k: [int(v) for v in lifecycle[k]] for k, _ in rc.LIFECYCLE}
        chart = rc.lifecycle_bars(labels, series, [int(v) for v in lifecycle["dormant"]], lang,
                                  label=t("analyses.lifecycle.title", lang),
                                  names={k: _header(k, lang) for k in ("new", "returning", "resurrecting",
                                                                       "dormant")})
        out.append(_csv(Block("chart-lifecycle", t("analyses.lifecycle.title", lang), _why("lifecycle", lang), chart),
                        lifecycle, f"{data.journey.id}-lifecycle.csv"))
    return out


def _retention_chart(df: pd.DataFrame, lang: str) -> Markup:
    cohorts = []
    for cohort, rows in df.groupby("cohort", sort=True):
        shares: list[float | None] = [None] * RETENTION_PERIODS
        for k, share in zip(rows["period"], rows["share"], strict=True):
            if 0 <= int(k) < RETENTION_PERIODS:
                shares[int(k)] = float(share)
        last = max((k for k, s in enumerate(shares) if s is not None), default=-1)
        cohorts.append((rc.period_label(str(cohort), "week", lang) + f" {str(cohort)[:4]}",
                        int(rows["cohort_size"].iloc[0]), shares[:last + 1]))
    return rc.heatmap(cohorts, lang, label=t("analyses.retention.title", lang), col_label=t("report.weeks_after", lang),
                      row_label=t("report.cohort", lang))


def _feedback_block(data: ReportData, names: dict[str, str]) -> Block:
    lang = data.lang
    assert data.feedback is not None
    rows = []
    for r in data.feedback.by_step:
        if not r.n:
            continue
        value = (format_percent(r.value, lang, 1) if r.metric == "csat" else _signed(r.value, lang, 1)
                 if r.metric == "nps" else format_number(r.value or 0, lang, 2))
        low_high = "–" if r.low is None else (
            f"{format_percent(r.low, lang, 1)} … {format_percent(r.high, lang, 1)}" if r.metric == "csat"
            else f"{_signed(r.low, lang, 1)} … {_signed(r.high, lang, 1)}" if r.metric == "nps"
            else f"{format_number(r.low, lang, 2)} … {format_number(r.high or 0, lang, 2)}")
        rows.append({"step": names.get(r.group or "", r.group or "–"), "metric": r.metric.upper(),
                     "n": format_number(r.n, lang), "score": value, "interval": low_high,
                     "note": t(f"feedback.{r.note}", lang) if r.note else ""})
    shown = pd.DataFrame(rows, columns=["step", "metric", "n", "score", "interval", "note"])
    labels = {"interval": t("feedback.interval", lang)}
    raw = pd.DataFrame([{"step": r.group, "metric": r.metric, "n": r.n, "value": r.value, "low": r.low,
                         "high": r.high, "top2_share": r.top2_share, "note": r.note} for r in data.feedback.by_step])
    block = Block("feedback", t("analyses.feedback.title", lang), _why("feedback", lang),
                  table=_html_table(shown, lang, labels=labels, numeric={"n", "score"}), rows=len(shown),
                  shown=len(shown))
    return _csv(block, raw, f"{data.journey.id}-feedback.csv")


def _with_table(block: Block, data: ReportData, name: str, names: dict[str, str]) -> Block:
    full = _table_block(data, name, names, "screen")
    if full is not None:
        block.table, block.rows, block.shown = full.table, full.rows, full.shown
        block.csv_href, block.csv_name, block.sql = full.csv_href, full.csv_name, full.sql
    return block


def _csv(block: Block, df: pd.DataFrame, filename: str) -> Block:
    from journeymap.engine.formatting import to_csv

    block.rows = block.rows or len(df)
    block.csv_name = filename
    block.csv_href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(
        to_csv({"t": df}).encode("utf-8")).decode("ascii")
    return block


def _names_in(df: pd.DataFrame, journey: Any, names: dict[str, str], lang: str, ws: Any) -> pd.DataFrame:
    """Ids as people know them: step and stage names, persona names, channel names, paths of step names."""
    out = df.copy()
    for col in ("source", "target", "step"):
        if col in out.columns:
            out[col] = out[col].map(lambda v: names.get(str(v), v) if v is not None else v)
    if "path" in out.columns:
        out["path"] = out["path"].map(lambda v: " → ".join(names.get(p.strip(), p.strip()) for p in
                                                           (v if isinstance(v, list) else str(v).split("→"))))
    if "persona" in out.columns:
        out["persona"] = out["persona"].map(lambda p: ws.personas[p].name if p in ws.personas else p)
    if "touch" in out.columns:
        out["touch"] = out["touch"].map(lambda c: channel_name(str(c), lang))
    for col in ("first", "last", "linear", "position_based", "markov"):
        if col in out.columns:
            out[col] = out[col].round(0).astype("int64")
    return out


def _table_block(data: ReportData, name: str, names: dict[str, str], media: Media) -> Block | None:
    df = data.frames.get(name)
    if df is None:
        return None
    lang = data.lang
    columns, limit = SHORT[name]
    block = Block(f"table-{name}", t(f"analyses.{name}.title", lang), _why(name, lang), rows=len(df),
                  sql=df.attrs.get(SQL_ATTR))
    _csv(block, df, f"{data.journey.id}-{name}.csv")
    if df.empty or not columns:
        block.note = t("report.no_data", lang) if df.empty else ""
        return block
    shown = _names_in(df[[c for c in columns if c in df.columns]], data.journey, names, lang, data.ws)
    if limit is not None:
        shown = shown.head(limit)
    block.shown = len(shown)
    labels = {"name": _header("stage" if name == "stages" else "step", lang)}
    block.table = _html_table(shown, lang, labels=labels)
    if block.shown < block.rows:
        block.note = t("report.rows_shown_print" if media == "print" else "report.rows_shown", lang,
                       shown=format_number(block.shown, lang), n=format_number(block.rows, lang))
    return block


def _header(column: str, lang: str) -> str:
    """A column as people call it, in either language (the catalogue's ``columns.*``)."""
    return t(f"columns.{column}", lang) if has(f"columns.{column}", lang) else column.replace("_", " ")


def _html_table(df: pd.DataFrame, lang: str, *, labels: dict[str, str] | None = None,
                numeric: set[str] | None = None) -> Markup:
    """A formatted table: headers from the catalogue, numbers in the language's style and right-aligned."""
    labels = labels or {}
    is_num = {c: (c in (numeric or set())) or (pd.api.types.is_numeric_dtype(df[c])
                                               and not pd.api.types.is_bool_dtype(df[c])) for c in df.columns}
    head = "".join(f'<th class="{"num" if is_num[c] else "text"}">{escape(labels.get(c) or _header(c, lang))}'
                   "</th>" for c in df.columns)
    body = []
    names = [str(c) for c in df.columns]
    for row in df.itertuples(index=False):
        cells = "".join(f'<td class="{"num" if is_num[c] else "text"}">{escape(text)}</td>'
                        for text, c in zip(format_row(row, names, lang), df.columns, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return Markup(f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


__all__ = ["Block", "ReportView", "build_report_view", "report_html"]
