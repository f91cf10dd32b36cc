"""Personas (in B2B the decision-making unit's roles) in their own files: create, edit, delete, restore.

Each change is a revision, as for journeys: the revisions table keys a persona's history as
``persona:ID`` (a journey id cannot hold a colon), with the persona's whole text and its diff
(:func:`journeymap.model.diff.diff_personas`). A persona that a journey refers to cannot be deleted;
the message names the journeys and where.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from journeymap.errors import Diagnostic, suggest
from journeymap.model import yamlio
from journeymap.model.diff import diff_personas
from journeymap.model.document import merge_into
from journeymap.model.types import Persona
from journeymap.model.workspace import SourceFile, pydantic_diagnostics
from journeymap.server import revisions
from journeymap.server.errors import ApiError
from journeymap.server.journeys import required_etag
from journeymap.server.models import Revision, User
from journeymap.server.state import AppState
from journeymap.server.workspace import Version, etag_of, plain

PREFIX = "persona:"


def subject(persona_id: str) -> str:
    """The key of a persona's history in the revisions table."""
    return PREFIX + persona_id


def current(state: AppState, persona_id: str) -> Version:
    ws = state.files.workspace()
    src = ws.persona_files.get(persona_id)
    if src is None:
        raise ApiError(404, f"no persona {persona_id!r}; {suggest(persona_id, ws.personas)}")
    data = src.path.read_bytes()
    rel = state.files.rel(src.path)
    text = data.decode("utf-8")
    return Version(persona_id, src.path, rel, text, etag_of(data))


def check(state: AppState, rel: str, doc: Any) -> list[Diagnostic]:
    src = SourceFile(state.files.root / rel, rel, doc)
    try:
        persona = Persona.model_validate(doc)
    except ValidationError as exc:
        return pydantic_diagnostics(exc, Persona, src)
    channels = set(state.files.workspace().settings.channels)
    out = []
    for i, ch in enumerate(persona.channels):
        if ch not in channels:
            line, col = yamlio.position(doc, ("channels", i))
            out.append(Diagnostic(rel, line, col, f"unknown channel {ch!r} in persona {persona.id!r}; "
                                  f"{suggest(ch, channels)}", code="unknown-channel"))
    return out


def _invalid(diags: list[Diagnostic]) -> ApiError:
    return ApiError(422, f"the persona is not valid; first: {diags[0]}", details={"diagnostics": [
        {"file": d.file, "line": d.line, "col": d.col, "message": d.message, "text": str(d)} for d in diags]})


def _persona(text: str | None) -> Persona | None:
    if text is None:
        return None
    try:
        return Persona.model_validate(yamlio.load_text(text, "persona"))
    except (yamlio.YamlSyntaxError, ValidationError):
        return None


def _record(db: Session, persona_id: str, *, kind: str, text: str, rel: str, user: User | None,
            before: str | None, after: str | None, restored_from: int | None = None) -> Revision:
    changes = revisions.as_changes(diff_personas(_persona(before), _persona(after)))
    return revisions.record(db, subject(persona_id), kind=kind, text=text, etag=etag_of(text.encode("utf-8")),
                            path=rel, user=user, author=None if user else "disk", restored_from=restored_from,
                            changes=changes)


def _previous(db: Session, persona_id: str) -> str | None:
    last = revisions.latest(db, subject(persona_id))
    return last.content if last is not None and last.kind != "deleted" else None


def save(state: AppState, db: Session, user: User, persona_id: str, data: Any, if_match: str | None) -> str:
    """Write an edited persona if ``if_match`` is still its version (a revision with its diff); its new ETag."""
    sent = required_etag(if_match, "send the version you edited in If-Match")
    with state.files.lock:
        now = current(state, persona_id)
        if sent not in (now.etag, "*"):
            raise ApiError(412, "the persona was changed since you opened it; nothing was overwritten",
                           details={"etag": now.etag, "document": plain(now.doc)})
        try:
            values: Any = Persona.model_validate(data).model_dump(mode="python", exclude_unset=True, by_alias=True)
        except ValidationError:
            values = data
        if not isinstance(values, dict):
            raise ApiError(422, "the persona must be a JSON object")
        doc = merge_into(copy.deepcopy(now.doc), values)
        text = yamlio.dump_text(doc)
        reparsed = yamlio.load_text(text, now.rel)
        diags = check(state, now.rel, reparsed)
        if not diags and reparsed.get("id") != persona_id:
            diags.append(Diagnostic(now.rel, 1, 1, "a persona's id cannot change in the app (journeys refer to it)",
                                    code="id-changed"))
        if diags:
            raise _invalid(diags)
        if text == now.text:
            return now.etag
        before = _previous(db, persona_id) or now.text
        etag = state.files.write(now.path, text)
        _record(db, persona_id, kind="saved", text=text, rel=now.rel, user=user, before=before, after=text)
        db.commit()
    state.live.publish({"type": "persona", "id": persona_id, "etag": etag, "kind": "saved", "by": user.name})
    return etag


