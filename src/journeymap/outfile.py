"""Writing an output file the user named: atomically, and with a one-line error when it cannot be."""

from __future__ import annotations

from pathlib import Path

from journeymap.errors import JourneymapError
from journeymap.model.workspace import display_path
from journeymap.model.yamlio import atomic_write_bytes


def check_writable(path: Path, what: str) -> None:
    """Fail early when ``path`` is a folder or lies under a file: nothing is computed or written then."""
    if path.is_dir():
        raise JourneymapError(f"cannot write {what} to {display_path(path)}: it is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise JourneymapError(f"cannot write {what} to {display_path(path)}: "
                                      f"{display_path(parent)} is a file, not a folder")
            break


def write_output(path: Path, data: str | bytes, what: str) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename; OS errors become one line."""
    path = Path(path)
    check_writable(path, what)
    try:
        atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise JourneymapError(f"cannot write {what} to {display_path(path)}: {exc.strerror or exc}") from exc
    return path
