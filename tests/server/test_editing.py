"""Editing beyond a journey's content (issue 11): deleting and restoring a journey, creating, editing, deleting
and restoring personas, triggers and custom lanes; each change a revision. On SQLite and PostgreSQL."""

from __future__ import annotations

from journeymap.model import yamlio
from journeymap.model.workspace import load_workspace


def test_a_deleted_journey_is_a_revision_in_the_bin_and_comes_back_byte_for_byte(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    path = server.root / "journeys" / "webshop.yaml"
    original = path.read_bytes()
    etag = c.get("/api/v1/journeys/webshop", headers=h).headers["etag"]
    assert c.delete("/api/v1/journeys/webshop", headers=h).status_code == 428
    assert c.delete("/api/v1/journeys/webshop", headers={**h, "If-Match": '"0"'}).status_code == 412
    assert c.delete("/api/v1/journeys/webshop", headers={**server.auth("viewer"), "If-Match": etag}).status_code == 403
    assert path.exists()
    r = c.delete("/api/v1/journeys/webshop", headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2 and [x["line"] for x in r.json()["changes"]] == \
        ["- journey 'webshop' \"Webshop customer journey\""]
    assert not path.exists()
    assert c.get("/api/v1/journeys/webshop", headers=h).status_code == 404
    assert [j["id"] for j in c.get("/api/v1/journeys", headers=h).json()] == []
    revs = c.get("/api/v1/journeys/webshop/revisions", headers=h).json()
    assert [(x["number"], x["kind"], x["author"]) for x in revs] == [(2, "deleted", "editor"), (1, "disk", "disk")]
    trash = c.get("/api/v1/trash", headers=server.auth("viewer")).json()
    assert [(t["type"], t["id"], t["title"], t["revision"], t["deleted_by"]) for t in trash] == \
        [("journey", "webshop", "Webshop customer journey", 2, "editor")]
    assert c.post(trash[0]["restore"], headers=server.auth("viewer")).status_code == 403
    back = c.post(trash[0]["restore"], headers=h)
    assert back.status_code == 200, back.text
    assert path.read_bytes() == original and back.json()["revision"] == 3
    assert c.get("/api/v1/journeys/webshop", headers=h).headers["etag"] == etag
    assert c.get("/api/v1/trash", headers=h).json() == []
    assert load_workspace(server.root).journeys["webshop"].title == "Webshop customer journey"


def test_a_journey_file_removed_on_disk_is_recorded_as_deleted(server) -> None:  # type: ignore[no-untyped-def]
    (server.root / "journeys" / "webshop.yaml").unlink()
    server.sync()
    revs = server.client.get("/api/v1/journeys/webshop/revisions", headers=server.auth("viewer")).json()
    assert (revs[0]["kind"], revs[0]["author"]) == ("deleted", "disk")
    assert [t["id"] for t in server.client.get("/api/v1/trash", headers=server.auth("viewer")).json()] == ["webshop"]


def test_personas_are_created_edited_deleted_and_restored_each_a_revision(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    body = {"id": "night-owl", "name": "Night owl", "role": "user"}
    assert c.post("/api/v1/personas", json=body, headers=server.auth("viewer")).status_code == 403
    made = c.post("/api/v1/personas", json=body, headers=h)
    assert made.status_code == 201, made.text
    path = server.root / "personas" / "night-owl.yaml"
    assert yamlio.load_file(path) == {"id": "night-owl", "name": "Night owl", "role": "user"}
    assert made.json()["changes"][0]["line"] == '+ persona \'night-owl\' {name: "Night owl", role: "user"}'
    again = c.post("/api/v1/personas", json=body, headers=h)
    assert again.status_code == 409 and "exists already" in again.json()["error"]["message"]
    bad = c.post("/api/v1/personas", json={"id": "Night Owl", "name": "x"}, headers=h)
    assert bad.status_code == 422

    got = c.get("/api/v1/personas/night-owl", headers=h)
    saved = c.put("/api/v1/personas/night-owl", json=dict(got.json(), name="Night shift worker"),
                  headers={**h, "If-Match": got.headers["etag"]})
    assert saved.status_code == 200
    etag = saved.json()["etag"]

    used = c.delete("/api/v1/personas/bargain-hunter", headers={**h, "If-Match": "*"})
    assert used.status_code == 409
    assert used.json()["error"]["message"] == (
        "persona 'bargain-hunter' is used by journeys/webshop.yaml (personas; steps 'social-ad', 'product-page', "
        "'reviews', 'cart-reminder'): remove it there first")
    assert (server.root / "personas" / "bargain-hunter.yaml").exists()

    assert c.delete("/api/v1/personas/night-owl", headers=h).status_code == 428
    gone = c.delete("/api/v1/personas/night-owl", headers={**h, "If-Match": f'"{etag}"'})
    assert gone.status_code == 200 and not path.exists()
    assert c.get("/api/v1/personas/night-owl", headers=h).status_code == 404
    revs = c.get("/api/v1/personas/night-owl/revisions", headers=server.auth("viewer")).json()
    assert [(r["number"], r["kind"]) for r in revs] == [(3, "deleted"), (2, "saved"), (1, "created")]
    assert [x["line"] for x in revs[1]["changes"]] == ["~ persona 'night-owl' · name: \"Night owl\" → \"Night shift worker\""]
    assert [x["line"] for x in revs[0]["changes"]] == ["- persona 'night-owl'"]
    trash = c.get("/api/v1/trash", headers=h).json()
    assert [(t["type"], t["id"], t["title"]) for t in trash] == [("persona", "night-owl", "Night shift worker")]
    back = c.post(trash[0]["restore"], headers=h)
    assert back.status_code == 200, back.text
    assert yamlio.load_file(path)["name"] == "Night shift worker"
    assert load_workspace(server.root).personas["night-owl"].role == "user"


def test_triggers_and_custom_lanes_are_saved_and_checked(server) -> None:  # type: ignore[no-untyped-def]
    c, h = server.client, server.auth("editor")
    got = c.get("/api/v1/journeys/webshop", headers=h)
    doc = got.json()
    doc["triggers"] = [{"id": "contract-ends", "name": "Contract ends", "kind": "contract-end", "step": "checkout",
                        "offset_days": -30}]
    doc["lanes"].append({"id": "channels-used", "name": "Channels used"})
    doc["steps"][0].setdefault("lanes", {})["channels-used"] = ["Instagram on the phone"]
    r = c.put("/api/v1/journeys/webshop", json=doc, headers={**h, "If-Match": got.headers["etag"]})
    assert r.status_code == 200, r.text
    on_disk = yamlio.load_file(server.root / "journeys" / "webshop.yaml")
    assert on_disk["triggers"] == [{"id": "contract-ends", "name": "Contract ends", "kind": "contract-end",
                                    "step": "checkout", "offset_days": -30}]
    assert [lane["id"] for lane in on_disk["lanes"]] == ["sustainability", "channels-used"]
    assert on_disk["steps"][0]["lanes"]["channels-used"] == ["Instagram on the phone"]
    lines = [x["line"] for x in r.json()["changes"]]
    assert any(line.startswith("+ trigger 'contract-ends'") for line in lines), lines
    assert any(line.startswith("+ lane 'channels-used'") for line in lines), lines
    j = load_workspace(server.root).journeys["webshop"]
    assert j.triggers[0].step == "checkout" and j.steps[0].lanes["channels-used"][0].text == "Instagram on the phone"

    doc = c.get("/api/v1/journeys/webshop", headers=h).json()
    doc["steps"][1]["lanes"] = {"undeclared": ["x"]}
    doc["triggers"][0]["step"] = "chekout"
    bad = c.put("/api/v1/journeys/webshop", json=doc, headers={**h, "If-Match": "*"})
    assert bad.status_code == 422
    diags = {d["path"]: d["message"] for d in bad.json()["error"]["details"]["diagnostics"]}
    assert diags["steps.1.lanes.undeclared"].startswith("unknown lane 'undeclared' in step 'search-landing'")
    assert diags["triggers.0.step"].startswith("unknown step 'chekout' in trigger 'contract-ends'; did you mean 'checkout'?")
