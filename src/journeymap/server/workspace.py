"""The workspace as the app sees it: journey files read, checked and written in place, comments and order kept.

The YAML files stay the source of truth. A journey's version is the SHA-256 of its file's bytes (its
ETag), so an edit made on disk is a new version like any other. Writes go through one lock per
process: check the version, merge the edit into the round-trip document (only changed values are
written), validate exactly as ``journeymap validate`` does, then replace the file atomically.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from journeymap.errors import Diagnostic, JourneymapError
from journeymap.model import yamlio
from journeymap.model.document import merge_into
from journeymap.model.types import Journey
from journeymap.model.workspace import SourceFile, Workspace, check_journey_document, display_path, load_workspace
from journeymap.server.fastpath import Slow, memo, need_time, quick

WATCHED = ("journeymap.yaml", "personas", "journeys")


def etag_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def plain(node: Any) -> Any:
    """A YAML document as JSON-ready data (dates as ISO text)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a removed file stays removed after a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


@lru_cache(maxsize=64)
def _parsed(text: str, rel: str) -> Any:
    """The round-trip document of a file's text, parsed once per version (callers copy before changing it)."""
    return yamlio.load_text(text, rel)


@lru_cache(maxsize=64)
def _plain_json(text: str, rel: str) -> str:
    return json.dumps(plain(_parsed(text, rel)), ensure_ascii=False, separators=(",", ":"))


@dataclass
class Version:
    """One journey (or persona) file as it is now; parsed only when asked, and then once per version."""

    journey_id: str
    path: Path
    rel: str          # journeys/webshop.yaml
    text: str
    etag: str
    _json: bytes | None = field(default=None, repr=False)
    _making: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def doc(self) -> Any:
        """The round-trip document: shared between requests, so never change it (``copy.deepcopy`` first)."""
        return _parsed(self.text, self.rel)

    @property
    def document(self) -> dict[str, Any]:
        """The file as JSON-ready data (a fresh copy)."""
        return json.loads(self.json_bytes())  # type: ignore[no-any-return]

    def json_bytes(self) -> bytes:
        """The file as a JSON text (UTF-8), what ``GET /journeys/{id}`` sends: made once per version."""
        if self._json is None:
            need_time()  # parsing a journey file takes tens of milliseconds: not in the event loop
            with self._making:  # once, however many requests ask for a new version at the same moment
                if self._json is None:
                    self._json = _plain_json(self.text, self.rel).encode("utf-8")
        return self._json


@dataclass
class Checked:
    """An edit merged into the file's text, with what ``journeymap validate`` says about it."""

    text: str
    journey: Journey | None
    diagnostics: list[Diagnostic]
    paths: list[str | None] = field(default_factory=list)  # the field each diagnostic is about (steps.2.name)
    doc: Any = None                                          # the text parsed again, with its line marks

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def as_json(self) -> list[dict[str, Any]]:
        return [{"file": d.file, "line": d.line, "col": d.col, "level": d.level, "code": d.code,
                 "message": d.message, "text": str(d), "path": p}
                for d, p in zip(self.diagnostics, self.paths, strict=True)]


def _positions(doc: Any) -> dict[tuple[int, int], str]:
    """(line, col) → dotted path of every key and item in ``doc``, the deepest path winning."""
    out: dict[tuple[int, int], str] = {}

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if loc:
            out[yamlio.position(doc, loc)] = ".".join(str(p) for p in loc)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*loc, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*loc, i))

    walk(doc, ())
    return out


