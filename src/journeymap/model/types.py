"""The domain model: one pydantic schema for YAML files, JSON, stored documents and renderers.

Phases (see STYLE.md): YAML with line marks (``yamlio``) → these pydantic models →
a resolved :class:`~journeymap.model.workspace.Workspace` (references checked) →
analyses → rendered output.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from journeymap.model import patterns

Provenance = Literal["assumed", "reported", "observed"]
PROVENANCES: tuple[str, ...] = ("assumed", "reported", "observed")

DmuRole = Literal["initiator", "user", "influencer", "decider", "buyer", "gatekeeper", "customer"]
DMU_ROLES: tuple[str, ...] = ("initiator", "user", "influencer", "decider", "buyer", "gatekeeper", "customer")

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

OpportunityStatus = Literal["idea", "planned", "in-progress", "done", "dropped"]
Scope = Literal["buyer", "customer"]
MapState = Literal["current", "future"]
Language = Literal["nl", "en"]

Outcome = Literal["failure", "recovery"]
OUTCOMES: tuple[str, ...] = ("failure", "recovery")

ConditionOp = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "regex", "exists"]

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]

DEFAULT_CHANNELS: tuple[str, ...] = (
    "web", "app", "email", "social", "chat", "phone", "store", "sms", "post",
    "search", "ads", "event", "sales", "partner", "review-site", "in-product",
)


class Base(BaseModel):
    """Strict base: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _text_item(value: Any) -> Any:
    """Allow a lane item written as a plain string."""
    if isinstance(value, str):
        return {"text": value}
    return value


class Evidence(Base):
    """Where a statement on the map comes from."""

    provenance: Provenance = Field("assumed", description="assumed, reported (interviews, surveys) or observed (data)")
    source: str | None = Field(None, description="note on the source: interview round, survey, dashboard")


class LaneItem(Evidence):
    """One entry in a lane (an action, a thought, an expectation …); a plain string is accepted too."""

    text: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        return _text_item(value)


class PainPoint(Evidence):
    """A pain point: what hurts, how badly, and who owns fixing it."""

    text: str = Field(min_length=1)
    severity: Severity = "medium"
    owner: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        return _text_item(value)


class Emotion(Evidence):
    """How the customer feels: -2 (very negative) … +2 (very positive), with a word."""

    score: float = Field(ge=-2, le=2)
    word: str | None = None


class Kpi(Base):
    """A KPI: what is measured, how, how often, by whom, and the target."""

    name: str = Field(min_length=1, description="what is measured")
    how: str | None = Field(None, description="how it is measured")
    frequency: str | None = Field(None, description="how often")
    who: str | None = Field(None, description="who measures and acts on it")
    target: str | float | None = Field(None, description="the target value")
    unit: str | None = None


class Condition(Base):
    """A filter on a customer or event attribute (``property`` may be ``channel``, ``source`` …)."""

    property: str = Field(min_length=1)
    op: ConditionOp = "eq"
    value: Any = None

    @field_validator("value")
    @classmethod
    def _check_value(cls, value: Any, info: ValidationInfo) -> Any:
        """The value must suit the operator, or the query fails (or silently matches nothing) later."""
        op = info.data.get("op")
        if op in ("gt", "gte", "lt", "lte"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"op {op!r} compares numbers, so the value must be a number (got {value!r})")
        elif op in ("eq", "ne", "contains", "regex"):
            if isinstance(value, (list, dict)) or value is None:
                raise ValueError(f"op {op!r} needs one text or number value (got {value!r}); "
                                 "for a list of values use op 'in' or 'not_in'")
            if op == "regex":
                why = patterns.regex_error(str(value))
                if why is not None:
                    raise ValueError(f"invalid regular expression {value!r}: {why} (regexes use the RE2 dialect: "
                                     "no backreferences or lookarounds)")
        elif op in ("in", "not_in") and (value is None or isinstance(value, dict)
                                         or (isinstance(value, list) and any(isinstance(v, (list, dict))
                                                                             for v in value))):
            raise ValueError(f"op {op!r} needs a list of text or number values (got {value!r})")
        return value


SegmentScope = Literal["customer", "session", "event"]


