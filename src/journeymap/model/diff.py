"""What changed between two versions of a journey map, by stage, step and lane.

The output reads well in a pull request: one line per change, grouped per journey and
section. Versions are files, workspace folders, or ``REV:path`` read from git.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from journeymap.errors import JourneymapError
from journeymap.model import yamlio
from journeymap.model.types import Journey, Persona
from journeymap.model.workspace import SourceFile, display_path, pydantic_diagnostics


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` is added, removed or changed."""

    journey: str
    section: str           # journey, stages, steps, opportunities, triggers, personas
    kind: str
    item: str              # id of the stage/step/… ('' for the journey itself)
    field: str = ""        # lane or key that changed
    old: Any = None
    new: Any = None

    def line(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        what = f"{self.section[:-1] if self.section.endswith('s') else self.section} '{self.item}'" \
            if self.item else "journey"
        if self.kind == "added":
            return f"{sign} {what}" + (f" · {self.field}: {_fmt(self.new)}" if self.field else f" {_fmt(self.new)}")
        if self.kind == "removed":
            return f"{sign} {what}" + (f" · {self.field}: {_fmt(self.old)}" if self.field else "")
        return f"{sign} {what} · {self.field}: {_fmt(self.old)} → {_fmt(self.new)}"


def _fmt(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items() if x not in (None, [], {})) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"cannot compare: {display_path(path)} is not UTF-8 text (byte {exc.start}); "
                              "save it as UTF-8") from exc
    except OSError as exc:
        raise JourneymapError(f"cannot read {display_path(path)}: {exc.strerror or exc}") from exc


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise JourneymapError("git is not installed, so 'REV:path' versions cannot be read") from exc


def _check_rev(rev: str) -> None:
    """``rev`` must name a commit; anything else (``--output=FILE`` above all) never reaches ``git show``."""
    if not rev or rev.startswith("-") or any(c.isspace() or ord(c) < 32 for c in rev):
        raise JourneymapError(f"not a git revision: {rev!r}")
    proc = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise JourneymapError(f"not a git revision: {rev!r} (give a commit, branch or tag, e.g. HEAD~1:journeys/x.yaml)")


def _read_version(ref: str) -> list[tuple[str, str]]:
    """(display name, YAML text) of every journey file in ``ref``."""
    path = Path(ref)
    if path.is_dir():
        folder = path / "journeys" if (path / "journeys").is_dir() else path
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if not files:
            raise JourneymapError(f"no journey files in {display_path(path)}")
        return [(display_path(f), _read_text(f)) for f in files]
    if path.is_file():
        return [(display_path(path), _read_text(path))]
    if ":" in ref:
        rev, _, rel = ref.partition(":")
        _check_rev(rev)
        proc = _git("show", "--end-of-options", f"{rev}:{rel}")
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", "replace").strip() or "unknown revision or path"
            raise JourneymapError(f"cannot read {ref!r} from git: {detail}")
        try:
            return [(ref, proc.stdout.decode("utf-8"))]
        except UnicodeDecodeError as exc:
            raise JourneymapError(f"cannot compare: {ref} is not UTF-8 text (byte {exc.start})") from exc
    raise JourneymapError(f"{ref!r} is neither a file, a folder nor a git 'REV:path'")


def _journeys(ref: str) -> dict[str, Journey]:
    out: dict[str, Journey] = {}
    for name, text in _read_version(ref):
        try:
            doc = yamlio.load_text(text, name)
        except yamlio.YamlSyntaxError as exc:
            raise JourneymapError(f"cannot compare: {name} is not valid YAML", [exc.diagnostic]) from exc
        try:
            j = Journey.model_validate(doc)
        except ValidationError as exc:
            diags = pydantic_diagnostics(exc, Journey, SourceFile(Path(name), name, doc))
            raise JourneymapError(f"cannot compare: {name} is not a valid journey", diags) from exc
        out[j.id] = j
    return out


_STEP_IGNORE = {"id"}


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_defaults=False)


def _lane_text(item: Any) -> str:
    return item.get("text", json.dumps(item, ensure_ascii=False)) if isinstance(item, dict) else str(item)


