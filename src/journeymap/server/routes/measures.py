"""What the data says, through :mod:`journeymap.api`: overlay, health, funnel, paths, feedback, customers."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Query, Response

from journeymap import api
from journeymap.errors import JourneymapError
from journeymap.server import measures
from journeymap.server.auth import Viewer
from journeymap.server.db import SessionDep
from journeymap.server.errors import ApiError
from journeymap.server.fastpath import answer
from journeymap.server.measures import clean
from journeymap.server.schemas import FindingOut, FunnelIn, Lang
from journeymap.server.state import AppState, StateDep

router = APIRouter(prefix="/api/v1", tags=["measures"])


def _journey(state: AppState, journey_id: str) -> None:
    if journey_id not in state.files.workspace().journeys:
        raise ApiError(404, f"no journey {journey_id!r}")


def _need_data(state: AppState) -> None:
    if measures.Measures.generation(state.files.workspace()) is None:
        raise ApiError(409, "no events yet: run journeymap ingest events FILE --workspace WS (or journeymap demo)",
                       code="no_data")


def frames(result: dict[str, Any]) -> dict[str, Any]:
    """DataFrames by name as ``{name: {"columns": [...], "rows": [[...]]}}``."""
    out: dict[str, Any] = {}
    for name, df in result.items():
        if hasattr(df, "to_dict"):
            out[name] = {"columns": [str(c) for c in df.columns],
                         "rows": clean(df.astype(object).where(df.notna(), None).values.tolist())}
    return out


def _domain(call: Any) -> Any:
    try:
        return call()
    except JourneymapError as exc:
        raise ApiError(422, exc.message) from exc


@router.get("/journeys/{journey_id}/overlay", response_model=None, responses={
    200: {"description": "the overlay", "content": {"application/json": {"schema": {"type": "object"}}}}})
async def get_overlay(journey_id: str, user: Viewer, state: StateDep) -> Response:
    """The measured figures of the living map (reach, conversion, drop-off, time, flows, funnel, emotions)."""

    def read() -> Response:
        _journey(state, journey_id)
        _need_data(state)
        return Response(_domain(lambda: measures.overlay_json(state, journey_id)), media_type="application/json")

    return await answer(read)


def check_kinds(kinds: list[str] | None) -> list[str]:
    """The kinds of finding asked for, each one the engine knows (422 naming the valid ones otherwise)."""
    from journeymap.errors import suggest
    from journeymap.results import FINDING_KINDS

    for k in kinds or []:
        if k not in FINDING_KINDS:
            raise ApiError(422, f"unknown kind of finding {k!r}; {suggest(k, FINDING_KINDS)}")
    return list(kinds or [])


@router.get("/journeys/{journey_id}/findings", response_model=None,
            responses={200: {"model": list[FindingOut], "description": "the findings, ranked (highest score first)"}})
async def get_findings(journey_id: str, user: Viewer, state: StateDep,
                 kind: list[str] | None = Query(None, description="only these kinds (repeat the parameter): change, "
                                                "appear, vanish, segment, interaction, loop, spike, cohort"),
                 lang: Lang | None = Query(None, description="the titles' language (default: the workspace's)")) \
        -> Response:
    """What needs attention, ranked (as ``journeymap findings --format json``): each finding with its title,
    the customers affected, p and q, and the command that shows the figure."""
    kinds = check_kinds(kind)

    def read() -> Response:
        _journey(state, journey_id)
        _need_data(state)
        body = _domain(lambda: measures.findings_json(state, journey_id, lang, tuple(kinds)))
        return Response(body, media_type="application/json")

    return await answer(read)


@router.get("/journeys/{journey_id}/health")
def get_health(journey_id: str, user: Viewer, state: StateDep, db: SessionDep) -> dict[str, Any]:
    """Conversion to the goal, its trend, NPS, sentiment, open pain points and staleness."""
    _journey(state, journey_id)
    return clean(_domain(lambda: measures.health(state, db, journey_id)))  # type: ignore[no-any-return]


@router.post("/journeys/{journey_id}/funnel")
def post_funnel(journey_id: str, body: FunnelIn, user: Viewer, state: StateDep) -> dict[str, Any]:
    """A funnel over any steps (as ``journeymap funnel``)."""
    _journey(state, journey_id)
    _need_data(state)
    root = state.files.root
    key = ("funnel", journey_id, tuple(body.steps), body.mode, body.window,
           measures.Measures.generation(state.files.workspace()))
    return state.measures.get(key, lambda: frames(_domain(lambda: api.funnel(
        journey_id, body.steps, root, mode=body.mode, window=body.window))))


@router.get("/journeys/{journey_id}/paths")
def get_paths(journey_id: str, user: Viewer, state: StateDep, level: str = Query("step", pattern="^(step|stage)$"),
              top: int = Query(15, ge=1, le=200)) -> dict[str, Any]:
    """Transitions and the most frequent whole paths (as ``journeymap paths``)."""
    _journey(state, journey_id)
    _need_data(state)
    key = ("paths", journey_id, level, top, measures.Measures.generation(state.files.workspace()))
    return state.measures.get(key, lambda: frames(_domain(lambda: api.paths(
        journey_id, state.files.root, level=level, top=top))))


@router.get("/journeys/{journey_id}/feedback")
def get_feedback(journey_id: str, user: Viewer, state: StateDep) -> dict[str, Any]:
    """NPS, CSAT and CES per step with intervals, and the themes of what customers wrote per step."""
    _journey(state, journey_id)
    _need_data(state)
    root = state.files.root

    def compute() -> dict[str, Any]:
        report = _domain(lambda: api.feedback(root, by="step", journey=journey_id))
        themes = _domain(lambda: api.feedback_themes(root, journey=journey_id))
        return clean({"metrics": [dataclasses.asdict(r) for r in report.rows],
                      "themes": {k: dataclasses.asdict(v) for k, v in themes.items()}})

    return state.measures.get(("feedback", journey_id, measures.Measures.generation(state.files.workspace())), compute)


@router.get("/customers/{customer_id}")
def get_customer(customer_id: str, user: Viewer, state: StateDep, limit: int = Query(500, ge=1, le=5000)) \
        -> dict[str, Any]:
    """One customer's journey across channels: events, survey answers and messages in time order."""
    _need_data(state)
    try:
        found = api.customer(customer_id, state.files.root, limit=limit)
    except JourneymapError as exc:
        raise ApiError(404, exc.message) from exc
    return clean(dataclasses.asdict(found))  # type: ignore[no-any-return]


@router.get("/events/names")
def get_event_names(user: Viewer, state: StateDep) -> list[dict[str, Any]]:
    """The event names in the store, most frequent first (for bindings)."""
    ws = state.files.workspace()
    gen = measures.Measures.generation(ws)
    if gen is None:
        return []
    rows = state.measures.get(("event-names", gen), lambda: _domain(lambda: api.event_names(ws)))
    return [{"event": e, "n": n} for e, n in rows]