class SegmentRule(Base):
    """Recognises a persona in data: all of ``all`` and at least one of ``any`` must hold.

    ``per`` says over what the rule is judged: ``customer`` (sticky: once any event of theirs matches, a
    customer is the persona), ``session`` (each session on its own: a customer who was "new" in March can be
    "returning" in June) or ``event`` (each event on its own)."""

    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    per: SegmentScope = Field("customer", description="customer (sticky), session or event: what the rule is "
                              "judged over, so a customer can be a different persona at different times")


def _check_pattern(text: str) -> str:
    patterns.parse(text)
    return text


class DataBinding(Base):
    """Links a step to evidence: event names, globs (``checkout_*``) or regexes (``re:^cart_.*``)."""

    events: list[Annotated[str, AfterValidator(_check_pattern)]] = Field(default_factory=list)
    where: list[Condition] = Field(default_factory=list)
    channel: str | None = None


class Persona(Base):
    """A persona; in B2B a member of the decision-making unit."""

    id: Identifier
    name: str = Field(min_length=1)
    role: DmuRole = "customer"
    description: str | None = None
    goals: list[LaneItem] = Field(default_factory=list)
    motivations: list[LaneItem] = Field(default_factory=list)
    frustrations: list[LaneItem] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list, description="preferred channels")
    quote: str | None = None
    segment: SegmentRule | None = None


class Stage(Base):
    """A stage of the journey (a column group on the map)."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str | None = None
    goal: str | None = None


class Trigger(Base):
    """Something that starts or restarts the journey (a need, a contract end, a campaign)."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str | None = None
    kind: Literal["event", "time", "contract-end", "manual"] = "event"
    step: str | None = Field(None, description="the step the trigger leads to")
    binding: DataBinding | None = None
    offset_days: int | None = Field(None, description="for time triggers: days before/after the reference date")


class CustomLane(Base):
    """A lane the team adds beside the standard ones."""

    id: Identifier
    name: str = Field(min_length=1)


class Step(Base):
    """A step (touchpoint) of the journey with all its lanes."""

    id: Identifier
    name: str = Field(min_length=1)
    stage: str
    channel: str
    personas: list[str] = Field(default_factory=list, description="personas involved; empty means all")
    description: str | None = None
    actions: list[LaneItem] = Field(default_factory=list, description="what the customer does")
    motivations: list[LaneItem] = Field(default_factory=list)
    questions: list[LaneItem] = Field(default_factory=list, description="questions and thoughts")
    expectations: list[LaneItem] = Field(default_factory=list)
    received: list[LaneItem] = Field(default_factory=list, description="what the customer actually receives")
    emotion: Emotion | None = None
    persona_emotions: dict[str, Emotion] = Field(default_factory=dict, description="emotion per persona id")
    pain_points: list[PainPoint] = Field(default_factory=list)
    moment_of_truth: int | None = Field(None, ge=1, le=5, description="weight of this moment of truth, 1..5")
    frontstage: list[LaneItem] = Field(default_factory=list)
    backstage: list[LaneItem] = Field(default_factory=list)
    systems: list[str] = Field(default_factory=list)
    owner: str | None = None
    kpis: list[Kpi] = Field(default_factory=list)
    lanes: dict[str, list[LaneItem]] = Field(default_factory=dict, description="custom lanes by lane id")
    binding: DataBinding | None = None
    next: list[str] | None = Field(None, description="designed next steps; default: the following step")
    entry: bool = Field(False, description="journeys may start here")
    goal: bool = Field(False, description="reaching this step is what the journey is for (an order, a signed "
                       "contract); conversion means progress toward a goal step")
    outcome: Outcome | None = Field(None, description="failure (an error, a dead end) or recovery (help after a "
                                    "failure); a failure is never progress")
    edge_outcomes: dict[str, Outcome] = Field(
        default_factory=dict, description="moves from this step to another step (by its id) marked failure or "
        "recovery, e.g. {customer-service: recovery}; they need not be designed")


class Opportunity(Base):
    """An improvement idea, ranked by impact and effort."""

    id: Identifier
    title: str = Field(min_length=1)
    description: str | None = None
    step: str | None = None
    stage: str | None = None
    impact: int = Field(3, ge=1, le=5)
    effort: int = Field(3, ge=1, le=5)
    status: OpportunityStatus = "idea"
    owner: str | None = None
    due: dt.date | None = None
    kpi: str | None = Field(None, description="the KPI it should move")
    expected_effect: str | None = None

    @property
    def quadrant(self) -> str:
        """quick-win (high impact, low effort), big-bet, fill-in or money-pit."""
        high_impact = self.impact >= 3
        low_effort = self.effort <= 3
        if high_impact and low_effort:
            return "quick-win"
        if high_impact:
            return "big-bet"
        if low_effort:
            return "fill-in"
        return "money-pit"