def _compare_fields(jid: str, section: str, item: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for key in [*old.keys(), *[k for k in new if k not in old]]:
        if key in _STEP_IGNORE:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and key not in ("lanes", "persona_emotions"):
            sub = _compare_fields(jid, section, item, a, b)
            out += [Change(c.journey, c.section, c.kind, c.item, f"{key}.{c.field}", c.old, c.new) for c in sub]
            continue
        if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) and "text" in x for x in a + b):
            ta = [_lane_text(x) for x in a]
            tb = [_lane_text(x) for x in b]
            out += [Change(jid, section, "removed", item, key, old=t) for t in ta if t not in tb]
            out += [Change(jid, section, "added", item, key, new=t) for t in tb if t not in ta]
            changed = [(x, y) for x in a for y in b if _lane_text(x) == _lane_text(y) and x != y]
            out += [Change(jid, section, "changed", item, f"{key} {_lane_text(x)!r}", x, y) for x, y in changed]
        else:
            out.append(Change(jid, section, "changed", item, key, a, b))
    return out


def _compare_items(jid: str, section: str, old: list[Any], new: list[Any]) -> list[Change]:
    olds = {o.id: _dump(o) for o in old}
    news = {n.id: _dump(n) for n in new}
    out: list[Change] = []
    for oid in olds:
        if oid not in news:
            out.append(Change(jid, section, "removed", oid))
    for nid, n in news.items():
        if nid not in olds:
            summary = {k: n.get(k) for k in ("name", "title", "stage", "channel") if n.get(k)}
            out.append(Change(jid, section, "added", nid, new=summary))
    for oid, o in olds.items():
        if oid in news:
            out += _compare_fields(jid, section, oid, o, news[oid])
    common_old = [i for i in olds if i in news]
    common_new = [i for i in news if i in olds]
    if common_old != common_new:
        out.append(Change(jid, section, "changed", "", "order", common_old, common_new))
    return out


def diff_personas(old: Persona | None, new: Persona | None) -> list[Change]:
    """What changed in a persona between two versions (``None``: it did not exist), as for journeys."""
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        return [Change(new.id, "personas", "added", new.id, new={"name": new.name, "role": new.role})]
    if new is None:
        return [Change(old.id, "personas", "removed", old.id)]
    return _compare_fields(new.id, "personas", new.id, _dump(old), _dump(new))


def diff_journeys(old: Journey, new: Journey) -> list[Change]:
    """Every change between two versions of one journey."""
    jid = new.id
    out: list[Change] = []
    head_old = {k: v for k, v in _dump(old).items() if k not in ("stages", "steps", "opportunities", "triggers", "lanes")}
    head_new = {k: v for k, v in _dump(new).items() if k not in ("stages", "steps", "opportunities", "triggers", "lanes")}
    out += _compare_fields(jid, "journey", "", head_old, head_new)
    for section in ("stages", "lanes", "triggers", "steps", "opportunities"):
        out += _compare_items(jid, section, getattr(old, section), getattr(new, section))
    return out


def diff_versions(old_ref: str, new_ref: str) -> list[Change]:
    """Changes between two versions (files, folders or git ``REV:path``) of one or more journeys."""
    old, new = _journeys(old_ref), _journeys(new_ref)
    out: list[Change] = []
    for jid in old:
        if jid not in new:
            out.append(Change(jid, "journey", "removed", ""))
    for jid, j in new.items():
        if jid not in old:
            out.append(Change(jid, "journey", "added", "", new={"title": j.title, "steps": len(j.steps)}))
        else:
            out += diff_journeys(old[jid], j)
    return out


def format_changes(changes: list[Change], fmt: str = "markdown") -> str:
    """Markdown for pull requests, plain text, or JSON."""
    if fmt == "json":
        return json.dumps([asdict(c) for c in changes], ensure_ascii=False, indent=2, default=str)
    if not changes:
        return "No changes."
    lines: list[str] = []
    by_journey: dict[str, list[Change]] = {}
    for c in changes:
        by_journey.setdefault(c.journey, []).append(c)
    for jid, items in by_journey.items():
        lines.append(f"## Journey '{jid}'" if fmt == "markdown" else f"Journey '{jid}'")
        sections: dict[str, list[Change]] = {}
        for c in items:
            sections.setdefault(c.section, []).append(c)
        for section, cs in sections.items():
            lines.append(f"### {section.capitalize()} ({len(cs)})" if fmt == "markdown" else f"  {section}:")
            for c in cs:
                lines.append(f"- `{c.line()[0]}` {c.line()[2:]}" if fmt == "markdown" else f"    {c.line()}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


