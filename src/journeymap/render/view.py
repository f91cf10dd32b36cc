"""The map's view model: a journey (plus an optional overlay) arranged for drawing.

Phase: resolved workspace → *this view* → HTML/SVG/Markdown. Everything a template
needs is computed here in plain Python (column order, which lanes show, the peak and
the end of the emotion curve, opportunity quadrants, overlay figures per column), so
the templates only lay out and the same numbers feed every output format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from journeymap.errors import JourneymapError
from journeymap.i18n import channel_name, format_date, format_number, t, translate_note
from journeymap.model.types import Journey, Opportunity, PainPoint, Persona, Stage, Step
from journeymap.model.workspace import Workspace
from journeymap.results import MapOverlay, MeasuredEmotion, StepMetrics

#: The standard lanes, top to bottom, as (key, kind). ``kind`` tells the template how to draw a cell.
STANDARD_LANES: tuple[tuple[str, str], ...] = (
    ("actions", "items"),
    ("motivations", "items"),
    ("questions", "items"),
    ("expectations", "items"),
    ("received", "items"),
    ("emotion", "emotion"),
    ("pain_points", "pains"),
    ("moment_of_truth", "mot"),
    ("frontstage", "items"),
    ("line_of_visibility", "visibility"),
    ("backstage", "items"),
    ("systems", "systems"),
    ("owner", "owner"),
    ("kpis", "kpis"),
)

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
QUADRANTS: tuple[str, ...] = ("quick-win", "big-bet", "fill-in", "money-pit")
PERSONA_COLOURS: tuple[str, ...] = ("#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5")
STAGE_COLOURS: tuple[str, ...] = ("#e0f2fe", "#ede9fe", "#fce7f3", "#dcfce7", "#fef3c7", "#ffedd5", "#e2e8f0")
STAGE_INKS: tuple[str, ...] = ("#0369a1", "#6d28d9", "#be185d", "#15803d", "#b45309", "#c2410c", "#334155")


@dataclass
class Column:
    """One column of the grid: a step, or a placeholder for a stage without steps."""

    stage: Stage
    stage_index: int
    step: Step | None
    number: int = 0                      # 1-based position among the steps
    index: int = 0                       # 0-based position among the columns
    peak: bool = False
    end: bool = False
    metrics: StepMetrics | None = None
    measured: MeasuredEmotion | None = None

    @property
    def score(self) -> float | None:
        return self.step.emotion.score if self.step and self.step.emotion else None


@dataclass
class Lane:
    """One row of the grid."""

    key: str
    kind: str
    label: str


@dataclass
class StageSpan:
    """A stage's header cell in one chunk of columns."""

    stage: Stage
    index: int
    span: int
    continued: bool


@dataclass
class Chunk:
    """A run of columns drawn as one table (the whole map on screen, one page in print)."""

    columns: list[Column]
    spans: list[StageSpan]
    first: int
    last: int


@dataclass
class PainRow:
    step: Step
    stage: Stage
    pain: PainPoint


