"""Changing journeys: save an edit, create one from a template, restore a revision, notice edits on disk.

Each change is one step under the workspace lock: check the version the editor started from (the
ETag), merge and validate, write the file, add a revision, commit to git when that is on, tell the
open pages. Routes and tests call these functions; none of them knows about HTTP beyond
:class:`~journeymap.server.errors.ApiError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from journeymap.errors import JourneymapError
from journeymap.model import yamlio
from journeymap.server import revisions
from journeymap.server.errors import ApiError
from journeymap.server.models import Revision, User
from journeymap.server.state import AppState
from journeymap.server.workspace import Checked, Version, etag_of

log = logging.getLogger("journeymap.server")
BLANK = "blank"


@dataclass
class Saved:
    journey_id: str
    etag: str
    revision: Revision


def current(state: AppState, journey_id: str, *, fresh: bool = False) -> Version:
    """The journey's file as it is now (``fresh``: its bytes read and hashed again, for a write's check)."""
    try:
        return state.files.read(journey_id, fresh=fresh)
    except KeyError:
        from journeymap.errors import suggest

        raise ApiError(404, f"no journey {journey_id!r}; {suggest(journey_id, state.files.journey_ids())}") from None


def _invalid(checked: Checked) -> ApiError:
    n = len(checked.errors)
    first = checked.errors[0] if checked.errors else None
    return ApiError(422, f"the journey is not valid: {n} error{'s' * (n != 1)}" + (f"; first: {first}" if first else ""),
                    details={"diagnostics": checked.as_json()})


def _stale(db: Session, now: Version, sent: str) -> ApiError:
    """412 with the current version and what the other person changed since the version the editor had."""
    mine = revisions.by_etag(db, now.journey_id, sent)
    last = revisions.latest(db, now.journey_id)
    theirs = revisions.changes_between(mine.content, now.text) if mine is not None else []
    who = last.author_name if last is not None and last.etag == now.etag else None
    details = {"etag": now.etag, "document": now.document, "their_changes": theirs, "changed_by": who,
               "changed_at": (last.created_at.isoformat() + "Z") if last is not None and who else None}
    message = f"the journey was changed by {who} since you opened it" if who else \
        "the journey was changed since you opened it"
    return ApiError(412, message + "; nothing was overwritten: reload it and make your change again",
                    details=details, headers={"ETag": f'"{now.etag}"'})


def _after_write(state: AppState, db: Session, user: User | None, version_path: Any, rel: str, journey_id: str,
                 text: str, kind: str, restored_from: int | None = None, checked: Checked | None = None) -> Saved:
    etag = etag_of(text.encode("utf-8"))
    rev = revisions.record(db, journey_id, kind=kind, text=text, etag=etag, path=rel, user=user,
                           restored_from=restored_from, journey=checked.journey if checked else None)
    db.commit()
    if state.git and user is not None:
        from journeymap.server.gitcommit import commit_file

        summary = "; ".join(c["line"] for c in rev.changes[:3]) or kind
        commit_file(state.files.root, version_path, user.name,
                    f"{journey_id}: {summary}\n\njourneymap revision {rev.number} ({kind}) by {user.name}")
    state.live.publish({"type": "journey", "id": journey_id, "etag": etag, "by": user.name if user else "disk",
                        "revision": rev.number, "kind": kind})
    return Saved(journey_id, etag, rev)


def unquote_etag(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def required_etag(if_match: str | None, message: str) -> str:
    """The version an edit or a deletion was made on (``If-Match``); without one, a 428 saying ``message``."""
    sent = unquote_etag(if_match)
    if not sent:
        raise ApiError(428, message, code="precondition_required")
    return sent


def save(state: AppState, db: Session, user: User, journey_id: str, data: Any, if_match: str | None) -> Saved:
    """Write an edited journey (the whole document as JSON) if ``if_match`` is still its version."""
    sent = required_etag(if_match, "send the version you edited in If-Match (the ETag of GET /journeys/{id})")
    with state.files.lock:
        now = current(state, journey_id, fresh=True)
        if sent not in (now.etag, "*"):
            raise _stale(db, now, sent)
        checked = state.files.merged(now, data)
        if checked.errors:
            raise _invalid(checked)
        if checked.text == now.text:
            last = revisions.latest(db, journey_id)
            if last is not None and last.etag == now.etag:
                return Saved(journey_id, now.etag, last)
        state.files.write(now.path, checked.text, checked)
        return _after_write(state, db, user, now.path, now.rel, journey_id, checked.text, "saved", checked=checked)


def validate(state: AppState, journey_id: str, data: Any) -> Checked:
    """What saving ``data`` would say, without saving (the editor asks while the user types)."""
    return state.files.merged(current(state, journey_id), data)


def restore(state: AppState, db: Session, user: User, journey_id: str, number: int) -> Saved:
    """Make revision ``number`` the current version again (as a new revision; nothing is lost). A deleted
    journey comes back this way too: its file is written again where it was."""
    with state.files.lock:
        rev = revisions.get(db, journey_id, number)
        if rev is None:
            journeys_known = journey_id in state.files.workspace().journeys or revisions.latest(db, journey_id)
            raise ApiError(404, f"journey {journey_id!r} has no revision {number}" if journeys_known
                           else f"no journey {journey_id!r}")
        if journey_id not in state.files.workspace().journeys:
            return _undelete(state, db, user, journey_id, rev)
        now = current(state, journey_id, fresh=True)
        checked = state.files.check_text(rev.content, now.rel)
        if checked.errors:
            raise _invalid(checked)
        if rev.content == now.text:
            raise ApiError(409, f"revision {number} is the current version already", code="unchanged")
        state.files.write(now.path, rev.content, checked)
        return _after_write(state, db, user, now.path, now.rel, journey_id, rev.content, "restored",
                            restored_from=number)


def _undelete(state: AppState, db: Session, user: User, journey_id: str, rev: Revision) -> Saved:
    """Write a deleted journey's file again from revision ``rev`` (the caller holds the lock)."""
    path = state.files.root / rev.path
    if path.exists():
        raise ApiError(409, f"{rev.path} exists but is not journey {journey_id!r}: rename or remove it first",
                       code="exists")
    checked = state.files.check_text(rev.content, rev.path)
    if checked.errors:
        raise _invalid(checked)
    if checked.journey is None or checked.journey.id != journey_id:
        raise ApiError(409, f"revision {rev.number} of {rev.path} holds another journey", code="conflict")
    path.parent.mkdir(parents=True, exist_ok=True)
    state.files.write(path, rev.content, checked)
    return _after_write(state, db, user, path, rev.path, journey_id, rev.content, "restored",
                        restored_from=rev.number, checked=checked)


