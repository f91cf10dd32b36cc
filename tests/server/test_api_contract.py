"""The API contract of issue 11 with httpx (FastAPI's test client), on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib

from journeymap.model import yamlio
from journeymap.model.workspace import load_workspace


def _etag(path) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(path.read_bytes()).hexdigest()[:32]


def test_health_and_auth_required(server) -> None:  # type: ignore[no-untyped-def]
    c = server.client
    assert c.get("/healthz").json() == {"status": "ok"}
    r = c.get("/api/v1/journeys")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert c.get("/api/v1/journeys", headers={"Authorization": "Bearer jm_not-a-token"}).status_code == 401
    listed = c.get("/api/v1/journeys", headers=server.auth("viewer")).json()
    assert [j["id"] for j in listed] == ["webshop"]
    assert listed[0]["path"] == "journeys/webshop.yaml" and listed[0]["errors"] == 0


def test_get_journey_is_the_file_as_json_with_its_hash_as_etag(server) -> None:  # type: ignore[no-untyped-def]
    path = server.root / "journeys" / "webshop.yaml"
    r = server.client.get("/api/v1/journeys/webshop", headers=server.auth("viewer"))
    assert r.status_code == 200
    assert r.headers["etag"] == f'"{_etag(path)}"'
    on_disk = yamlio.load_file(path)
    assert r.json()["id"] == "webshop" and r.json()["title"] == on_disk["title"]
    assert [s["id"] for s in r.json()["steps"]] == [s["id"] for s in on_disk["steps"]]
    assert r.json()["review_date"] == str(on_disk["review_date"])  # a YAML date as ISO text


def test_put_saves_the_file_keeping_comments_and_lists_the_revision(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    path = server.root / "journeys" / "webshop.yaml"
    before = path.read_text(encoding="utf-8")
    r = c.get("/api/v1/journeys/webshop", headers=h)
    doc, etag = r.json(), r.headers["etag"]
    old_name = doc["steps"][0]["name"]
    doc["steps"][0]["name"] = "Sees a sponsored post"
    r = c.put("/api/v1/journeys/webshop", json=doc, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    after = path.read_text(encoding="utf-8")
    # only that value changed: every other line, comments included, is as it was
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [(f"    name: {old_name}", "    name: Sees a sponsored post")]
    assert r.headers["etag"] == f'"{_etag(path)}"' and r.json()["etag"] == _etag(path)
    revs = c.get("/api/v1/journeys/webshop/revisions", headers=server.auth("viewer")).json()
    assert [(x["number"], x["kind"], x["author"]) for x in revs] == [(2, "saved", "editor"), (1, "disk", "disk")]
    assert [ch["line"] for ch in revs[0]["changes"]] == \
        [f"~ step 'social-ad' · name: \"{old_name}\" → \"Sees a sponsored post\""]


def test_stale_etag_is_412_with_the_other_change_and_nothing_overwritten(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    path = server.root / "journeys" / "webshop.yaml"
    r = c.get("/api/v1/journeys/webshop", headers=h)
    mine, theirs, etag = r.json(), r.json(), r.headers["etag"]
    theirs = dict(theirs, title="Their title")
    assert c.put("/api/v1/journeys/webshop", json=theirs, headers={**h, "If-Match": etag}).status_code == 200
    saved = path.read_text(encoding="utf-8")
    mine = dict(mine, goal="My goal")
    r = c.put("/api/v1/journeys/webshop", json=mine, headers={**server.auth("admin"), "If-Match": etag})
    assert r.status_code == 412
    err = r.json()["error"]
    assert err["code"] == "stale" and "changed by editor" in err["message"] and "nothing was overwritten" in err["message"]
    assert err["details"]["etag"] == _etag(path) and err["details"]["document"]["title"] == "Their title"
    assert [x["line"] for x in err["details"]["their_changes"]] == \
        ['~ journey · title: "Webshop customer journey" → "Their title"']
    assert path.read_text(encoding="utf-8") == saved


def test_invalid_document_is_422_with_validates_diagnostics(server, run_cli) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    path = server.root / "journeys" / "webshop.yaml"
    before = path.read_text(encoding="utf-8")
    r = c.get("/api/v1/journeys/webshop", headers=h)
    doc = r.json()
    doc["steps"][0]["channel"] = "mail"
    doc["steps"][1]["emotion"] = {"score": 7}
    r = c.put("/api/v1/journeys/webshop", json=doc, headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 422
    diags = r.json()["error"]["details"]["diagnostics"]
    assert path.read_text(encoding="utf-8") == before
    # the same file written by hand gives the same messages from `journeymap validate`
    bad = yamlio.load_file(path)
    bad["steps"][0]["channel"] = "mail"
    bad["steps"][1]["emotion"]["score"] = 7
    path.write_text(yamlio.dump_text(bad), encoding="utf-8")
    out = run_cli("validate", str(server.root))
    for d in diags:
        assert f"{d['line']}:{d['col']}: {d['message']}" in out.stdout
    assert {d["path"] for d in diags} == {"steps.0.channel", "steps.1.emotion.score"}
    assert any(d["message"].startswith("unknown channel 'mail' in step 'social-ad'; did you mean 'email'?")
               for d in diags)


def test_viewer_cannot_save_and_if_match_is_required(server) -> None:  # type: ignore[no-untyped-def]
    c = server.client
    r = c.get("/api/v1/journeys/webshop", headers=server.auth("viewer"))
    doc, etag = r.json(), r.headers["etag"]
    assert c.put("/api/v1/journeys/webshop", json=doc, headers={**server.auth("viewer"), "If-Match": etag}) \
        .status_code == 403
    r = c.put("/api/v1/journeys/webshop", json=doc, headers=server.auth("editor"))
    assert r.status_code == 428 and "If-Match" in r.json()["error"]["message"]


def test_restore_brings_back_the_text_and_is_a_new_revision(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    path = server.root / "journeys" / "webshop.yaml"
    original = path.read_text(encoding="utf-8")
    r = c.get("/api/v1/journeys/webshop", headers=h)
    doc = r.json()
    doc["stages"].reverse()
    c.put("/api/v1/journeys/webshop", json=doc, headers={**h, "If-Match": r.headers["etag"]})
    assert path.read_text(encoding="utf-8") != original
    r = c.post("/api/v1/journeys/webshop/revisions/1/restore", headers=h)
    assert r.status_code == 200 and r.json()["revision"] == 3
    assert path.read_text(encoding="utf-8") == original
    rev = c.get("/api/v1/journeys/webshop/revisions/3", headers=h).json()
    assert rev["kind"] == "restored" and rev["restored_from"] == 1 and rev["content"] == original


def test_an_edit_on_disk_becomes_a_revision_and_shows_in_the_api(server) -> None:  # type: ignore[no-untyped-def]
    path = server.root / "journeys" / "webshop.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Webshop customer journey",
                                                             "title: Edited in an editor"), encoding="utf-8")
    server.sync()
    h = server.auth("viewer")
    assert server.client.get("/api/v1/journeys/webshop", headers=h).json()["title"] == "Edited in an editor"
    rev = server.client.get("/api/v1/journeys/webshop/revisions", headers=h).json()[0]
    assert (rev["kind"], rev["author"]) == ("disk", "disk")
    assert [x["line"] for x in rev["changes"]] == ['~ journey · title: "Webshop customer journey" → "Edited in an editor"']


def test_overlay_is_the_living_maps_figures(server) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api

    r = server.client.get("/api/v1/journeys/webshop/overlay", headers=server.auth("viewer"))
    assert r.status_code == 200
    direct = api.build_overlay(load_workspace(server.root), "webshop")
    assert r.json()["customers"] == direct.customers > 0
    assert {k: v["reach"] for k, v in r.json()["steps"].items()} == {k: v.reach for k, v in direct.steps.items()}


def test_create_from_template_adds_a_valid_journey_and_its_personas(server) -> None:  # type: ignore[no-untyped-def]
    r = server.client.post("/api/v1/journeys", json={"id": "buying", "title": "Buying for the office",
                                                     "template": "b2b"}, headers=server.auth("editor"))
    assert r.status_code == 201, r.text
    ws = load_workspace(server.root)
    assert ws.journeys["buying"].title == "Buying for the office"
    assert set(ws.journeys["buying"].personas) <= set(ws.personas)
    assert (server.root / "journeys" / "buying.yaml").read_text(encoding="utf-8").startswith("# A B2B") or \
        "#" in (server.root / "journeys" / "buying.yaml").read_text(encoding="utf-8")  # the template's comments
    again = server.client.post("/api/v1/journeys", json={"id": "buying", "template": "blank"},
                               headers=server.auth("editor"))
    assert again.status_code == 409 and "exists already" in again.json()["error"]["message"]
    blank = server.client.post("/api/v1/journeys", json={"id": "fresh", "title": "Fresh", "template": "blank"},
                               headers=server.auth("editor"))
    assert blank.status_code == 201
    assert [s.name for s in load_workspace(server.root).journeys["fresh"].steps] == ["First step"]


def test_comments_threads_mentions_and_resolve(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    r = c.post("/api/v1/journeys/webshop/comments", json={"target": "step:checkout", "body": "Ask @admin and @nobody"},
               headers=h)
    assert r.status_code == 201 and r.json()["mentions"] == ["admin"]
    first = r.json()["id"]
    reply = c.post("/api/v1/journeys/webshop/comments", json={"body": "On it", "parent": first}, headers=h).json()
    assert reply["parent"] == first and reply["target"] == "step:checkout"
    assert [m["id"] for m in c.get("/api/v1/me/mentions", headers=server.auth("admin")).json()] == [first]
    assert c.patch(f"/api/v1/comments/{reply['id']}", json={"resolved": True}, headers=h).json()["resolved"] is True
    listed = c.get("/api/v1/journeys/webshop/comments", headers=server.auth("viewer")).json()
    assert [(x["id"], x["resolved"]) for x in listed] == [(first, True), (reply["id"], False)]
    bad = c.post("/api/v1/journeys/webshop/comments", json={"target": "step:nope", "body": "x"}, headers=h)
    assert bad.status_code == 422 and "step:STEP" in bad.json()["error"]["message"]
    pain = c.post("/api/v1/journeys/webshop/comments", json={"target": "pain:checkout:0", "body": "hurts"}, headers=h)
    assert pain.status_code == 201
    # a parent id past the database's integers is a 422 naming the field, not a crash in the driver (found by fuzzing)
    for parent in (2**63, 2**31, 0, -1):
        huge = c.post("/api/v1/journeys/webshop/comments", json={"body": "x", "parent": parent}, headers=h)
        assert huge.status_code == 422, parent
        assert "parent" in huge.text
    gone = c.post("/api/v1/journeys/webshop/comments", json={"body": "x", "parent": 2**31 - 1}, headers=h)
    assert gone.status_code == 422 and "no comment 2147483647" in gone.json()["error"]["message"]


def test_share_links_are_signed_expiring_and_revocable(server) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from journeymap.server.models import ShareLink

    c = server.client
    r = c.post("/api/v1/journeys/webshop/shares", json={"days": 7}, headers=server.auth("editor"))
    assert r.status_code == 201
    url = r.json()["url"]
    path = url[url.index("/share/"):]
    page = c.get(path)  # no account
    assert page.status_code == 200 and "Webshop customer journey" in page.text
    link_id, expires, sig = path.rsplit("/", 1)[1].split(".")
    forged = f"/share/{link_id}.{int(expires) + 86400}.{sig}"
    assert c.get(forged).status_code == 404
    assert c.get(f"/share/{link_id}.{expires}.{'A' * len(sig)}").status_code == 404
    assert c.delete(f"/api/v1/shares/{link_id}", headers=server.auth("editor")).status_code == 204
    assert c.get(path).status_code == 404
    r2 = c.post("/api/v1/journeys/webshop/shares", json={"days": 1}, headers=server.auth("editor")).json()
    with server.state.sessionmaker() as db:
        row = db.get(ShareLink, r2["id"])
        row.expires_at = dt.datetime(2020, 1, 1)
        db.commit()
    assert c.get(r2["url"][r2["url"].index("/share/"):]).status_code == 404
