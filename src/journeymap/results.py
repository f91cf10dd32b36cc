"""The contract between the analyses and the outputs: plain data, no analysis and no drawing.

It sits between the layers (model ← events ← engine ← voc ← **results** ← render ← api): the engine
and the voice-of-the-customer module fill a :class:`MapOverlay`; the renderer draws whatever is
present and nothing that is absent. Every field is optional so a map renders with no data at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    notes: list[str] = field(default_factory=list)   # e.g. "expected vs received" call-outs
    plan: list[str] = field(default_factory=list)    # where the figures were read and how (--explain)


@dataclass
class Finding:
    """Something in the data that needs attention, already written for people in the report's language.

    The report shows findings first, most severe first. Today they come from
    :func:`journeymap.engine.attention.needs_attention`, a small set of rules on the analyses that exist;
    the findings engine (what changed, where it breaks, for whom) will produce the same objects.
    """

    kind: str                 # dropoff, undesigned, nps, nps-step, never-seen, persona, unmatched, gap
    severity: str             # high, medium, low
    title: str
    detail: str = ""
    section: str | None = None  # the id of the report section with the figures behind it
    weight: float = 0.0       # orders findings of one severity: larger first (customers affected, mostly)