def delete(state: AppState, db: Session, user: User, journey_id: str, if_match: str | None) -> Revision:
    """Delete a journey's file if ``if_match`` is still its version; the last version stays as a revision
    (kind ``deleted``), so restoring it brings the journey back."""
    sent = required_etag(if_match, "send the version you are deleting in If-Match (the ETag of GET "
                         "/journeys/{id})")
    with state.files.lock:
        now = current(state, journey_id, fresh=True)
        if sent not in (now.etag, "*"):
            raise _stale(db, now, sent)
        journey = state.files.workspace().journeys.get(journey_id)
        title = journey.title if journey is not None else journey_id
        line = f"- journey '{journey_id}' \"{title}\""
        rev = revisions.record(db, journey_id, kind="deleted", text=now.text, etag=now.etag, path=now.rel, user=user,
                               changes=[{"kind": "removed", "section": "journey", "item": journey_id, "field": "",
                                         "line": line}])
        revisions.remove_after(db, rev, state.files, now.path, now.rel)
    if state.git:
        from journeymap.server.gitcommit import commit_file

        commit_file(state.files.root, now.path, user.name,
                    f"{journey_id}: deleted\n\njourneymap revision {rev.number} (deleted) by {user.name}")
    state.live.publish({"type": "journey", "id": journey_id, "etag": None, "by": user.name, "revision": rev.number,
                        "kind": "deleted"})
    return rev