class Journey(Base):
    """A journey map."""

    id: Identifier
    title: str = Field(min_length=1)
    description: str | None = None
    scope: Scope = "customer"
    state: MapState = "current"
    owner: str | None = None
    review_date: dt.date | None = None
    goal: str | None = None
    kpi: Kpi | None = None
    personas: list[str] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)
    triggers: list[Trigger] = Field(default_factory=list)
    lanes: list[CustomLane] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    opportunities: list[Opportunity] = Field(default_factory=list)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def steps_in(self, stage_id: str) -> list[Step]:
        return [s for s in self.steps if s.stage == stage_id]

    def goal_steps(self) -> list[str]:
        """The ids of the steps marked ``goal: true``, in map order."""
        return [s.id for s in self.steps if s.goal]

    def steps_marked(self, outcome: Outcome) -> list[str]:
        """The ids of the steps whose ``outcome`` is ``outcome``, in map order."""
        return [s.id for s in self.steps if s.outcome == outcome]

    def move_outcome(self, source: str, target: str) -> Outcome | None:
        """What a move from step ``source`` to step ``target`` means: the source's ``edge_outcomes`` for the
        target when marked there, else the target step's own ``outcome`` (a move into an error step is a
        failure, into a help step a recovery), else None."""
        for s in self.steps:
            if s.id == source and target in s.edge_outcomes:
                return s.edge_outcomes[target]
        for s in self.steps:
            if s.id == target:
                return s.outcome
        return None

    def designed_edges(self) -> list[tuple[str, str]]:
        """The designed flow: each step's ``next``, or the following step in map order."""
        edges: list[tuple[str, str]] = []
        for i, s in enumerate(self.steps):
            if s.next is not None:
                edges.extend((s.id, n) for n in s.next)
            elif i + 1 < len(self.steps):
                edges.append((s.id, self.steps[i + 1].id))
        return edges


class ColumnMapping(Base):
    """Source column names for the canonical event fields."""

    customer_id: str | None = None
    ts: str | None = None
    event: str | None = None
    channel: str | None = None
    source: str | None = None
    anonymous_id: str | None = None
    event_id: str | None = None
    session_id: str | None = Field(None, description="the source column that holds a session id (kept as the "
                                   "event property of that name); without it a session ends after "
                                   "events.session_gap_minutes without events")


class EventSourceSettings(Base):
    """Where the analyses read the events (docs/scale.md): the workspace's own DuckDB store by default, or a
    table or view with the event layout on another engine, reached through Ibis."""

    kind: Literal["store", "ibis", "pyspark"] = Field(
        "store", description="store: the workspace's DuckDB store; ibis: an Ibis connection URL (postgres://, "
        "trino://, duckdb:// …); pyspark: a Spark session (local, or the master given)")
    url: str | None = Field(None, description="kind ibis: the connection URL for ibis.connect")
    table: str | None = Field(None, description="the table or view with the event layout (kind ibis or pyspark)")
    path: str | None = Field(None, description="kind pyspark: Parquet files of the event layout, read as a view")
    master: str = Field("local[*]", description="kind pyspark: the Spark master")
    conf: dict[str, str] = Field(default_factory=dict, description="kind pyspark: Spark settings")

    @model_validator(mode="after")
    def _check(self) -> EventSourceSettings:
        if self.kind == "ibis" and not (self.url and self.table):
            raise ValueError("kind ibis needs a url (ibis.connect) and a table with the event layout")
        if self.kind == "pyspark" and not (self.table or self.path):
            raise ValueError("kind pyspark needs a table (in the Spark catalog) or a path (Parquet files)")
        return self


#: Shorthand names for ``events.time_format``: the formats each stands for (dates with -, / or . between the parts,
#: a four-digit year, with or without hours and minutes and seconds).
TIME_FORMAT_NAMES: dict[str, tuple[str, ...]] = {
    name: tuple(f"{date}{tail}" for sep in "-/." for date in [order.replace("-", sep)]
                for tail in (" %H:%M:%S", " %H:%M", ""))
    for name, order in (("day-first", "%d-%m-%Y"), ("month-first", "%m-%d-%Y"))
}


