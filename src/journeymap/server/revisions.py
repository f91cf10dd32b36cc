"""Revisions: every version of a journey file the app saw, with author, time and the semantic diff.

A save in the app, a restore, a new journey and an edit found on disk each add one. The diff is
:func:`journeymap.model.diff.diff_journeys` between the version before and this one, the same
lines ``journeymap diff`` prints.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeymap.model import yamlio
from journeymap.model.diff import Change, diff_journeys
from journeymap.model.types import Journey
from journeymap.server.models import Revision, User

_known: dict[str, Journey] = {}


def parse(text: str, name: str = "revision") -> Journey | None:
    """The journey in a revision's text; the versions saved last are known without parsing."""
    if text in _known:
        return _known[text]
    try:
        journey = Journey.model_validate(yamlio.load_text(text, name))
    except (yamlio.YamlSyntaxError, ValidationError):
        return None
    _known[text] = journey
    while len(_known) > 32:
        _known.pop(next(iter(_known)))
    return journey


def changes_between(old_text: str | None, new_text: str, new: Journey | None = None) -> list[dict[str, Any]]:
    """The semantic diff as JSON: each change with its ``journeymap diff`` line (``new``: the journey in
    ``new_text`` when the caller has it already)."""
    new = new if new is not None else parse(new_text)
    old = parse(old_text) if old_text is not None else None
    if new is None:
        return []
    changes: list[Change] = diff_journeys(old, new) if old is not None else \
        [Change(new.id, "journey", "added", "", new={"title": new.title, "steps": len(new.steps)})]
    return as_changes(changes)


def as_changes(changes: list[Change]) -> list[dict[str, Any]]:
    return [{"kind": c.kind, "section": c.section, "item": c.item, "field": c.field, "line": c.line()}
            for c in changes]


def deleted(db: Session) -> list[Revision]:
    """The latest revision of every journey and persona whose latest revision is its deletion (the bin)."""
    newest = select(Revision.journey_id, func.max(Revision.number).label("n")).group_by(Revision.journey_id) \
        .subquery()
    rows = db.scalars(select(Revision).join(newest, (Revision.journey_id == newest.c.journey_id)
                                            & (Revision.number == newest.c.n))
                      .where(Revision.kind == "deleted").order_by(Revision.created_at.desc()))
    return list(rows)


def subjects(db: Session) -> list[tuple[str, Revision]]:
    """Every journey and persona id with a history, and its latest revision."""
    newest = select(Revision.journey_id, func.max(Revision.number).label("n")).group_by(Revision.journey_id) \
        .subquery()
    rows = db.scalars(select(Revision).join(newest, (Revision.journey_id == newest.c.journey_id)
                                            & (Revision.number == newest.c.n)))
    return [(r.journey_id, r) for r in rows]


def latest(db: Session, journey_id: str) -> Revision | None:
    return db.scalar(select(Revision).where(Revision.journey_id == journey_id)
                     .order_by(Revision.number.desc()).limit(1))


def by_etag(db: Session, journey_id: str, etag: str) -> Revision | None:
    return db.scalar(select(Revision).where(Revision.journey_id == journey_id, Revision.etag == etag)
                     .order_by(Revision.number.desc()).limit(1))


def get(db: Session, journey_id: str, number: int) -> Revision | None:
    return db.scalar(select(Revision).where(Revision.journey_id == journey_id, Revision.number == number))


def listing(db: Session, journey_id: str, limit: int = 200) -> list[Revision]:
    return list(db.scalars(select(Revision).where(Revision.journey_id == journey_id)
                           .order_by(Revision.number.desc()).limit(limit)))


def record(db: Session, journey_id: str, *, kind: str, text: str, etag: str, path: str, user: User | None,
           author: str | None = None, restored_from: int | None = None, journey: Journey | None = None,
           changes: list[dict[str, Any]] | None = None) -> Revision:
    """Add the next revision of ``journey_id`` (the caller holds the workspace lock and commits);
    ``journey``: the journey in ``text``, when the caller has validated it already; ``changes``: the diff,
    when it is not the one between two journey texts (a deletion, a persona)."""
    before = latest(db, journey_id)
    number = (db.scalar(select(func.max(Revision.number)).where(Revision.journey_id == journey_id)) or 0) + 1
    if changes is None:
        changes = changes_between(before.content if before else None, text, journey)
    rev = Revision(journey_id=journey_id, number=number, kind=kind, author_id=user.id if user else None,
                   author_name=user.name if user else (author or "disk"), etag=etag, path=path, content=text,
                   changes=changes, restored_from=restored_from)
    if journey is not None:
        _known[text] = journey  # the next save compares with this version: no need to parse it again
        while len(_known) > 32:
            _known.pop(next(iter(_known)))
    db.add(rev)
    db.flush()
    return rev


def as_json(rev: Revision, *, content: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"number": rev.number, "kind": rev.kind, "author": rev.author_name,
                           "at": rev.created_at.isoformat() + "Z", "etag": rev.etag, "path": rev.path,
                           "changes": rev.changes, "restored_from": rev.restored_from}
    if content:
        out["content"] = rev.content
    return out


def remove_after(db: Session, rev: Revision, files: Any, path: Any, rel: str) -> None:
    """Remove a workspace file whose last text revision ``rev`` holds: the revision is committed first (the text
    is safe before the file goes); when the file cannot be removed the revision goes too, so nothing is half
    done, and the caller gets a 409 saying why."""
    from journeymap.server.errors import ApiError

    db.commit()
    try:
        files.remove(path)
    except OSError as exc:
        db.delete(rev)
        db.commit()
        raise ApiError(409, f"cannot delete {rel}: {exc.strerror or exc}") from exc
