"""The server's settings in one pydantic-settings class: flags, ``JOURNEYMAP_*`` variables, defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from journeymap.errors import JourneymapError

SECRET_FILE = "server-secret"
DB_FILE = "app.sqlite"


class ServerSettings(BaseSettings):
    """Everything ``journeymap serve`` can be told; each field is also ``JOURNEYMAP_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="JOURNEYMAP_", extra="ignore")

    workspace: Path = Field(Path("."), description="the workspace folder whose journeys the app edits")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the app database; default: SQLite at data/app.sqlite in the workspace "
        "(postgresql://user@host/db for a team)")
    secret_key: str | None = Field(
        None, description="signs share links; default: a random key kept in data/server-secret in the workspace")
    host: str = "127.0.0.1"
    port: int = Field(8400, ge=1, le=65535)
    git_commit: bool = Field(False, description="commit every save to git, authored by the user, when the "
                             "workspace is a git repository")
    cookie_secure: bool = Field(False, description="send the session cookie only over HTTPS (set it behind TLS); "
                                "a request that arrives over HTTPS always gets a Secure cookie")
    session_hours: float = Field(12.0, gt=0, description="a login lasts this long")
    login_attempts: int = Field(5, ge=1, description="failed logins per name and per address before a pause")
    login_window_minutes: float = Field(15.0, gt=0, description="the pause and the window failures are counted in")
    watch_seconds: float = Field(0.5, gt=0, description="how often the workspace is checked for edits on disk")

    @property
    def root(self) -> Path:
        return self.workspace.resolve()

    def db_url(self) -> str:
        """The app database URL; PostgreSQL URLs are given the psycopg 3 driver when none is named."""
        url = self.database_url or f"sqlite:///{self.root / 'data' / DB_FILE}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url

    def signing_key(self) -> bytes:
        """The key that signs share links: the setting, or one made once and kept beside the store."""
        if self.secret_key:
            return self.secret_key.encode("utf-8")
        path = self.root / "data" / SECRET_FILE
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        except OSError as exc:
            raise JourneymapError(f"cannot keep the server's key in {path.parent.name}/{SECRET_FILE}: "
                                  f"{exc.strerror}; set JOURNEYMAP_SECRET_KEY instead") from exc
        key = secrets.token_urlsafe(32).encode("ascii")
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
