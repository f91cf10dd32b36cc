"""YAML with line marks: ruamel.yaml round-trip loading and saving.

Round-trip mode keeps comments and key order, and remembers where every key and
item was, so validation errors can point at ``file:line:col``.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from journeymap.errors import Diagnostic

Loc = tuple[str | int, ...]


#: Bounds that keep a hostile file ("billion laughs": aliases of aliases) from expanding without end.
#: A journey file uses a few anchors at most; these are far above any real map.
MAX_FILE_BYTES = 5_000_000
MAX_ALIASES = 1_000
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 100


class _BoundedComposer(Composer):  # type: ignore[misc]
    """ruamel's composer, counting aliases and what they expand to, so bombs stop at the alias.

    Every node's expanded size (itself plus its children, aliases followed) is remembered as
    it is completed; each alias adds its target's size to a running total. The check runs
    while the file is read, before anything walks the (shared-node) tree.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._sizes: dict[int, int] = {}
        self._aliases = 0
        self._expanded = 0
        self._depth = 0

    def _fail(self, mark: Any, message: str) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlSyntaxError(Diagnostic(_current_name[0], line, col, message, code="yaml-limit"))

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._fail(event.start_mark, f"too many aliases (more than {MAX_ALIASES}); "
                           "write the values out or use fewer anchors")
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                self._fail(event.start_mark, f"alias *{event.anchor} refers to a node that contains it "
                           "(a recursive structure); journeymap files must be trees")
            self._expanded += size or 0
            if self._expanded > MAX_EXPANDED_NODES:
                self._fail(event.start_mark, f"aliases expand to more than {MAX_EXPANDED_NODES} values at "
                           f"alias *{event.anchor} (an alias bomb?); write the values out or use fewer aliases")
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._fail(self.parser.peek_event().start_mark, f"nesting deeper than {MAX_DEPTH} levels")
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = 1 + _children_size(node, self._sizes)
        return node


def _children_size(node: Node, sizes: dict[int, int]) -> int:
    if isinstance(node, SequenceNode):
        return sum(sizes.get(id(c), 1) for c in node.value)
    if isinstance(node, MappingNode):
        return sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
    return 0


#: The display name of the file being read, for diagnostics raised inside the composer.
_current_name: list[str] = [""]


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Composer = _BoundedComposer
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    return y


class YamlSyntaxError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def load_text(text: str, filename: str) -> Any:
    """Parse YAML text; raise :class:`YamlSyntaxError` with the position of the fault.

    Aliases, their expansion and nesting are bounded (see :class:`_BoundedComposer`).
    """
    if len(text) > MAX_FILE_BYTES:
        raise YamlSyntaxError(Diagnostic(filename, 1, 1, f"file is too large ({len(text)} characters; "
                                         f"journeymap reads YAML files up to {MAX_FILE_BYTES} bytes)", code="yaml-limit"))
    _current_name[0] = filename
    try:
        with warnings.catch_warnings():
            # an anchor defined again is valid YAML (later aliases mean the new value); ruamel would print a
            # warning naming its own source file to the user
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            return _yaml().load(text)
    except YamlSyntaxError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(Diagnostic(filename, line, col, f"YAML syntax error: {problem}", code="yaml")) from exc
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate keys)
        raise YamlSyntaxError(Diagnostic(filename, 1, 1, f"YAML syntax error: {exc}", code="yaml")) from exc


def load_file(path: Path, display: str | None = None) -> Any:
    """A workspace file, parsed (or the parse of the same text kept in :func:`parsed_cache`)."""
    name = display or str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlSyntaxError(Diagnostic(name, 1, 1, f"file is too large ({size} bytes; journeymap reads YAML "
                                         f"files up to {MAX_FILE_BYTES} bytes)", code="yaml-limit"))
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(Diagnostic(name, 1, 1, f"file is not UTF-8 text ({exc.reason})", code="encoding")) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as read_text's universal newlines did
    cache = parsed_cache()
    key = _cache_key(text) if cache is not None else ""
    if cache is not None:
        kept = _read_kept(cache / key)
        if kept is not None:
            with contextlib.suppress(OSError):
                os.utime(cache / key)  # recently used: kept longest
            return kept
    doc = load_text(text, name)
    if cache is not None:
        _keep(cache, key, doc)
    return doc


#: Bumped when parsing changes (a limit, the composer): parses kept by an older version are not used.
CACHE_FORMAT = 1
#: At most this many kept parses; the oldest go first.
CACHE_ENTRIES = 500


def parsed_cache() -> Path | None:
    """The folder where parses of workspace files are kept, keyed by their text (as Python keeps compiled
    modules): ``$JOURNEYMAP_CACHE_DIR``, else ``journeymap/yaml`` in ``$XDG_CACHE_HOME`` or ``~/.cache``.
    Parsing a journey's YAML with line marks takes 0.05–0.1 s; reading the kept parse 3 ms. ``None`` when it
    cannot be used: not creatable, or a folder other users could write to (what it holds is unpickled)."""
    from journeymap.ownfiles import own_folder

    base = os.environ.get("JOURNEYMAP_CACHE_DIR")
    if base == "off":
        return None
    try:
        root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "journeymap"
    except RuntimeError:  # no home folder
        return None
    folder = root / "yaml"
    return folder if own_folder(folder, create=True, others_may_read=True) else None


def _cache_key(text: str) -> str:
    import hashlib

    from ruamel.yaml import __version__ as ruamel_version

    from journeymap import __version__

    salt = f"{CACHE_FORMAT}|{__version__}|{ruamel_version}|{MAX_ALIASES}|{MAX_EXPANDED_NODES}|{MAX_DEPTH}|"
    return hashlib.sha256((salt + text).encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".pickle"


def _read_kept(path: Path) -> Any:
    import pickle

    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return pickle.loads(data)  # noqa: S301 - written by this user's journeymap into a folder only it can write
    except Exception:  # a damaged entry: parse again (and write it anew)
        return None


def _keep(folder: Path, key: str, doc: Any) -> None:
    """Keep a parse; never fails the load (a full disk, a read-only home)."""
    import pickle

    try:
        atomic_write_bytes(folder / key, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - a cache that cannot be written is skipped
        return
    with contextlib.suppress(OSError):
        entries = list(folder.glob("*.pickle"))
        if len(entries) > CACHE_ENTRIES:
            entries.sort(key=lambda p: p.stat().st_mtime)
            for stale in entries[: len(entries) - CACHE_ENTRIES * 4 // 5]:
                stale.unlink(missing_ok=True)


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


def atomic_write_text(path: Path, text: str, *, durable: bool = False) -> None:
    """Write via a temporary file in the same folder, so no half-written file stays behind (``durable``: see
    :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def _default_mode(path: Path) -> int:
    """The mode a plain ``open()`` would give: the existing file's, else 0o666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    from journeymap.ownfiles import current_umask

    return 0o666 & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write bytes via a temporary file and a rename; the target never holds half a file.

    ``durable`` (the web app's saves, which it reports as saved): the bytes and then the rename are flushed
    to the disk (fsync of the file, then of its folder) before this returns, so a power cut after "saved"
    loses nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def save_file(path: Path, doc: Any) -> None:
    atomic_write_text(path, dump_text(doc))
