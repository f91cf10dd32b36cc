"""Files and folders that are this user's own: the checks the warm engine's socket and the kept YAML parses
share. Standard library only (the ``journeymap`` command reads it before it loads anything else)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def own_folder(path: Path, *, create: bool, others_may_read: bool = False) -> bool:
    """Whether ``path`` is a folder of this user that no one else can write to (nor, unless
    ``others_may_read``, enter), created with mode 700 when ``create``. What such a folder holds was put there by
    this user: a socket that is not someone else's, a pickle that is safe to load."""
    if create:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except (OSError, RuntimeError):  # RuntimeError: no home folder to expand
            return False
    try:
        info = path.lstat()
    except OSError:
        return False
    forbidden = 0o022 if others_may_read else 0o077
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & forbidden


def current_umask() -> int:
    """The process's umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
