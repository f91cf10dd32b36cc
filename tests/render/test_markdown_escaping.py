"""Map text from users reaches Markdown and its Mermaid block as text, never as HTML, links or syntax."""

from __future__ import annotations

from pathlib import Path

from journeymap.model.workspace import Workspace, load_workspace
from journeymap.render.markdown import render_markdown

HOSTILE = {
    "journeymap.yaml": "name: Test\nlanguage: en\n",
    "personas/p.yaml": "id: p\nname: \"Eva <img src=x onerror=alert(1)>\"\n",
    "journeys/shop.yaml": """\
id: shop
title: "<script>alert(1)</script> Café & co"
personas: [p]
description: "[klik](javascript:alert(1)) en ![x](javascript:alert(2))"
stages:
  - id: buy
    name: "Bestellen ```\\n%%{init: {'theme':'dark'}}%%"
steps:
  - id: pay
    name: "Betaalt: 5; #x <b>vet</b>"
    stage: buy
    channel: web
    pain_points:
      - text: "<img src=x onerror=alert(3)> | [a](javascript:x) Crème brûlée & co"
        severity: high
""",
}


def _ws(tmp_path: Path, files: dict[str, str]) -> Workspace:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_workspace(tmp_path)


def test_hostile_text_is_inert_and_ordinary_text_readable(tmp_path: Path) -> None:
    md = render_markdown(_ws(tmp_path, HOSTILE), "shop")
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "](javascript:" not in md
    assert md.startswith("# &lt;script&gt;alert\\(1\\)&lt;/script&gt; Café &amp; co\n")
    assert "\\[klik\\]\\(javascript:alert\\(1\\)\\) en \\!\\[x\\]\\(javascript:alert\\(2\\)\\)" in md
    assert "| &lt;img src=x onerror=alert\\(3\\)&gt; \\| \\[a\\]\\(javascript:x\\) Crème brûlée &amp; co |" in md
    block = md.split("```mermaid\n", 1)[1].split("\n```\n", 1)[0]
    assert block.splitlines() == [
        "journey",
        "  title script alert(1) /script Café co",
        "  section Bestellen init 'theme' 'dark'",
        "    Betaalt 5 x b vet /b: 3: Eva img src=x onerror=alert(1)",
    ]
    assert md.count("```") == 2  # the block opens and closes once: user text cannot close it
