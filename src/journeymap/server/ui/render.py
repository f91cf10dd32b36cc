"""Rendering a page: the template, the user's language, the catalogue's texts and the CSRF token."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from journeymap import __version__
from journeymap.i18n import LANGUAGES, catalogue, t
from journeymap.server.models import User
from journeymap.server.ui import TEMPLATE_DIR

LANG_COOKIE = "jm_lang"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson_safe"] = lambda v: Markup(json.dumps(v, ensure_ascii=False).replace("<", "\\u003c")
                                                  .replace(">", "\\u003e").replace("&", "\\u0026"))
    return env


def language(request: Request, user: User | None) -> str:
    """The user's choice, else the cookie (people without an account), else the workspace's language."""
    if user is not None and user.language in LANGUAGES:
        return user.language
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.app.state.app.files.workspace().settings.language  # type: ignore[no-any-return]


#: The catalogue sections the pages' script shows (the map's own labels for lanes, roles, severities …).
SCRIPT_SECTIONS = ("server.", "lane.", "role.", "severity.", "provenance.", "status.", "opportunities.", "kpi.", "trigger.",
                   "persona.")


@cache
def ui_texts(lang: str) -> dict[str, str]:
    """The texts the pages' script needs, by their catalogue keys."""
    return {k: v for k, v in catalogue(lang).items() if k.startswith(SCRIPT_SECTIONS)}


def page(request: Request, template: str, user: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request, user)

    def tr(key: str, **kw: Any) -> str:
        return t(f"server.{key}", lang, **kw)

    html = environment().get_template(template).render(
        request=request, user=user, lang=lang, t=tr, csrf=getattr(request.state, "csrf", ""),
        version=__version__, texts=ui_texts(lang), workspace=request.app.state.app.files.workspace(), **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