@dataclass
class MapView:
    """Everything the templates draw."""

    lang: str
    journey: Journey
    personas: list[Persona]
    persona_colours: dict[str, str]
    columns: list[Column]
    lanes: list[Lane]
    peaks: list[Column]                  # the most intense steps; more than one when they tie
    end: Column | None
    opportunities: list[Opportunity]
    pains: list[PainRow]
    overlay: MapOverlay | None
    step_names: dict[str, str] = field(default_factory=dict)
    stage_names: dict[str, str] = field(default_factory=dict)
    persona_names: dict[str, str] = field(default_factory=dict)

    @property
    def peak(self) -> Column | None:
        """The first peak (there may be more: :attr:`peak_shared`)."""
        return self.peaks[0] if self.peaks else None

    @property
    def peak_shared(self) -> bool:
        return len(self.peaks) > 1

    def peak_text(self) -> str:
        """What the map says about the peak: its step, or "peak shared by A and B" on a tie."""
        names = [c.step.name for c in self.peaks if c.step is not None]
        if len(names) > 1:
            return self.t("emotion.peak_shared_by", steps=join_names(names, self.lang))
        return names[0] if names else ""

    @property
    def curve_personas(self) -> list[str]:
        """Personas with their own assumed emotion curve, in colour order."""
        ids = {p for c in self.columns if c.step for p in c.step.persona_emotions}
        return [p for p in self.persona_colours if p in ids]

    def t(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)

    def channel(self, channel: str) -> str:
        """A channel as the map's language says it (``email`` → ``e-mail``); the workspace's own channels as named."""
        return channel_name(channel, self.lang)

    def date(self, value: Any) -> str:
        return format_date(value, self.lang)

    def iso_date(self, value: str) -> str:
        """An ISO date from the overlay (``2026-01-31``, maybe with a time) as the language writes it."""
        try:
            return format_date(dt.date.fromisoformat(value[:10]), self.lang)
        except ValueError:
            return value

    def data_summary(self) -> list[str]:
        """The overlay's period, customers and events as short phrases ("Data from … to …", "1.234 customers")."""
        o = self.overlay
        if o is None:
            return []
        out = [self.t("metrics.customers", n=format_number(o.customers, self.lang)),
               self.t("metrics.events", n=format_number(o.events, self.lang))]
        if o.period:
            out.insert(0, self.t("metrics.period", start=self.iso_date(o.period[0]), end=self.iso_date(o.period[1])))
        return out

    @property
    def steps(self) -> list[Column]:
        return [c for c in self.columns if c.step is not None]

    def chunks(self, size: int | None) -> list[Chunk]:
        """The columns cut into runs of ``size`` (None: one run); stage headers repeat per run."""
        n = max(len(self.columns), 1)
        step = size or n
        return self.chunks_at([(start, min(start + step, n)) for start in range(0, n, step)])

    def chunks_at(self, runs: list[tuple[int, int]]) -> list[Chunk]:
        """The columns cut at ``runs`` (``[start, end)`` positions, as :mod:`.paging` chooses them).

        ``first``/``last`` are the step numbers a run shows (placeholder columns of empty stages have none).
        """
        cols = self.columns
        out: list[Chunk] = []
        for start, end in runs:
            part = cols[start:end]
            spans: list[StageSpan] = []
            for col in part:
                if spans and spans[-1].index == col.stage_index:
                    spans[-1].span += 1
                else:
                    continued = start > 0 and col is part[0] and cols[start - 1].stage_index == col.stage_index
                    spans.append(StageSpan(col.stage, col.stage_index, 1, continued))
            numbers = [c.number for c in part if c.step is not None]
            out.append(Chunk(part, spans, min(numbers, default=0), max(numbers, default=0)))
        return out

    def opportunity_target(self, opp: Opportunity) -> str:
        if opp.step:
            return self.step_names.get(opp.step, opp.step)
        if opp.stage:
            return self.stage_names.get(opp.stage, opp.stage)
        return ""

    def by_quadrant(self) -> dict[str, list[Opportunity]]:
        out: dict[str, list[Opportunity]] = {q: [] for q in QUADRANTS}
        for opp in self.opportunities:
            out[opp.quadrant].append(opp)
        for items in out.values():
            items.sort(key=lambda o: (-o.impact, o.effort, o.title))
        return out

    def name_of(self, ref: str) -> str:
        """A step's or stage's name for an id from the overlay (the id itself when unknown)."""
        return self.step_names.get(ref) or self.stage_names.get(ref) or ref


