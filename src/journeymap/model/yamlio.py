"""YAML with line marks: ruamel.yaml round-trip loading and saving.

Round-trip mode keeps comments and key order, and remembers where every key and
item was, so validation errors can point at ``file:line:col``.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from journeymap.errors import Diagnostic

Loc = tuple[str | int, ...]


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 100
    return y


class YamlSyntaxError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def load_text(text: str, filename: str) -> Any:
    """Parse YAML text; raise :class:`YamlSyntaxError` with the position of the fault."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(Diagnostic(filename, line, col, f"YAML syntax error: {problem}", code="yaml")) from exc
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate keys)
        raise YamlSyntaxError(Diagnostic(filename, 1, 1, f"YAML syntax error: {exc}", code="yaml")) from exc


def load_file(path: Path, display: str | None = None) -> Any:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(Diagnostic(name, 1, 1, f"file is not UTF-8 text ({exc.reason})", code="encoding")) from exc
    return load_text(text, name)


def position(doc: Any, loc: Loc) -> tuple[int, int]:
    """1-based (line, col) of the deepest node of ``loc`` that exists in ``doc``.

    For a mapping key the key's own position is used, so an error about a value points
    at the line that names it.
    """
    line, col = 1, 1
    node = doc
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            try:
                kl, kc = node.lc.key(part)
                line, col = kl + 1, kc + 1
            except (KeyError, TypeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                il, ic = node.lc.item(part)
                line, col = il + 1, ic + 1
            except (KeyError, TypeError, IndexError):
                pass
            node = node[part]
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and hasattr(node, "lc") and loc and node is doc:
                line, col = node.lc.line + 1, node.lc.col + 1
            break
    return line, col


def dump_text(doc: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    return buf.getvalue()


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so no half-written file stays behind."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _default_mode(path: Path) -> int:
    """The mode a plain ``open()`` would give: the existing file's, else 0o666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes via a temporary file and a rename; the target never holds half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _default_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_file(path: Path, doc: Any) -> None:
    atomic_write_text(path, dump_text(doc))
