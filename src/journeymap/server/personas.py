"""Editing personas (in B2B the decision-making unit's roles) in their own files, comments and order kept."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from journeymap.errors import Diagnostic, suggest
from journeymap.model import yamlio
from journeymap.model.document import merge_into
from journeymap.model.types import Persona
from journeymap.model.workspace import SourceFile, pydantic_diagnostics
from journeymap.server.errors import ApiError
from journeymap.server.journeys import unquote_etag
from journeymap.server.state import AppState
from journeymap.server.workspace import Version, etag_of, plain


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


def save(state: AppState, persona_id: str, data: Any, if_match: str | None) -> str:
    """Write an edited persona if ``if_match`` is still its version; its new ETag."""
    sent = unquote_etag(if_match)
    if not sent:
        raise ApiError(428, "send the version you edited in If-Match", code="precondition_required")
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
            raise ApiError(422, f"the persona is not valid; first: {diags[0]}", details={"diagnostics": [
                {"file": d.file, "line": d.line, "col": d.col, "message": d.message, "text": str(d)} for d in diags]})
        etag = state.files.write(now.path, text)
    state.live.publish({"type": "persona", "id": persona_id, "etag": etag})
    return etag
