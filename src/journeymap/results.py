"""The contract between the analyses and the outputs: plain data, no analysis and no drawing.

It sits between the layers (model ← events ← engine ← voc ← **results** ← render ← api): the engine
and the voice-of-the-customer module fill a :class:`MapOverlay`; the renderer draws whatever is
present and nothing that is absent. Every field is optional so a map renders with no data at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepMetrics:
    """Measured figures for one step of the map."""

    reach: int = 0                      # unique customers who had this step
    events: int = 0
    share: float | None = None          # reach / all customers
    conversion: float | None = None     # to the next designed step within the window
    dropoff: float | None = None        # share whose journey ends or stalls here
    median_seconds: float | None = None  # to the next step
    p90_seconds: float | None = None
    revisit_share: float | None = None
    trend: float | None = None          # relative change of reach vs the previous period (+0.12 = +12 %)
    worst_dropoff: bool = False          # among the worst drop-offs of the journey
    sql: str | None = None               # the compiled query behind these figures (--explain)
    findings: list[str] = field(default_factory=list)  # titles of the findings about this step (a badge)


@dataclass
class MeasuredEmotion:
    """Feedback and sentiment of one step mapped onto the -2..+2 emotion scale."""

    score: float
    n: int
    per_persona: dict[str, tuple[float, int]] = field(default_factory=dict)
    peak_share: float | None = None      # how often this step is a customer's peak moment
    end_share: float | None = None       # how often it is the end moment
    nps: float | None = None
    small_sample: bool = False           # n < 30


@dataclass
class EmotionGap:
    """Where the map's assumed emotion and the measured one differ most: the figures and their text for people
    (``title``: "Expected vs received — step (persona)", ``detail``: the numbers and which way)."""

    step: str
    persona: str | None
    assumed: float
    measured: float
    n: int
    title: str = ""
    detail: str = ""

    @property
    def difference(self) -> float:
        return self.measured - self.assumed

    @property
    def note(self) -> str:
        return f"{self.title}: {self.detail}"


@dataclass
class Flow:
    """A transition between two steps or stages, for the Sankey and undesigned paths."""

    source: str
    target: str
    customers: int
    designed: bool = True


@dataclass
class FunnelStep:
    step: str
    customers: int
    conversion_from_start: float
    conversion_from_previous: float


@dataclass
class Conformance:
    journeys_following_design: float     # share of customers whose path the design allows
    fitness: float                       # share of observed transitions the design allows
    undesigned: list[Flow] = field(default_factory=list)
    never_seen_steps: list[str] = field(default_factory=list)
    skipped_steps: list[tuple[str, int]] = field(default_factory=list)


#: The kinds of finding, in the order the docs describe them.
FINDING_KINDS: tuple[str, ...] = ("change", "appear", "vanish", "segment", "interaction", "loop", "spike", "cohort")


@dataclass
class Finding:
    """One statistically supported finding about a journey (see docs/findings.md).

    ``baseline`` and ``observed`` are in ``unit`` (``share`` 0..1, ``seconds``, ``count`` or ``mean``);
    ``effect`` is observed − baseline with its ``interval``; ``p_value`` is the test's, ``q_value`` the
    Benjamini–Hochberg value over everything scanned; ``score`` (customers × size of the effect) ranks them.
    """

    kind: str
    title: str
    metric: str
    steps: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    segment: dict[str, str] | None = None
    period: dict[str, str] | None = None          # {"start": ISO date, "end": ISO date (excluded)}
    baseline: float | None = None
    observed: float | None = None
    customers: int = 0
    p_value: float | None = None
    q_value: float | None = None
    score: float = 0.0
    unit: str = "share"
    n: int = 0                                    # the units behind ``observed`` (visits, customers, days)
    effect: float | None = None
    interval: tuple[float, float] | None = None
    test: str = ""
    command: str = ""                             # the command that shows the figure
    sql: str | None = None                        # the compiled query behind the series (--explain)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, *, explain: bool = False) -> dict[str, Any]:
        """The JSON object of ``findings --format json`` (``sql`` only with ``explain``)."""
        out = {k: getattr(self, k) for k in ("kind", "title", "metric", "steps", "events", "segment", "period",
                                             "baseline", "observed", "customers", "p_value", "q_value", "score",
                                             "unit", "n", "effect")}
        out["interval"] = list(self.interval) if self.interval is not None else None
        out.update(test=self.test, command=self.command, details=self.details)
        if explain:
            out["sql"] = self.sql
        return out


@dataclass
class MapOverlay:
    """Everything measured that the renderer can draw on a journey map."""

    customers: int = 0
    events: int = 0
    period: tuple[str, str] | None = None            # ISO dates of the data shown
    steps: dict[str, StepMetrics] = field(default_factory=dict)
    emotions: dict[str, MeasuredEmotion] = field(default_factory=dict)
    stage_flows: list[Flow] = field(default_factory=list)
    funnel: list[FunnelStep] = field(default_factory=list)
    conformance: Conformance | None = None
    unmatched_events: list[tuple[str, int]] = field(default_factory=list)  # real but not on the map
    notes: list[str] = field(default_factory=list)   # call-outs under the map: the gaps' notes, peak-end
    gaps: list[EmotionGap] = field(default_factory=list)  # the "expected vs received" call-outs, largest first
    plan: list[str] = field(default_factory=list)    # where the figures were read and how (--explain)
    findings: list[Finding] = field(default_factory=list)  # what needs attention, ranked (badges on the map)
    trend_periods: tuple[tuple[str, str], tuple[str, str]] | None = None  # (current, previous) ISO dates, end excluded


@dataclass
class Notice:
    """Something that needs attention, already written for people in the report's language.

    The report's "What needs attention" lists these: first the statistically supported findings
    (:class:`Finding`, ranked by impact), then what rules on the figures notice
    (:func:`journeymap.engine.attention.needs_attention`: the worst drop-offs, undesigned paths, NPS,
    steps never seen, persona rules that recognise nobody ...), most severe first.
    """

    kind: str                 # finding, dropoff, undesigned, nps, nps-step, never-seen, persona, unmatched, gap
    severity: str             # high, medium, low
    title: str
    detail: str = ""
    section: str | None = None  # the id of the report section with the figures behind it
    weight: float = 0.0       # orders notices of one severity: larger first (customers affected, mostly)
    finding: str | None = None  # the kind of finding (change, segment …) when the notice is one
