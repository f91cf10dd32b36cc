"""Workshop mode (issue 11): a timer everyone sees and dot-voting on the ideas (the journey's opportunities)."""

from __future__ import annotations

import datetime as dt

from journeymap.model.workspace import load_workspace


def _ideas(server) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.id for o in load_workspace(server.root).journeys["webshop"].opportunities]


def test_the_timer_is_started_and_stopped_by_an_editor_and_seen_by_everyone(server) -> None:  # type: ignore[no-untyped-def]
    c = server.client
    url = "/api/v1/journeys/webshop/workshop"
    assert c.get(url, headers=server.auth("viewer")).json()["timer"] is None
    assert c.put(url + "/timer", json={"seconds": 300}, headers=server.auth("viewer")).status_code == 403
    before = dt.datetime.now(dt.UTC)
    r = c.put(url + "/timer", json={"seconds": 300}, headers=server.auth("editor"))
    after = dt.datetime.now(dt.UTC)
    assert r.status_code == 200
    seen = c.get(url, headers=server.auth("viewer")).json()["timer"]
    ends = dt.datetime.fromisoformat(seen["ends_at"].replace("Z", "+00:00"))
    assert before + dt.timedelta(seconds=300) <= ends <= after + dt.timedelta(seconds=300)
    assert (seen["seconds"], seen["started_by"]) == (300, "editor") and 0 <= seen["remaining"] <= 300
    assert c.put(url + "/timer", json={"seconds": 5}, headers=server.auth("editor")).status_code == 422  # < 10 s
    assert c.delete(url + "/timer", headers=server.auth("admin")).json()["timer"] is None
    assert c.get(url, headers=server.auth("viewer")).json()["timer"] is None


def test_dot_voting_three_dots_each_counted_per_idea_and_a_new_round_clears_them(server) -> None:  # type: ignore[no-untyped-def]
    c = server.client
    url = "/api/v1/journeys/webshop/workshop"
    first, second = _ideas(server)[:2]
    v, e = server.auth("viewer"), server.auth("editor")
    for idea in (first, first, second):
        assert c.post(url + "/votes", json={"idea": idea}, headers=v).status_code == 200
    full = c.post(url + "/votes", json={"idea": second}, headers=v)
    assert full.status_code == 409 and full.json()["error"]["message"] == \
        "all your 3 dots are placed; take one back first"
    assert c.post(url + "/votes", json={"idea": first}, headers=e).status_code == 200
    state = c.get(url, headers=v).json()
    assert state["votes"] == {first: 3, second: 1} and state["mine"] == {first: 2, second: 1} and state["left"] == 0
    assert state["voters"] == ["editor", "viewer"]
    back = c.delete(f"{url}/votes/{first}", headers=v).json()
    assert back["mine"] == {first: 1, second: 1} and back["left"] == 1 and back["votes"] == {first: 2, second: 1}
    none = c.delete(f"{url}/votes/{first}", headers=server.auth("admin"))
    assert none.status_code == 409 and f"no dot on '{first}'" in none.json()["error"]["message"]
    typo = c.post(url + "/votes", json={"idea": first + "x"}, headers=v)
    assert typo.status_code == 404 and f"did you mean '{first}'" in typo.json()["error"]["message"]
    assert c.put(url + "/round", json={"dots": 5}, headers=v).status_code == 403
    fresh = c.put(url + "/round", json={"dots": 5}, headers=e).json()
    assert fresh["votes"] == {} and fresh["dots"] == 5
    assert c.get(url, headers=v).json()["left"] == 5
    assert c.get(url).status_code == 401
    assert c.get("/api/v1/journeys/nope/workshop", headers=v).status_code == 404
