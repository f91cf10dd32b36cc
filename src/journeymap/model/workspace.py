"""Loading a workspace folder: YAML files → pydantic models → a resolved workspace.

A workspace is ``journeymap.yaml`` plus ``personas/*.yaml`` and ``journeys/*.yaml``.
Loading never stops at the first problem: every file is parsed and validated and all
diagnostics are collected, like a compiler does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from journeymap.errors import Diagnostic, JourneymapError, suggest
from journeymap.model import yamlio
from journeymap.model.types import Journey, Persona, Settings

SETTINGS_FILE = "journeymap.yaml"
M = TypeVar("M", bound=BaseModel)


@dataclass
class SourceFile:
    """One YAML file of the workspace, with its round-trip document (comments kept)."""

    path: Path
    display: str
    doc: Any
    removed: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)

    def original_index(self, list_loc: tuple[Any, ...], index: int) -> int:
        """The index in the file of item ``index`` of a list that lost invalid items."""
        gone = sorted(self.removed.get(list_loc, []))
        for g in gone:
            if g <= index:
                index += 1
        return index

    def original_loc(self, loc: tuple[Any, ...]) -> tuple[Any, ...]:
        out: list[Any] = []
        for part in loc:
            out.append(self.original_index(tuple(out), part) if isinstance(part, int) else part)
        return tuple(out)


@dataclass
class Workspace:
    """A loaded workspace. ``diagnostics`` holds every problem found while loading."""

    root: Path
    settings: Settings
    personas: dict[str, Persona] = field(default_factory=dict)
    journeys: dict[str, Journey] = field(default_factory=dict)
    persona_files: dict[str, SourceFile] = field(default_factory=dict)
    journey_files: dict[str, SourceFile] = field(default_factory=dict)
    settings_file: SourceFile | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def journey(self, ref: str) -> Journey:
        """A journey by id or by file path."""
        if ref in self.journeys:
            return self.journeys[ref]
        target = Path(ref).resolve()
        for jid, src in self.journey_files.items():
            if src.path.resolve() == target:
                return self.journeys[jid]
        raise JourneymapError(f"no journey {ref!r} in workspace {display_path(self.root)}; {suggest(ref, self.journeys)}")

    def journey_file(self, journey_id: str) -> SourceFile:
        return self.journey_files[journey_id]


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the current folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def find_root(start: Path) -> Path:
    """The workspace root: ``start`` or the nearest parent that holds ``journeymap.yaml``."""
    if not start.exists():
        raise JourneymapError(f"no such file or folder: {display_path(start)}")
    start = start if start.is_dir() else start.parent
    for candidate in [start, *start.resolve().parents]:
        if (candidate / SETTINGS_FILE).is_file():
            return candidate
    raise JourneymapError(
        f"no workspace at {display_path(start)}: {SETTINGS_FILE} not found there or in a parent folder "
        "(create one with: journeymap init DIR)"
    )


def _context(doc: Any, loc: tuple[Any, ...], lang: str = "en") -> str:
    """``step 'cart-reminder'``: the nearest enclosing object with an id, for messages."""
    from journeymap.i18n import has, t

    node = doc
    label = ""
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str) and i < len(loc) - 1:
            parent = loc[i - 1] if i >= 1 and isinstance(part, int) else part
            kind = {"steps": "step", "stages": "stage", "personas": "persona", "opportunities": "opportunity",
                    "triggers": "trigger", "lanes": "lane"}.get(str(parent), str(parent))
            label = f"{t('kind.' + kind, lang) if has('kind.' + kind, lang) else kind} {node['id']!r}"
    return label


def pydantic_diagnostics(exc: ValidationError, model: type[BaseModel], src: SourceFile,
                         lang: str = "en") -> list[Diagnostic]:
    """Translate pydantic's errors into located, fix-pointing messages (in the workspace's language ``lang``;
    a check's own explanation, from a validator, stays as the validator wrote it)."""
    from journeymap.i18n import t

    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("function-after", "function-before")))
        line, col = yamlio.position(src.doc, loc)
        where = _context(src.doc, loc, lang)
        key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        etype = err["type"]
        ctx = err.get("ctx", {}) or {}
        got = err.get("input")
        tail = ""
        if etype == "extra_forbidden":
            head, tail = t("load.unknown_key", lang, key=repr(key)), suggest(key, _fields_at(model, loc[:-1]), lang)
        elif etype == "missing":
            head = t("load.missing_key", lang, key=repr(key))
        elif etype == "literal_error":
            valid = [v.strip().strip("'") for v in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
            head = t("load.invalid_value", lang, value=repr(got), key=repr(key))
            tail = suggest(str(got), [v for v in valid if v], lang)
        elif etype == "string_pattern_mismatch":
            head = t("load.invalid_id", lang, value=repr(got), key=repr(key))
            tail = t("load.id_rule", lang)
        elif etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            bound = {"greater_than_equal": "≥ {ge}", "less_than_equal": "≤ {le}", "greater_than": "> {gt}",
                     "less_than": "< {lt}"}[etype].format(**{k: ctx.get(k) for k in ("ge", "le", "gt", "lt")})
            head = t("load.must_be", lang, key=repr(key), bound=bound, value=repr(got))
        elif etype == "too_short" and key:
            head = t("load.not_empty", lang, key=repr(key))
        elif etype == "value_error":
            head = str(ctx.get("error", err["msg"]))
            head = f"{key!r}: {head}" if key else head
        else:
            text = err["msg"][:1].lower() + err["msg"][1:]
            head = t("load.other", lang, key=repr(key), text=text, value=repr(got)) if key else err["msg"]
        msg = head + (t("load.in_where", lang, where=where) if where else "") + (f"; {tail}" if tail else "")
        out.append(Diagnostic(src.display, line, col, msg, code=etype))
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid keys of the model found by walking ``loc`` through the model's fields."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return []
        ann = current.model_fields[part].annotation
        current = _innermost_model(ann, typing)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _innermost_model(ann: Any, typing: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in typing.get_args(ann):
        found = _innermost_model(arg, typing)
        if found is not None:
            return found
    return None


def _load_model(path: Path, model: type[M], diags: list[Diagnostic],
                lang: str = "en") -> tuple[M | None, SourceFile | None]:
    from journeymap.i18n import LANGUAGES, t

    display = display_path(path)
    try:
        doc = yamlio.load_file(path, display)
    except yamlio.YamlSyntaxError as exc:
        diags.append(exc.diagnostic)
        return None, None
    src = SourceFile(path, display, doc)
    if doc is None:
        diags.append(Diagnostic(display, 1, 1, t("load.empty_file", lang), code="empty"))
        return None, src
    if not isinstance(doc, dict):
        diags.append(Diagnostic(display, 1, 1, t("load.not_mapping", lang, kind=type(doc).__name__), code="type"))
        return None, src
    if model is Settings and doc.get("language") in LANGUAGES:  # the settings' own errors in their language
        lang = str(doc["language"])
    try:
        return model.model_validate(doc), src
    except ValidationError as exc:
        diags.extend(pydantic_diagnostics(exc, model, src, lang))
        return _repaired(doc, model, src), src


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _repaired(doc: Any, model: type[M], src: SourceFile) -> M | None:
    """A best-effort model with the faulty parts cut out, so the reference checks still run.

    Without it one typo in a file would hide every broken reference in the same file,
    and the user would fix problems one run at a time. List items that had to go are
    recorded in ``src.removed`` so later diagnostics still point at the right lines.
    """
    data = _plain(doc)
    for _ in range(500):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
            if err["type"] == "missing":
                loc = loc[:-1]
            if not loc or not _cut(data, loc, src):
                return None
    return None


def _cut(data: Any, loc: list[Any], src: SourceFile) -> bool:
    """Delete the key or list item at ``loc``, remembering removed list items."""
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = loc[-1]
    try:
        del parent[last]
    except (KeyError, IndexError, TypeError):
        return False
    if isinstance(last, int):
        src.removed.setdefault(tuple(loc[:-1]), []).append(src.original_index(tuple(loc[:-1]), last))
    return True


def load_workspace(path: Path | str, *, check: bool = True, strict: bool = True) -> Workspace:  # noqa: C901
    """Load and (with ``check``) validate a workspace.

    With ``strict``, any error raises :class:`JourneymapError` carrying all diagnostics.
    """
    from journeymap.i18n import t, tn
    from journeymap.model.validate import check_workspace

    root = find_root(Path(path))
    diags: list[Diagnostic] = []
    settings, settings_src = _load_model(root / SETTINGS_FILE, Settings, diags)
    ws = Workspace(root=root, settings=settings or Settings(), settings_file=settings_src)
    lang = ws.settings.language
    for kind, model, store, files in (
        ("personas", Persona, ws.personas, ws.persona_files),
        ("journeys", Journey, ws.journeys, ws.journey_files),
    ):
        folder = root / kind
        paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
        for p in paths:
            obj, src = _load_model(p, model, diags, lang)  # type: ignore[type-var]
            if obj is None or src is None:
                continue
            oid = obj.id  # type: ignore[attr-defined]
            if oid in store:
                line, col = yamlio.position(src.doc, ("id",))
                first = files[oid]
                diags.append(Diagnostic(src.display, line, col,
                                        t("load.duplicate_file_id", lang, kind=t(f"kind.{kind[:-1]}", lang),
                                          id=repr(oid), file=first.display), code="duplicate-id"))
                continue
            store[oid] = obj  # type: ignore[assignment]
            files[oid] = src
    ws.diagnostics = diags
    if check:
        ws.diagnostics.extend(check_workspace(ws))
    ws.diagnostics.sort(key=lambda d: (d.file, d.line, d.col, d.message))
    if strict and ws.errors:
        raise JourneymapError(tn("load.errors_in_workspace", len(ws.errors), lang, path=display_path(root)),
                              ws.errors, lang)
    return ws


def check_journey_document(ws: Workspace, path: Path, doc: Any, display: str | None = None) -> \
        tuple[Journey | None, list[Diagnostic]]:
    """A journey file's content ``doc`` (a round-trip document, as loaded from ``path``) checked as
    ``journeymap validate`` checks it inside ``ws``: the schema, then references to the workspace's
    personas and channels and the flow. The same messages, located in the same way.

    The web app calls this before it writes a journey, so an edit in the browser is refused with
    exactly what the command line would have said about the file.
    """
    from journeymap.model.validate import check_journey

    src = SourceFile(path, display or display_path(path), doc)
    diags: list[Diagnostic] = []
    if not isinstance(doc, dict):
        return None, [Diagnostic(src.display, 1, 1, "expected a mapping of keys at the top", code="type")]
    try:
        journey: Journey | None = Journey.model_validate(doc)
    except ValidationError as exc:
        diags.extend(pydantic_diagnostics(exc, Journey, src))
        journey = _repaired(doc, Journey, src)
    if journey is not None:
        diags.extend(check_journey(journey, src, set(ws.personas), set(ws.settings.channels)))
    return journey, sorted(diags, key=lambda d: (d.line, d.col, d.message))
