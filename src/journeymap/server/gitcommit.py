"""Saving a journey as a git commit authored by the user (setting ``git_commit``), when the workspace is in git."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

log = logging.getLogger("journeymap.server")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False, timeout=30)


def in_repository(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"
    except (OSError, subprocess.SubprocessError):
        return False


def commit_file(root: Path, path: Path, author: str, message: str) -> str | None:
    """Commit only ``path`` with ``author`` as its author; the new commit's id, or None when nothing was committed.

    The committer is git's configured identity, or "journeymap" when none is configured. A failure is
    logged, never raised: the save itself has happened and is a revision in the app either way.
    """
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    ident = ["-c", "user.name=journeymap", "-c", "user.email=journeymap@localhost"] \
        if not _git(root, "config", "user.email").stdout.strip() else []
    added = _git(root, "add", "--", rel)
    if added.returncode != 0:
        log.warning("git add %s failed: %s", rel, added.stderr.strip())
        return None
    if _git(root, "diff", "--cached", "--quiet", "--", rel).returncode == 0:
        return None  # the file is as committed already
    done = subprocess.run(["git", "-C", str(root), *ident, "commit", "-q", "-m", message,
                           f"--author={author} <{author}@journeymap>", "--", rel],
                          capture_output=True, text=True, check=False, timeout=30)
    if done.returncode != 0:
        log.warning("git commit of %s failed: %s", rel, done.stderr.strip())
        return None
    return _git(root, "rev-parse", "HEAD").stdout.strip() or None
