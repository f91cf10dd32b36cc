"""Serving from memory without serving stale data: ETags and 304, edits on disk seen at once, durable saves,
answers in the event loop that fall back to a thread (issue 11's performance work)."""

from __future__ import annotations

import asyncio
import hashlib
import threading

from journeymap.server.fastpath import answer, memo, need_time, quick


def _etag(path) -> str:  # type: ignore[no-untyped-def]
    return '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'


def test_the_journey_is_304_while_unchanged_and_an_edit_on_disk_shows_at_once(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c, h = sqlite_server.client, sqlite_server.auth("viewer")
    path = sqlite_server.root / "journeys" / "webshop.yaml"
    first = c.get("/api/v1/journeys/webshop", headers=h)
    assert first.status_code == 200 and first.headers["etag"] == _etag(path)
    assert first.headers["cache-control"] == "private, no-cache"
    same = c.get("/api/v1/journeys/webshop", headers={**h, "If-None-Match": first.headers["etag"]})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == first.headers["etag"]
    # edited in a text editor, no watcher round in between: the next request has it
    path.write_text(path.read_text(encoding="utf-8").replace("title: Webshop customer journey",
                                                             "title: Edited on disk"), encoding="utf-8")
    after = c.get("/api/v1/journeys/webshop", headers={**h, "If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and after.json()["title"] == "Edited on disk"
    assert after.headers["etag"] == _etag(path) != first.headers["etag"]


def test_the_living_map_is_304_while_unchanged_and_new_after_a_save(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c = sqlite_server.client
    first = c.get("/journeys/webshop/map.html", headers=sqlite_server.auth("viewer"))
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
    assert "Webshop customer journey" in first.text
    again = c.get("/journeys/webshop/map.html", headers={**sqlite_server.auth("viewer"),
                                                        "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    h = sqlite_server.auth("editor")
    got = c.get("/api/v1/journeys/webshop", headers=h)
    saved = c.put("/api/v1/journeys/webshop", json=dict(got.json(), title="Saved in the app"),
                  headers={**h, "If-Match": got.headers["etag"]})
    assert saved.status_code == 200
    after = c.get("/journeys/webshop/map.html", headers={**sqlite_server.auth("viewer"),
                                                        "If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and "Saved in the app" in after.text
    assert after.headers["etag"] != first.headers["etag"]
    # a persona renamed on disk is on the map too
    persona = sqlite_server.root / "personas" / "bargain-hunter.yaml"
    text = persona.read_text(encoding="utf-8")
    name = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("name:"))
    persona.write_text(text.replace(f"name: {name}", "name: Deal Seeker"), encoding="utf-8")
    renamed = c.get("/journeys/webshop/map.html", headers={**sqlite_server.auth("viewer"),
                                                          "If-None-Match": after.headers["etag"]})
    assert renamed.status_code == 200 and "Deal Seeker" in renamed.text and name not in renamed.text


def test_a_save_is_flushed_to_disk_before_it_is_reported(sqlite_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    c, h = sqlite_server.client, sqlite_server.auth("editor")
    got = c.get("/api/v1/journeys/webshop", headers=h)
    r = c.put("/api/v1/journeys/webshop", json=dict(got.json(), title="Durable"), headers={**h, "If-Match":
                                                                                              got.headers["etag"]})
    assert r.status_code == 200
    assert len(synced) >= 2  # the new file's bytes, then the folder holding the rename


def test_a_stale_if_match_is_refused_even_when_the_file_changed_on_disk_just_now(sqlite_server) -> None:  # type: ignore[no-untyped-def]
    c, h = sqlite_server.client, sqlite_server.auth("editor")
    path = sqlite_server.root / "journeys" / "webshop.yaml"
    got = c.get("/api/v1/journeys/webshop", headers=h)
    path.write_text(path.read_text(encoding="utf-8").replace("title: Webshop customer journey",
                                                             "title: Webshop customer journeyX"), encoding="utf-8")
    r = c.put("/api/v1/journeys/webshop", json=dict(got.json(), goal="Mine"), headers={**h, "If-Match":
                                                                                           got.headers["etag"]})
    assert r.status_code == 412 and "Webshop customer journeyX" in path.read_text(encoding="utf-8")


def test_an_answer_runs_in_the_event_loop_unless_it_needs_time() -> None:
    def light() -> tuple[bool, str]:
        return quick(), threading.current_thread().name

    def heavy() -> tuple[bool, str]:
        need_time()  # e.g. a journey to measure: not in the event loop
        return quick(), threading.current_thread().name

    def counted() -> int:
        calls: list[int] = []
        for _ in range(3):
            memo("x", lambda: calls.append(1))
        return len(calls)

    loop_thread = threading.current_thread().name
    assert asyncio.run(answer(light)) == (True, loop_thread)
    in_thread, name = asyncio.run(answer(heavy))
    assert in_thread is False and name != loop_thread
    assert asyncio.run(answer(counted)) == 1
    assert counted() == 3  # outside an answer nothing is remembered


def test_a_credential_is_looked_up_once_however_many_requests_ask_at_once() -> None:
    import time

    from journeymap.server.auth import Identities, Identity
    from journeymap.server.models import User

    ids = Identities(ttl=60)
    calls: list[str] = []

    def fetch() -> Identity:
        calls.append(threading.current_thread().name)
        time.sleep(0.05)  # a database round trip: the other requests arrive meanwhile
        return Identity(User(id=1, name="ann", role="viewer", active=True), checked_at=time.monotonic())

    async def many() -> list[Identity | None]:
        return await asyncio.gather(*(ids.look_up("bearer:x", fetch) for _ in range(30)))

    found = asyncio.run(many())
    assert len(calls) == 1 and {f.user.name for f in found if f} == {"ann"} and len(found) == 30
    assert asyncio.run(ids.look_up("bearer:x", fetch)) is found[0] and len(calls) == 1  # remembered

    def revoked_meanwhile() -> Identity:  # a change commits while the look-up runs: its answer is not kept
        ids.clear()
        return fetch()

    ids.clear()
    asyncio.run(ids.look_up("bearer:x", revoked_meanwhile))
    assert ids.get("bearer:x") is None