def create(state: AppState, db: Session, user: User, persona_id: str, name: str, role: str) -> tuple[str, Revision]:
    """A new persona file ``personas/ID.yaml``; its ETag and revision."""
    with state.files.lock:
        ws = state.files.workspace()
        rel = f"personas/{persona_id}.yaml"
        if persona_id in ws.personas or (state.files.root / rel).exists():
            where = ws.persona_files[persona_id].display if persona_id in ws.persona_files else rel
            raise ApiError(409, f"a persona with id {persona_id!r} exists already ({where})", code="exists")
        text = yamlio.dump_text({"id": persona_id, "name": name, "role": role})
        diags = check(state, rel, yamlio.load_text(text, rel))
        if diags:
            raise _invalid(diags)
        path = state.files.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        etag = state.files.write(path, text)
        rev = _record(db, persona_id, kind="created", text=text, rel=rel, user=user, before=None, after=text)
        db.commit()
    state.live.publish({"type": "persona", "id": persona_id, "etag": etag, "kind": "created", "by": user.name})
    return etag, rev


def users_of(state: AppState, persona_id: str) -> list[str]:
    """Where journeys refer to the persona: "journeys/webshop.yaml (personas; steps 'checkout', 'payment')"."""
    ws = state.files.workspace()
    out = []
    for jid, j in sorted(ws.journeys.items()):
        where = ["personas"] if persona_id in j.personas else []
        steps = [s.id for s in j.steps if persona_id in s.personas or persona_id in s.persona_emotions]
        if steps:
            where.append("steps " + ", ".join(f"'{s}'" for s in steps))
        if where:
            out.append(f"{state.files.rel(ws.journey_files[jid].path)} ({'; '.join(where)})")
    return out


def delete(state: AppState, db: Session, user: User, persona_id: str, if_match: str | None) -> Revision:
    """Delete a persona's file if ``if_match`` is still its version and no journey refers to it; its last
    version stays as a revision (kind ``deleted``) to restore."""
    sent = required_etag(if_match, "send the version you are deleting in If-Match")
    with state.files.lock:
        now = current(state, persona_id)
        if sent not in (now.etag, "*"):
            raise ApiError(412, "the persona was changed since you opened it; nothing was deleted",
                           details={"etag": now.etag})
        used = users_of(state, persona_id)
        if used:
            raise ApiError(409, f"persona {persona_id!r} is used by {'; '.join(used)}: remove it there first",
                           code="in_use", details={"used_by": used})
        rev = _record(db, persona_id, kind="deleted", text=now.text, rel=now.rel, user=user, before=now.text,
                      after=None)
        revisions.remove_after(db, rev, state.files, now.path, now.rel)
    state.live.publish({"type": "persona", "id": persona_id, "etag": None, "kind": "deleted", "by": user.name})
    return rev


def restore(state: AppState, db: Session, user: User, persona_id: str, number: int) -> tuple[str, Revision]:
    """Make revision ``number`` of a persona current again (a deleted persona's file is written again)."""
    with state.files.lock:
        rev = revisions.get(db, subject(persona_id), number)
        if rev is None:
            raise ApiError(404, f"persona {persona_id!r} has no revision {number}")
        exists = persona_id in state.files.workspace().personas
        path = state.files.root / rev.path
        if not exists and path.exists():
            raise ApiError(409, f"{rev.path} exists but is not persona {persona_id!r}: rename or remove it first",
                           code="exists")
        before = current(state, persona_id).text if exists else None
        if before == rev.content:
            raise ApiError(409, f"revision {number} is the current version already", code="unchanged")
        diags = check(state, rev.path, yamlio.load_text(rev.content, rev.path))
        if diags:
            raise _invalid(diags)
        path.parent.mkdir(parents=True, exist_ok=True)
        etag = state.files.write(path, rev.content)
        new = _record(db, persona_id, kind="restored", text=rev.content, rel=rev.path, user=user, before=before,
                      after=rev.content, restored_from=number)
        db.commit()
    state.live.publish({"type": "persona", "id": persona_id, "etag": etag, "kind": "restored", "by": user.name})
    return etag, new


def sync_from_disk(state: AppState, db: Session) -> list[str]:
    """A revision for every persona file that differs from its latest revision (the caller holds the lock and
    commits); the persona ids that changed."""
    changed: list[str] = []
    for pid in sorted(state.files.workspace().persona_files):
        try:
            now = current(state, pid)
        except (ApiError, OSError, UnicodeDecodeError):
            continue
        last = revisions.latest(db, subject(pid))
        if last is not None and last.etag == now.etag:
            continue
        _record(db, pid, kind="disk", text=now.text, rel=now.rel, user=None,
                before=last.content if last is not None and last.kind != "deleted" else None, after=now.text)
        changed.append(pid)
    return changed
