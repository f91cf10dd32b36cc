"""Editing a workspace file from code while keeping its comments and key order.

Load a journey (or persona) file, change the pydantic model, save: only the values that
changed are written into the round-trip document, so comments, order and the user's
formatting of untouched parts stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from journeymap.errors import JourneymapError
from journeymap.model import yamlio
from journeymap.model.types import Journey, Persona
from journeymap.model.workspace import SourceFile, display_path, pydantic_diagnostics

M = TypeVar("M", bound=BaseModel)


@dataclass
class Document(Generic[M]):
    """A YAML file and the model read from it."""

    path: Path
    doc: Any
    model: M

    @classmethod
    def load(cls, path: Path | str, model: type[M]) -> Document[M]:
        path = Path(path)
        name = display_path(path)
        try:
            doc = yamlio.load_file(path, name)
        except FileNotFoundError as exc:
            raise JourneymapError(f"no such file: {name}") from exc
        except yamlio.YamlSyntaxError as exc:
            raise JourneymapError(f"{name} is not valid YAML", [exc.diagnostic]) from exc
        try:
            obj = model.model_validate(doc)
        except ValidationError as exc:
            raise JourneymapError(f"{name} is not valid", pydantic_diagnostics(exc, model, SourceFile(path, name, doc))) \
                from exc
        return cls(path, doc, obj)

    def save(self, path: Path | str | None = None) -> Path:
        """Write the model back, changing only what changed."""
        data = self.model.model_dump(mode="python", exclude_unset=True, by_alias=True)
        merge_into(self.doc, data)
        target = Path(path) if path else self.path
        yamlio.save_file(target, self.doc)
        return target


def load_journey(path: Path | str) -> Document[Journey]:
    return Document.load(path, Journey)


def load_persona(path: Path | str) -> Document[Persona]:
    return Document.load(path, Persona)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, dict) and set(new) == {"text"}:
        return old == new["text"]  # a lane item written as a plain string stays one
    if isinstance(old, str) and isinstance(new, str):
        return old == new  # a folded or quoted scalar (a str subclass) keeps its style when its text is the same
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool) \
            and not isinstance(new, bool):
        return bool(old == new)
    return type(old) is type(new) and bool(old == new)


def _simplify(value: Any) -> Any:
    """New lane items holding only text are written as plain strings, as people write them."""
    if isinstance(value, dict):
        if set(value) == {"text"}:
            return value["text"]
        return {k: _simplify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_simplify(v) for v in value]
    return value


def merge_into(doc: Any, data: Any) -> Any:
    """Merge plain ``data`` into the round-trip ``doc`` in place; return the merged node."""
    if isinstance(doc, dict) and isinstance(data, dict):
        for key in [k for k in doc if k not in data]:
            del doc[key]
        for key, value in data.items():
            if key not in doc:
                doc[key] = _simplify(value)
                continue
            merged = merge_into(doc[key], value)
            if merged is not doc[key]:
                doc[key] = merged
        return doc
    if isinstance(doc, list) and isinstance(data, list):
        for i, value in enumerate(data):
            if i >= len(doc):
                doc.append(_simplify(value))
                continue
            merged = merge_into(doc[i], value)
            if merged is not doc[i]:
                doc[i] = merged
        del doc[len(data):]
        return doc
    return doc if _same(doc, data) else data
