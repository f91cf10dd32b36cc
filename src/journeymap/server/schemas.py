"""Request and response bodies of the API (Create / Update / Public, as in FastAPI's full-stack template)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from journeymap.model.types import DmuRole

RoleName = Literal["viewer", "editor", "admin"]
Lang = Literal["nl", "en"]


#: The largest row id the database columns hold (a 32-bit integer in SQLite and PostgreSQL alike).
MAX_ROW_ID = 2_147_483_647


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1000)


class SessionOut(BaseModel):
    user: str
    role: str
    csrf_token: str


class JourneyCreate(Strict):
    id: str = Field(min_length=1, max_length=80, description="the new journey's id (lower-case slug)")
    title: str = Field("", max_length=200)
    template: Literal["webshop", "b2b", "subscription", "blank"] = "blank"
    lang: Lang | None = None


class JourneySummary(BaseModel):
    id: str
    title: str
    path: str
    etag: str
    steps: int
    stages: int
    personas: list[str]
    errors: int


class Saved(BaseModel):
    id: str
    etag: str
    revision: int
    changes: list[dict[str, Any]]


class CommentCreate(Strict):
    target: str = Field("journey", max_length=200, description="journey, step:ID, pain:STEP:N or opportunity:ID")
    body: str = Field(min_length=1, max_length=10000)
    parent: int | None = Field(None, ge=1, le=MAX_ROW_ID, description="the comment to reply to")


class CommentUpdate(Strict):
    resolved: bool


class ShareCreate(Strict):
    days: float = Field(14, description="how long the link works")
    with_data: bool = Field(False, description="show the measured figures too")


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=1000)
    role: RoleName = "viewer"


class UserUpdate(Strict):
    role: RoleName | None = None
    active: bool | None = None


class UserOut(BaseModel):
    name: str
    role: str
    active: bool
    language: str | None


class MeUpdate(Strict):
    language: Lang | None = None
    password: str | None = Field(None, min_length=8, max_length=1000)


class TokenCreate(Strict):
    label: str = Field("", max_length=80)


class TokenOut(BaseModel):
    id: int
    label: str
    created_at: str
    last_used_at: str | None
    revoked: bool


class PersonaCreate(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80,
                    description="the new persona's id (lower-case slug; its file is personas/ID.yaml)")
    name: str = Field(min_length=1, max_length=200)
    role: DmuRole = "customer"


class Deleted(BaseModel):
    """A journey or persona in the bin: its last version is a revision, restore it to bring it back."""

    type: Literal["journey", "persona"]
    id: str
    title: str
    revision: int
    deleted_by: str
    deleted_at: str
    restore: str = Field(description="POST here to bring it back")


class PersonaOut(BaseModel):
    id: str
    name: str
    role: str
    etag: str


class FunnelIn(Strict):
    steps: list[str] = Field(min_length=2, max_length=30)
    mode: Literal["sequential", "strict", "any"] = "sequential"
    window: float = Field(14.0, gt=0, le=3650)


class FindingOut(BaseModel):
    """One finding (:meth:`journeymap.results.Finding.as_dict`; docs/findings.md describes each kind)."""

    kind: str = Field(description="change, appear, vanish, segment, interaction, loop, spike or cohort")
    title: str = Field(description="what was found, in words (the asked language)")
    metric: str
    steps: list[str]
    events: list[str]
    segment: dict[str, str] | None
    period: dict[str, str] | None = Field(description="start and end (excluded) as ISO dates")
    baseline: float | None
    observed: float | None
    customers: int = Field(description="customers affected")
    p_value: float | None
    q_value: float | None = Field(description="Benjamini-Hochberg q over every test run")
    score: float = Field(description="customers affected × size of the effect: the rank")
    unit: str = Field(description="share (0..1), seconds, count or mean")
    n: int
    effect: float | None
    interval: list[float] | None
    test: str
    command: str = Field(description="the journeymap command that shows the figure")
    details: dict[str, Any]


class TimerIn(Strict):
    seconds: int = Field(ge=10, le=4 * 3600, description="how long the timer runs")


class RoundIn(Strict):
    dots: int = Field(3, ge=1, le=20, description="dots per person in the new round")


class VoteIn(Strict):
    idea: str = Field(min_length=1, max_length=80, description="the idea's (opportunity's) id")


#: A row id in a path: positive and within a 32-bit integer, the range of SQLite's and PostgreSQL's columns.
DbId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
