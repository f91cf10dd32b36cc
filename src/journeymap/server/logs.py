"""No secret in the logs: share tokens in paths and credentials in query strings are masked in access lines."""

from __future__ import annotations

import logging
import re

_SHARE = re.compile(r"/share/[^\s\"?]+")
_QUERY = re.compile(r"(?i)([?&](?:token|password|access_token|api_key)=)[^&\s\"]+")


def mask(text: str) -> str:
    return _QUERY.sub(r"\1***", _SHARE.sub("/share/***", text))


class MaskSecrets(logging.Filter):
    """Rewrites a record's arguments (uvicorn passes the path as one) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        return True


def install() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "journeymap.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