def format_target(value: str | float | None, lang: str) -> str:
    """A KPI target as written: ``40`` rather than ``40.0``, decimals in the language's style."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return format_number(value, lang)
        return format_number(value, lang, 2).rstrip("0")
    return str(value)


def _has(step: Step, key: str) -> bool:
    if key == "emotion":
        return step.emotion is not None or bool(step.persona_emotions)
    if key == "pain_points":
        return bool(step.pain_points)
    if key == "moment_of_truth":
        return step.moment_of_truth is not None
    if key == "owner":
        return bool(step.owner)
    if key == "line_of_visibility":
        return bool(step.frontstage or step.backstage)
    return bool(getattr(step, key))


def peak_weight(col: Column) -> float:
    """How intense a step is for the peak-end rule: ``|score| × (1 + severity / 4 + moment of truth / 5)``.

    The emotion's strength is what a customer remembers; a critical pain point (severity 4 of 4) and a
    heavy moment of truth (weight 5 of 5) each count it once more, so an emotion of −2 at a critical
    moment of truth (2 × 3 = 6) outweighs a +2 on a trivial first step (2 × 1 = 2). Without an emotion
    a step has no intensity: pain alone does not make a felt peak.
    """
    if col.score is None or col.step is None:
        return 0.0
    severity = max((SEVERITY_RANK[p.severity] for p in col.step.pain_points), default=0)
    mot = col.step.moment_of_truth or 0
    return abs(col.score) * (1 + severity / 4 + mot / 5)


def peak_and_end(columns: list[Column]) -> tuple[list[Column], Column | None]:
    """The peak (every step of the largest :func:`peak_weight`: a tie is shared, not settled by order)
    and the end (the last step with an emotion).

    The peak-end rule is about how a journey *feels*, so both are taken among the steps
    that carry an emotion; a final step nobody has scored cannot be the remembered end.
    """
    scored = [c for c in columns if c.score is not None]
    if not scored:
        return [], None
    weights = [peak_weight(c) for c in scored]
    best = max(weights)
    peaks = [c for c, w in zip(scored, weights, strict=True) if best > 0 and math.isclose(w, best, rel_tol=1e-9)]
    return peaks, scored[-1]


def join_names(names: list[str], lang: str) -> str:
    """``A``, ``A and B``, ``A, B and C`` (``en`` in Dutch)."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {t('list.and', lang)} {names[-1]}"


def build_view(ws: Workspace, journey_id: str, overlay: MapOverlay | None = None) -> MapView:
    """Arrange journey ``journey_id`` of ``ws`` for drawing, in the workspace's language."""
    journey = ws.journey(journey_id)
    lang = ws.settings.language
    columns: list[Column] = []
    number = 0
    for si, stage in enumerate(journey.stages):
        steps = journey.steps_in(stage.id)
        if not steps:
            columns.append(Column(stage, si, None))
        for step in steps:
            number += 1
            columns.append(Column(stage, si, step, number))
    for i, col in enumerate(columns):
        col.index = i
    orphans = [s.id for s in journey.steps if s.stage not in {st.id for st in journey.stages}]
    if orphans:  # the workspace check forbids this; guard the renderer against an unchecked workspace
        raise JourneymapError(f"steps {', '.join(orphans)} of journey {journey.id!r} name an unknown stage")
    if overlay is not None:
        if lang != "en" and overlay.notes:  # the engine writes its notes in English; the map speaks its language
            overlay = dataclasses.replace(overlay, notes=[translate_note(n, lang) for n in overlay.notes])
        for col in columns:
            if col.step is not None:
                col.metrics = overlay.steps.get(col.step.id)
                col.measured = overlay.emotions.get(col.step.id)
    peaks, end = peak_and_end(columns)
    for col in peaks:
        col.peak = True
    if end is not None:
        end.end = True

    steps = [c.step for c in columns if c.step is not None]
    lanes = [Lane(key, kind, t(f"lane.{key}", lang)) for key, kind in STANDARD_LANES if any(_has(s, key) for s in steps)]
    for custom in journey.lanes:
        lanes.append(Lane(custom.id, "custom", custom.name))
    if overlay is not None and overlay.steps:
        lanes.insert(0, Lane("measured", "measured", t("lane.measured", lang)))

    persona_ids = list(journey.personas) or sorted({p for s in steps for p in s.personas})
    personas = [ws.personas[p] for p in persona_ids if p in ws.personas]
    colour_ids = [*persona_ids, *sorted({p for s in steps for p in s.persona_emotions} - set(persona_ids))]
    colours = {pid: PERSONA_COLOURS[i % len(PERSONA_COLOURS)] for i, pid in enumerate(colour_ids)}

    stage_of = {st.id: st for st in journey.stages}
    pains = [PainRow(s, stage_of[s.stage], p) for s in steps for p in s.pain_points]
    pains.sort(key=lambda r: -SEVERITY_RANK[r.pain.severity])
    return MapView(
        lang=lang, journey=journey, personas=personas, persona_colours=colours, columns=columns, lanes=lanes,
        peaks=peaks, end=end, opportunities=list(journey.opportunities), pains=pains, overlay=overlay,
        step_names={s.id: s.name for s in steps}, stage_names={st.id: st.name for st in journey.stages},
        persona_names={pid: p.name for pid, p in ws.personas.items()},
    )