def time_formats(value: str | list[str] | None) -> list[str]:
    """The strptime formats that ``events.time_format`` (or ``--time-format``) stands for."""
    out: list[str] = []
    for item in [value] if isinstance(value, str) else value or []:
        out.extend(TIME_FORMAT_NAMES.get(item, (item,)))
    return out


class EventSettings(Base):
    """How event logs are read."""

    columns: ColumnMapping = Field(default_factory=ColumnMapping)
    source: EventSourceSettings = Field(default_factory=EventSourceSettings)
    max_future_days: int = Field(1, ge=0, le=36500, description="events further in the future are quarantined")
    memory_limit: str = Field("2.5GB", pattern=r"(?i)^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
                              description="memory the ingest may use before it spills to data/tmp (DuckDB's "
                              "memory_limit, e.g. 2.5GB; the process peaks about half a gigabyte above it)")
    earliest: dt.date = Field(dt.date(1970, 1, 2), description="events before this date are quarantined: "
                              "times like 1970-01-01 or 0001-01-01 are placeholders in exports, not events")
    session_gap_minutes: float = Field(30, gt=0, le=60 * 24 * 30, description="a session ends after this many "
                                       "minutes without an event on the journey (when no session_id column is "
                                       "mapped)")
    time_format: str | list[str] | None = Field(
        None, description="how text times are written when not ISO 8601: day-first (31-12-2025 14:05, "
        "31/12/2025, 31.12.2025 14:05:30), month-first (12/31/2025 2:05 PM is not: 12/31/2025 14:05), or "
        "strptime formats such as '%d-%m-%Y %H:%M'; ISO 8601 times and epochs are read as well")

    @field_validator("time_format")
    @classmethod
    def _check_time_format(cls, value: str | list[str] | None) -> str | list[str] | None:
        for item in [value] if isinstance(value, str) else value or []:
            if item not in TIME_FORMAT_NAMES and "%" not in item:
                raise ValueError(f"unknown time format {item!r}; expected day-first, month-first or strptime "
                                 "formats with % codes, e.g. '%d-%m-%Y %H:%M'")
        return value

    @property
    def earliest_time(self) -> dt.datetime:
        """:attr:`earliest` as a naive UTC datetime, the way event times are stored."""
        return dt.datetime.combine(self.earliest, dt.time())


class AnalysisSettings(Base):
    """How the analyses judge what they measure (``analysis`` in ``journeymap.yaml``; docs/findings.md)."""

    trend_weeks: int = Field(4, ge=1, le=52, description="the trend compares the last complete N weeks with "
                             "the N weeks before")
    min_customers: int = Field(30, ge=1, description="fewest customers in a period or segment before a trend or "
                               "a finding is shown for it")
    false_discovery_rate: float = Field(0.05, gt=0, lt=1, description="the share of false findings allowed "
                                        "(Benjamini-Hochberg over everything scanned)")
    loop_tolerance: float = Field(0.01, ge=0, lt=1, description="an undesigned move back is a finding when "
                                  "significantly more than this share of visits take it")
    spike_ratio: float = Field(1.5, gt=1, description="a day is a spike when significantly above its usual level "
                               "and at least this many times it")
    segment_values: int = Field(12, ge=2, le=100, description="a property with more values than this is not "
                                "scanned as a segment")


class Settings(Base):
    """``journeymap.yaml``: the workspace's settings."""

    name: str = "journeymap"
    language: Language = "en"
    timezone: str = "UTC"
    channels: list[Identifier] = Field(default_factory=lambda: list(DEFAULT_CHANNELS))
    events: EventSettings = Field(default_factory=EventSettings)
    sources: dict[str, Any] = Field(default_factory=dict, description="named data sources (files, database URLs)")
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if value not in _time_zones():
            from journeymap.errors import suggest

            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Amsterdam); "
                             f"{suggest(value, _time_zones())}")
        return value


def _time_zones() -> frozenset[str]:
    """Real IANA zone names: not the tz database's helper files (posixrules, localtime, Factory) or paths."""
    global _ZONES
    if _ZONES is None:
        from zoneinfo import available_timezones

        _ZONES = frozenset(z for z in available_timezones() if z not in ("posixrules", "localtime", "Factory")
                           and not z.startswith(("posix/", "right/")))
    return _ZONES


_ZONES: frozenset[str] | None = None
