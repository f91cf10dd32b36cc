"""The findings in the app (issue 11): the JSON API, the page, the count in the journeys list's health."""

from __future__ import annotations

import json
import math
from typing import Any

from journeymap.results import FINDING_KINDS


def _as_json(value: Any) -> Any:
    """What a JSON response holding ``value`` reads back as (tuples become lists, NaN null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return json.loads(json.dumps(value))


def test_findings_json_is_what_the_library_finds(server) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api

    expected = [_as_json(f.as_dict()) for f in api.findings("webshop", server.root).findings]
    assert expected, "the demo has at least one finding (a segment that converts worse)"
    r = server.client.get("/api/v1/journeys/webshop/findings", headers=server.auth("viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == expected
    assert [f["score"] for f in r.json()] == sorted((f["score"] for f in r.json()), reverse=True)


def test_findings_filtered_by_kind_and_in_dutch(server) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api

    h = server.auth("viewer")
    every = api.findings("webshop", server.root).findings
    kind = every[0].kind
    r = server.client.get("/api/v1/journeys/webshop/findings", params={"kind": [kind, "spike"]}, headers=h)
    assert [f["title"] for f in r.json()] == \
        [f.title for f in api.findings("webshop", server.root, kinds=[kind, "spike"]).findings]
    assert {f["kind"] for f in r.json()} <= {kind, "spike"} and len(r.json()) >= 1
    dutch = server.client.get("/api/v1/journeys/webshop/findings", params={"lang": "nl"}, headers=h).json()
    assert [f["title"] for f in dutch] == [f.title for f in api.findings("webshop", server.root, lang="nl").findings]
    assert dutch[0]["title"] != every[0].title and dutch[0]["customers"] == every[0].customers
    bad = server.client.get("/api/v1/journeys/webshop/findings", params={"kind": "spikes"}, headers=h)
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == ("unknown kind of finding 'spikes'; did you mean 'spike'? expected one "
                                              "of: appear, change, cohort, interaction, loop, segment, spike, vanish")


def test_findings_need_a_login_and_a_journey(server) -> None:  # type: ignore[no-untyped-def]
    c = server.client
    assert c.get("/api/v1/journeys/webshop/findings").status_code == 401
    r = c.get("/api/v1/journeys/nope/findings", headers=server.auth("viewer"))
    assert r.status_code == 404 and "no journey 'nope'" in r.json()["error"]["message"]


def test_health_counts_the_findings(server) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api

    h = server.client.get("/api/v1/journeys/webshop/health", headers=server.auth("viewer")).json()
    assert h["findings"] == len(api.findings("webshop", server.root).findings)


def test_findings_page_lists_them_ranked_with_the_command(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api
    from journeymap.engine.formatting import format_p

    c, h = sqlite_server.client, sqlite_server.auth("viewer")
    found = api.findings("webshop", sqlite_server.root).findings
    page = c.get("/journeys/webshop/findings", headers=h)
    assert page.status_code == 200
    html = page.text
    import html as markup
    import re

    # the command as the reader copies it: the cell's text (its words are spans that do not break at a "-")
    commands = [markup.unescape(re.sub(r"<[^>]+>", "", cell))
                for cell in re.findall(r'<code class="command">(.*?)</code>', html, re.S)]
    assert commands == [f.command for f in found]
    for f in found:
        assert f.title.replace("'", "&#39;") in html
        assert format_p(f.q_value, "en") in html
    assert html.count('<tr data-kind="') == len(found)
    assert 'href="/journeys/webshop/findings" class="on"' in html  # its tab, on
    other = next(k for k in FINDING_KINDS if k not in {f.kind for f in found})
    none = c.get("/journeys/webshop/findings", params={"kind": other}, headers=h).text
    assert '<tr data-kind="' not in none and "No findings of the chosen kinds." in none
    assert c.get("/lang/nl", headers=h, follow_redirects=False).status_code == 303  # the viewer's language: Dutch
    dutch = c.get("/journeys/webshop/findings", headers=h).text
    for f in api.findings("webshop", sqlite_server.root, lang="nl").findings:
        assert f.title.replace("'", "&#39;") in dutch
    assert "Getroffen klanten" in dutch