class WorkspaceFiles:
    """The journey files of one workspace, loaded once per change on disk and written one at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.RLock()
        self._cached: tuple[tuple[Any, ...], Workspace] | None = None
        self._versions: dict[Path, tuple[tuple[int, ...], Version]] = {}

    # --- reading -----------------------------------------------------------------------------------------------

    def fingerprint(self) -> tuple[Any, ...]:
        """Name, inode, size and modification time of every workspace file: changes when anything is edited.

        One directory scan per folder (every request asks, so this is kept to a few system calls)."""
        out: list[tuple[str, int, int, int]] = []
        for name in WATCHED:
            try:
                with os.scandir(self.root / name) as entries:
                    found = sorted((e.name, e) for e in entries if e.name.endswith((".yaml", ".yml")))
            except NotADirectoryError:
                st = _stat(self.root / name)
                if st is not None:
                    out.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
                continue
            except FileNotFoundError:
                continue
            for file_name, entry in found:
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    out.append((f"{name}/{file_name}", st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def workspace(self) -> Workspace:
        """The loaded workspace (every problem collected, nothing raised), reloaded when a file changed."""
        return self.snapshot()[1]

    def snapshot(self) -> tuple[tuple[Any, ...], Workspace]:
        """The workspace's fingerprint and the workspace loaded from exactly those files.

        In the event loop (:func:`~journeymap.server.fastpath.quick`) only an up-to-date workspace is
        returned, without the lock; a reload raises :class:`~journeymap.server.fastpath.Slow`. Within one
        :func:`~journeymap.server.fastpath.answer` the files are looked at once."""
        return memo("snapshot", self._snapshot)

    def _snapshot(self) -> tuple[tuple[Any, ...], Workspace]:
        if quick():
            cached = self._cached
            if cached is not None and cached[0] == self.fingerprint():
                return cached
            raise Slow()
        with self.lock:
            fp = self.fingerprint()
            if self._cached is None or self._cached[0] != fp:
                self._cached = (fp, load_workspace(self.root, strict=False))
            return self._cached

    def journey_ids(self) -> list[str]:
        return sorted(self.workspace().journeys)

    def path_of(self, journey_id: str) -> Path:
        ws = self.workspace()
        src = ws.journey_files.get(journey_id)
        if src is None:
            raise KeyError(journey_id)
        return src.path

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def read(self, journey_id: str, *, fresh: bool = False) -> Version:
        """The journey file as it is now. Its bytes are read and hashed again only when the file's inode, size,
        modification or change time differ from the last read; ``fresh`` (a save checking its If-Match)
        always reads them."""
        path = self.path_of(journey_id)
        st = path.stat()
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        hit = self._versions.get(path)
        if not fresh and hit is not None and hit[0] == key and hit[1].journey_id == journey_id:
            return hit[1]
        data = path.read_bytes()
        etag = etag_of(data)
        if hit is not None and hit[1].etag == etag and hit[1].journey_id == journey_id:
            version = hit[1]  # the same bytes: keep what was made from them (the JSON)
        else:
            version = Version(journey_id, path, self.rel(path), data.decode("utf-8"), etag)
        self._versions[path] = (key, version)
        return version

    # --- checking and writing ----------------------------------------------------------------------------------

    def check_text(self, text: str, rel: str) -> Checked:
        """What ``journeymap validate`` says about ``text`` as the journey file ``rel`` of this workspace."""
        try:
            doc = yamlio.load_text(text, rel)
        except yamlio.YamlSyntaxError as exc:
            return Checked(text, None, [exc.diagnostic], [None])
        journey, diags = check_journey_document(self.workspace(), self.root / rel, doc, rel)
        where = _positions(doc)
        return Checked(text, journey, diags, [where.get((d.line, d.col)) for d in diags], doc)

    def merged(self, current: Version, data: Any) -> Checked:
        """``data`` (the journey as JSON) merged into the current file, and checked.

        A valid edit is merged from the model (dates become YAML dates, lane items that hold only
        text stay plain strings); an invalid one is merged as sent, so the diagnostics point at the
        lines the user's values would have. The merged document is checked as it is; only when it has
        problems is its text parsed again, so that every diagnostic has its exact line.
        """
        if not isinstance(data, dict):
            return Checked("", None, [Diagnostic(current.rel, 1, 1, "the journey must be a JSON object "
                                                 "(a mapping of keys)", code="type")], [None])
        try:
            values: Any = Journey.model_validate(data).model_dump(mode="python", exclude_unset=True, by_alias=True)
        except ValidationError:
            values = data
        doc = merge_into(copy.deepcopy(current.doc), values)
        text = yamlio.dump_text(doc)
        journey, diags = check_journey_document(self.workspace(), self.root / current.rel, doc, current.rel)
        checked = Checked(text, journey, diags, [None] * len(diags), doc) if not diags else \
            self.check_text(text, current.rel)
        if checked.journey is not None and checked.journey.id != current.journey_id:
            line, col = yamlio.position(checked.doc, ("id",))
            checked.diagnostics.append(Diagnostic(current.rel, line, col, f"the id of journey "
                                                  f"{current.journey_id!r} cannot change in the app (it names "
                                                  "the file's data and links); copy the journey instead",
                                                  code="id-changed"))
            checked.paths.append("id")
        return checked

    def write(self, path: Path, text: str, checked: Checked | None = None) -> str:
        """Replace the file atomically; its new ETag.

        With ``checked`` (the journey just validated from ``text``), the loaded workspace is brought up to
        date in place instead of being read again on the next request: a save costs one file, not all.
        """
        with self.lock:
            fresh = self._cached is not None and self._cached[0] == self.fingerprint()
            yamlio.atomic_write_text(path, text, durable=True)
            if fresh and self._cached is not None and checked is not None and checked.journey is not None:
                ws = self._cached[1]
                jid = checked.journey.id
                display = display_path(path)
                ws.journeys[jid] = checked.journey
                ws.journey_files[jid] = SourceFile(path, display, checked.doc)
                ws.diagnostics = sorted([d for d in ws.diagnostics if d.file != display]
                                        + [dataclasses.replace(d, file=display) for d in checked.diagnostics],
                                        key=lambda d: (d.file, d.line, d.col, d.message))
                self._cached = (self.fingerprint(), ws)
            data = text.encode("utf-8")
            etag = etag_of(data)
            if checked is not None and checked.journey is not None:  # the next read needs no read of the file
                st = path.stat()
                self._versions[path] = ((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns),
                                        Version(checked.journey.id, path, self.rel(path), text, etag))
        return etag

    def remove(self, path: Path) -> None:
        """Delete a workspace file (the caller holds the lock and has recorded its revision); the loaded
        workspace is brought up to date in place when it was."""
        with self.lock:
            fresh = self._cached is not None and self._cached[0] == self.fingerprint()
            path.unlink()
            _sync_folder(path.parent)
            self._versions.pop(path, None)
            if fresh and self._cached is not None:
                ws = self._cached[1]
                display = display_path(path)
                for files, models in ((ws.journey_files, ws.journeys), (ws.persona_files, ws.personas)):
                    for key in [k for k, src in files.items() if src.path == path]:
                        files.pop(key)
                        models.pop(key, None)
                ws.diagnostics = [d for d in ws.diagnostics if d.file != display]
                self._cached = (self.fingerprint(), ws)

    def new_journey_path(self, journey_id: str) -> Path:
        if journey_id in self.workspace().journeys:
            raise JourneymapError(f"a journey with id {journey_id!r} exists already")
        path = self.root / "journeys" / f"{journey_id}.yaml"
        if path.exists():
            raise JourneymapError(f"the file journeys/{journey_id}.yaml exists already")
        return path