def create(state: AppState, db: Session, user: User, *, journey_id: str, title: str, template: str,
           lang: str | None = None) -> Saved:
    """A new journey from a starter template (``webshop``, ``b2b``, ``subscription``) or ``blank``.

    The template's personas that the workspace lacks are added beside it, so the new map is valid at once.
    """
    from journeymap.model.types import Journey

    with state.files.lock:
        ws = state.files.workspace()
        language = lang or ws.settings.language
        try:
            Journey.model_validate({"id": journey_id, "title": title or journey_id,
                                    "stages": [{"id": "s", "name": "s"}]})
            path = state.files.new_journey_path(journey_id)
        except JourneymapError as exc:
            raise ApiError(409, exc.message, code="exists") from exc
        except Exception as exc:
            raise ApiError(422, f"invalid journey id {journey_id!r}: use lower-case letters, digits, '-' and '_', "
                           "starting with a letter or digit") from exc
        personas: dict[str, bytes] = {}
        if template == BLANK:
            first_channel = ws.settings.channels[0] if ws.settings.channels else "web"
            doc = yamlio.load_text(_blank(language, first_channel), "blank")
        else:
            from journeymap.templates import template_files

            try:
                files = template_files(template, language)
            except JourneymapError as exc:
                raise ApiError(422, exc.message) from exc
            name = next(n for n in files if n.startswith("journeys/"))
            doc = yamlio.load_text(files[name].decode("utf-8"), name)
            personas = {n: b for n, b in files.items() if n.startswith("personas/")
                        and not (state.files.root / n).exists()}
        doc["id"] = journey_id
        doc["title"] = title or doc.get("title", journey_id)
        text = yamlio.dump_text(doc)
        written: list[Any] = []
        try:
            for name, content in personas.items():
                target = state.files.root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                yamlio.atomic_write_bytes(target, content, durable=True)
                written.append(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            checked = state.files.check_text(text, state.files.rel(path))
            if checked.errors:
                raise _invalid(checked)
            state.files.write(path, text)
        except BaseException:
            for target in written:
                target.unlink(missing_ok=True)
            raise
        return _after_write(state, db, user, path, state.files.rel(path), journey_id, text, "created")


def _blank(lang: str, channel: str) -> str:
    from journeymap.i18n import t

    return (f"id: new\ntitle: new\nstages:\n  - id: stage-1\n    name: {t('server.blank.stage', lang)}\n"
            f"steps:\n  - id: step-1\n    name: {t('server.blank.step', lang)}\n    stage: stage-1\n"
            f"    channel: {channel}\n")


def sync_from_disk(state: AppState, db: Session) -> list[str]:
    """Record a revision for every journey and persona whose file differs from its latest revision (edited
    outside the app, or seen for the first time), and a deletion for each whose file is gone; the journey ids
    that changed."""
    from journeymap.server import personas

    changed: list[str] = []
    with state.files.lock:
        ws = state.files.workspace()
        for jid in sorted(ws.journeys):
            try:
                now = state.files.read(jid)
            except (KeyError, OSError, UnicodeDecodeError, yamlio.YamlSyntaxError):
                continue
            last = revisions.latest(db, jid)
            if last is not None and last.etag == now.etag:
                continue
            revisions.record(db, jid, kind="disk", text=now.text, etag=now.etag, path=now.rel, user=None,
                             author="disk")
            changed.append(jid)
        persona_ids = personas.sync_from_disk(state, db)
        for subject, last in revisions.subjects(db):
            if last.kind == "deleted" or (state.files.root / last.path).exists():
                continue
            if subject.startswith(personas.PREFIX):
                gone = [{"kind": "removed", "section": "personas", "item": subject[len(personas.PREFIX):],
                         "field": "", "line": f"- persona '{subject[len(personas.PREFIX):]}'"}]
                persona_ids.append(subject[len(personas.PREFIX):])
            else:
                gone = [{"kind": "removed", "section": "journey", "item": subject, "field": "",
                         "line": f"- journey '{subject}'"}]
                changed.append(subject)
            revisions.record(db, subject, kind="deleted", text=last.content, etag=last.etag, path=last.path,
                             user=None, author="disk", changes=gone)
        db.commit()
    for jid in changed:
        try:
            etag: str | None = state.files.read(jid).etag
        except (KeyError, OSError):
            etag = None
        state.live.publish({"type": "journey", "id": jid, "etag": etag, "by": "disk",
                            "kind": "disk" if etag else "deleted"})
    for pid in persona_ids:
        try:
            etag = personas.current(state, pid).etag
        except (ApiError, OSError, UnicodeDecodeError):
            etag = None
        state.live.publish({"type": "persona", "id": pid, "etag": etag, "by": "disk", "kind": "disk" if etag else "deleted"})
    return changed
