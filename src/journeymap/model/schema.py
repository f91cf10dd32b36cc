"""JSON Schema of the workspace files, so editors autocomplete and check them.

``journeymap schema`` prints one schema per file kind; editors (VS Code's YAML
extension, JetBrains) map them to ``journeys/*.yaml`` etc. with a modeline
``# yaml-language-server: $schema=…``.
"""

from __future__ import annotations

import json
from typing import Any

from journeymap.model.types import Journey, Persona, Settings

KINDS: dict[str, Any] = {"journey": Journey, "persona": Persona, "settings": Settings}


def json_schema(kind: str = "journey") -> dict[str, Any]:
    from journeymap.errors import JourneymapError, suggest

    if kind not in KINDS:
        raise JourneymapError(f"unknown schema kind {kind!r}; {suggest(kind, KINDS)}")
    schema = KINDS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"journeymap:{kind}"
    return dict(schema)


def schema_text(kind: str = "journey") -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
