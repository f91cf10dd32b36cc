"""The web app as people use it: a real Chromium (Debian's, driven by playwright), a real server on 127.0.0.1.

Covers issue 11's browser list: log in; create a journey from a template; drag a step to another stage;
edit a lane; see the YAML file changed and the revision listed; a second browser sees the change; a viewer
cannot edit; the Dutch UI. Every request outside the server is refused and recorded (offline).
With ``JOURNEYMAP_SCREENSHOTS=DIR`` the main screens are saved there (the README's pictures).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from journeymap.model import yamlio

from .conftest import ROLES, password

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (scripts/test installs it)"),
              pytest.mark.slow]
SHOTS = os.environ.get("JOURNEYMAP_SCREENSHOTS")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``journeymap serve`` on a copy of the demo workspace, in a thread, with a user per role."""
    import uvicorn

    from journeymap.server import create_app
    from journeymap.server.auth import add_user
    from journeymap.server.settings import ServerSettings

    root = tmp_path_factory.mktemp("site") / "shop"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns("app.sqlite*", "server-secret"))
    app = create_app(ServerSettings(workspace=root, watch_seconds=0.2))
    with app.state.app.sessionmaker() as db:
        for role in ROLES:
            add_user(db, role, password(role), role)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield {"root": root, "url": f"http://127.0.0.1:{port}"}
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Person:
    """One browser context logged in as one user; records console errors and refused requests."""

    def __init__(self, browser: Any, site: dict[str, Any], role: str) -> None:
        self.url = site["url"]
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(self.url + "/")
        self.page.fill("input[name=name]", role)
        self.page.fill("input[name=password]", password(role))
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.url + "/")

    def _only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str) -> Any:
        self.page.goto(self.url + path)
        return self.page

    def shot(self, name: str) -> None:
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))

    def close(self, expected: str = "favicon") -> None:
        """No request left the machine; no script error or failed request other than ``expected``."""
        assert self.outside == [], self.outside
        assert [e for e in self.errors if "favicon" not in e and expected not in e] == []
        self.context.close()


def _journey(site: dict[str, Any], jid: str = "webshop") -> Any:
    return yamlio.load_file(site["root"] / "journeys" / f"{jid}.yaml")


def _api(site: dict[str, Any], role: str, method: str, path: str, **kwargs: Any) -> Any:
    """One API request as ``role``, beside the browsers (the test's own look at the server, or another user)."""
    import httpx

    with httpx.Client(base_url=site["url"]) as c:
        session = c.post("/api/v1/session", json={"name": role, "password": password(role)})
        assert session.status_code == 200, session.text
        headers = {"X-CSRF-Token": session.json()["csrf_token"], **kwargs.pop("headers", {})}
        got = c.request(method, path, headers=headers, **kwargs)
        assert got.status_code < 300, got.text
        return got.json()


def _remove(site: dict[str, Any], path: str) -> None:
    """Delete what ``path`` names as the admin, with its current ETag."""
    import httpx

    with httpx.Client(base_url=site["url"]) as c:
        csrf = c.post("/api/v1/session", json={"name": "admin", "password": password("admin")}).json()["csrf_token"]
        gone = c.delete(path, headers={"If-Match": c.get(path).headers["etag"], "X-CSRF-Token": csrf})
        assert gone.status_code in (200, 204), gone.text


def _comments(site: dict[str, Any]) -> list[dict[str, Any]]:
    """The journey's comments as the API has them."""
    return list(_api(site, "viewer", "GET", "/api/v1/journeys/webshop/comments"))


def _wait_saved(page: Any) -> None:
    page.wait_for_selector("#save-state.ok", timeout=10_000)


def test_journeys_list_shows_health_and_a_journey_is_created_from_a_template(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.page
    row = page.locator('tr[data-journey="webshop"]')
    assert "Webshop customer journey" in row.inner_text()
    page.wait_for_function("document.querySelector('tr[data-journey=webshop] [data-h=conversion]').textContent !== '…'")
    assert row.locator("[data-h=conversion]").inner_text().endswith("%")
    assert row.locator("[data-h=nps]").inner_text() != "–"
    ann.shot("journeys")
    page.select_option("#new-journey select[name=template]", "subscription")
    page.fill("#new-journey input[name=title]", "Energy contract")
    assert page.input_value("#new-journey input[name=id]") == "energy-contract"
    page.click("#new-journey button[type=submit]")
    page.wait_for_url(site["url"] + "/journeys/energy-contract")
    page.wait_for_selector("article.step")
    assert _journey(site, "energy-contract")["title"] == "Energy contract"
    ann.close()


def test_drag_a_step_edit_a_lane_and_see_file_and_revision(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/journeys/webshop")
    page.wait_for_selector('article[data-step="social-ad"]')
    ann.shot("editor")
    assert next(s for s in _journey(site)["steps"] if s["id"] == "social-ad")["stage"] == "awareness"
    page.drag_and_drop('article[data-step="social-ad"]', '[data-stage="consideration"]')
    _wait_saved(page)
    assert next(s for s in _journey(site)["steps"] if s["id"] == "social-ad")["stage"] == "consideration"
    assert page.locator('[data-stage="consideration"] article[data-step="social-ad"]').count() == 1

    page.click('article[data-step="checkout"] button[data-action=details]')
    lane = page.locator('[data-lane="expectations"] input[data-path$=".expectations.0"]')
    lane.fill("Clear delivery costs before paying")
    lane.press("Tab")
    _wait_saved(page)
    ann.shot("step-details")
    checkout = next(s for s in _journey(site)["steps"] if s["id"] == "checkout")
    first = checkout["expectations"][0]
    assert (first if isinstance(first, str) else first["text"]) == "Clear delivery costs before paying"

    page = ann.open("/journeys/webshop/revisions")
    lines = page.locator("#revisions > li").first.locator(".changes li").all_inner_texts()
    assert any(line.startswith("~ step 'checkout' · expectations") or "Clear delivery costs" in line for line in lines)
    all_lines = page.locator("#revisions .changes li").all_inner_texts()
    assert "~ step 'social-ad' · stage: \"awareness\" → \"consideration\"" in all_lines
    ann.shot("revisions")
    ann.close()


def test_validation_shows_at_the_field_as_you_type(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/journeys/webshop")
    path = page.locator('article[data-step="payment"] textarea.step-name').get_attribute("data-path")
    name = page.locator(f'textarea[data-path="{path}"]')
    name.fill("")
    error = page.locator(f'textarea[data-path="{path}"] + .field-error')
    error.wait_for(timeout=5000)
    # pydantic's words through journeymap's located message, exactly as `journeymap validate` prints it
    assert error.inner_text() == "'name': string should have at least 1 character (got '') in step 'payment'"
    assert error.get_attribute("title").startswith("journeys/webshop.yaml:")
    name.fill("Pays the order")
    page.wait_for_selector(f'textarea[data-path="{path}"] + .field-error', state="detached", timeout=5000)
    name.press("Tab")
    _wait_saved(page)
    ann.close()


def test_emotion_is_set_by_dragging_the_point(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/journeys/webshop")
    dot = page.locator('circle[data-emotion="delivery"]')
    before = next(s for s in _journey(site)["steps"] if s["id"] == "delivery")["emotion"]["score"]
    box = dot.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 400, steps=5)  # far down: the floor, -2
    page.mouse.up()
    _wait_saved(page)
    after = next(s for s in _journey(site)["steps"] if s["id"] == "delivery")["emotion"]["score"]
    assert before != -2 and after == -2
    ann.close()


def test_a_second_browser_sees_the_change_within_a_second(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann, bob = Person(browser, site, "editor"), Person(browser, site, "admin")
    a, b = ann.open("/journeys/webshop"), bob.open("/journeys/webshop")
    a.wait_for_selector('input[data-path="stages.0.name"]')
    b.wait_for_selector('input[data-path="stages.0.name"]')
    b.wait_for_selector("html[data-live=open]", state="attached")  # subscribed: nothing after this is missed
    b.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    a.fill('input[data-path="stages.0.name"]', "Noticing us")
    a.press('input[data-path="stages.0.name"]', "Tab")
    _wait_saved(a)
    # How soon is a benchmark's question (serve_bench.py --live, docs/benchmarks.md); here: it comes by the live stream.
    b.wait_for_function("document.querySelector('input[data-path=\"stages.0.name\"]').value === 'Noticing us'",
                        timeout=5000)
    assert b.evaluate("window.sameDocument") is True
    ann.close()
    bob.close()


def test_a_stale_edit_shows_the_conflict_and_overwrites_nothing(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann, bob = Person(browser, site, "editor"), Person(browser, site, "admin")
    a, b = ann.open("/journeys/webshop"), bob.open("/journeys/webshop")
    b.wait_for_selector('input[data-path="title"]')
    b.focus('input[data-path="title"]')  # bob is typing: his page keeps his version
    a.fill('input[data-path="goal"]', "Ann's goal")
    a.press('input[data-path="goal"]', "Tab")
    _wait_saved(a)
    b.fill('input[data-path="title"]', "Bob's title")
    b.press('input[data-path="title"]', "Tab")
    b.wait_for_selector("#conflict:not([hidden])", timeout=5000)
    assert "Ann's goal" in b.inner_text("#conflict") and "editor" in b.inner_text("#conflict")
    doc = _journey(site)
    assert doc["goal"] == "Ann's goal" and doc["title"] != "Bob's title"
    ann.close()
    bob.close(expected="412 (Precondition Failed)")  # the browser logs the refused save


def test_a_viewer_cannot_edit(browser, site) -> None:  # type: ignore[no-untyped-def]
    vic = Person(browser, site, "viewer")
    page = vic.open("/journeys/webshop")
    page.wait_for_selector("article.step")
    assert page.locator("button[data-action=add-stage]").count() == 0
    assert page.locator('input[data-path="stages.0.name"]').is_disabled()
    assert page.locator('article[data-step="checkout"]').get_attribute("draggable") is None
    status = page.evaluate("""async () => (await fetch('/api/v1/journeys/webshop', {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'If-Match': '*',
                  'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}, body: '{}'})).status""")
    assert status == 403
    vic.close(expected="403 (Forbidden)")  # the refused PUT above


def test_dutch_ui_and_the_other_screens(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/lang/nl?next=/journeys/webshop")
    page.wait_for_selector("button[data-action=add-stage]")
    assert page.inner_text("button[data-action=add-stage]") == "+ Fase toevoegen"
    assert page.inner_text(".tabs a[data-tab=map]") == "Levende kaart"
    ann.shot("editor-nl")
    page = ann.open("/journeys/webshop/opportunities")
    page.wait_for_selector(".matrix .opp")
    card = page.locator(".matrix .opp").first
    oid = card.get_attribute("data-opportunity")
    page.drag_and_drop(f'.matrix [data-opportunity="{oid}"]', '.cell[data-impact="5"][data-effort="1"]')
    _wait_saved(page)
    opp = next(o for o in _journey(site)["opportunities"] if o["id"] == oid)
    assert (opp["impact"], opp["effort"]) == (5, 1)
    page.drag_and_drop(f'.status-col [data-opportunity="{oid}"]', '.status-col[data-status="done"]')
    _wait_saved(page)
    assert next(o for o in _journey(site)["opportunities"] if o["id"] == oid)["status"] == "done"
    ann.shot("opportunities")
    page = ann.open("/journeys/webshop/workshop")
    page.select_option("#capture select[name=step]", "delivery")
    page.fill("#capture input[name=idea]", "Text the driver's arrival time")
    page.press("#capture input[name=idea]", "Enter")
    _wait_saved(page)
    assert any(o["title"] == "Text the driver's arrival time" and o["step"] == "delivery" and o["status"] == "idea"
               for o in _journey(site)["opportunities"])
    ann.shot("workshop")
    page = ann.open("/journeys/webshop/map")
    frame = page.frame_locator("#living-map")
    frame.locator("body").wait_for()
    assert "Webshop" in frame.locator("body").inner_text()
    ann.shot("living-map")
    ann.open("/lang/en?next=/")
    ann.close()


def test_findings_from_the_journeys_list_filtered_by_kind(browser, site) -> None:  # type: ignore[no-untyped-def]
    from journeymap import api

    found = api.findings("webshop", site["root"]).findings
    assert found
    vic = Person(browser, site, "viewer")
    page = vic.page
    link = page.locator('tr[data-journey="webshop"] [data-h=findings] a')
    link.wait_for(timeout=30_000)
    assert link.inner_text() == str(len(found))
    link.click()
    page.wait_for_url(site["url"] + "/journeys/webshop/findings")
    assert page.locator("#findings td.finding-title").all_inner_texts() == [f.title for f in found]
    assert page.locator("#findings code.command").all_inner_texts() == [f.command for f in found]
    vic.shot("findings")
    other = next(k for k in ("spike", "loop", "cohort", "vanish") if k not in {f.kind for f in found})
    page.check(f'#finding-kinds input[value="{other}"]')  # the filter applies at once
    page.wait_for_url("**/findings?kind=" + other)
    assert page.locator("#findings").count() == 0
    page = vic.open("/journeys/webshop/findings")
    page.check(f'#finding-kinds input[value="{found[0].kind}"]')
    page.wait_for_url("**/findings?kind=" + found[0].kind)
    assert page.locator("#findings td.finding-title").all_inner_texts() == \
        [f.title for f in found if f.kind == found[0].kind]
    page = vic.open("/lang/nl?next=/journeys/webshop/findings")
    page.wait_for_selector("#findings")
    assert page.locator("#findings td.finding-title").all_inner_texts() == \
        [f.title for f in api.findings("webshop", site["root"], lang="nl").findings]
    assert page.inner_text(".tabs a[data-tab=findings]") == "Bevindingen"
    vic.open("/lang/en?next=/")
    vic.close()


def _make_journey(page: Any, jid: str, title: str) -> None:
    """Create a journey from the journeys list page, and wait for the list to show it: the page is loaded again
    when the new journey's live event comes, and a navigation started before that would be interrupted by it."""
    status = page.evaluate("""async ([jid, title]) => (await fetch('/api/v1/journeys', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({id: jid, title: title, template: 'blank'})})).status""", [jid, title])
    assert status == 201
    page.wait_for_selector(f'tr[data-journey="{jid}"]')


def test_delete_a_journey_and_restore_it_from_the_list(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    _make_journey(ann.page, "short-lived", "Short-lived journey")
    path = site["root"] / "journeys" / "short-lived.yaml"
    original = path.read_bytes()
    page = ann.open("/journeys/short-lived")
    page.wait_for_selector("button[data-action=delete-journey]")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.click("button[data-action=delete-journey]")
    page.wait_for_url(site["url"] + "/")
    assert asked and "Short-lived journey" in asked[0]
    assert not path.exists()
    bin_row = page.locator('#bin li[data-deleted="short-lived"]')
    bin_row.wait_for()
    assert "Short-lived journey" in bin_row.inner_text() and "editor" in bin_row.inner_text()
    assert page.locator('tr[data-journey="short-lived"]').count() == 0
    page.click('#bin button[data-restore-deleted="short-lived"]')
    page.wait_for_selector('tr[data-journey="short-lived"]')
    assert path.read_bytes() == original
    ann.close()


def test_create_and_delete_a_persona(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/personas")
    page.wait_for_selector('article[data-persona="bargain-hunter"]')
    cut = page.evaluate("[...document.querySelectorAll('article[data-persona=bargain-hunter] textarea')]"
                        ".filter((t) => t.scrollHeight > t.clientHeight + 1).map((t) => t.dataset.path)")
    assert cut == []  # every goal, motivation and frustration is shown whole
    page.fill("#new-persona input[name=name]", "Night owl")
    assert page.input_value("#new-persona input[name=id]") == "night-owl"
    page.select_option("#new-persona select[name=role]", "decider")
    page.click("#new-persona button[type=submit]")
    page.wait_for_selector('article[data-persona="night-owl"]')
    path = site["root"] / "personas" / "night-owl.yaml"
    assert yamlio.load_file(path) == {"id": "night-owl", "name": "Night owl", "role": "decider"}
    page.once("dialog", lambda d: d.accept())
    page.click('article[data-persona="night-owl"] button[data-action=delete-persona]')
    page.wait_for_selector('#persona-bin li[data-deleted="night-owl"]')
    assert not path.exists() and page.locator('article[data-persona="night-owl"]').count() == 0
    # a persona a journey uses stays, with the reason
    page.once("dialog", lambda d: d.accept())
    page.click('article[data-persona="bargain-hunter"] button[data-action=delete-persona]')
    page.wait_for_function("document.getElementById('toast').textContent.includes('is used by journeys/webshop.yaml')")
    assert (site["root"] / "personas" / "bargain-hunter.yaml").exists()
    ann.close(expected="409 (Conflict)")


def test_triggers_and_a_custom_lane_in_the_editor(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    page = ann.open("/journeys/webshop")
    page.wait_for_selector("button[data-action=add-trigger]")
    page.click("button[data-action=add-trigger]")
    _wait_saved(page)
    trigger = _journey(site)["triggers"][-1]
    assert (trigger["id"], trigger["name"], trigger["kind"]) == ("new-trigger", "New trigger", "event")
    k = len(_journey(site)["triggers"]) - 1
    page.select_option(f'select[data-path="triggers.{k}.kind"]', "contract-end")
    _wait_saved(page)
    page.select_option(f'select[data-path="triggers.{k}.step"]', "checkout")
    _wait_saved(page)
    page.fill(f'input[data-path="triggers.{k}.offset_days"]', "-30")
    page.press(f'input[data-path="triggers.{k}.offset_days"]', "Tab")
    _wait_saved(page)
    trigger = _journey(site)["triggers"][k]
    assert (trigger["kind"], trigger["step"], trigger["offset_days"]) == ("contract-end", "checkout", -30)

    page.once("dialog", lambda d: d.accept("Channels used"))
    page.click("button[data-action=add-lane]")
    _wait_saved(page)
    assert {"id": "channels-used", "name": "Channels used"} in _journey(site)["lanes"]
    page.click('article[data-step="checkout"] button[data-action=details]')
    page.wait_for_selector('[data-lane="custom:channels-used"]')
    page.once("dialog", lambda d: d.accept("Instagram on the phone"))
    page.click('[data-add-lane="custom:channels-used"]')
    _wait_saved(page)
    checkout = next(s for s in _journey(site)["steps"] if s["id"] == "checkout")
    assert checkout["lanes"]["channels-used"] == ["Instagram on the phone"]
    assert page.locator('[data-lane="custom:channels-used"] input').first.input_value() == "Instagram on the phone"
    ann.shot("triggers-and-lanes")
    # deleting asks first; the lane goes from the journey and from every step that filled it in
    page.click("#drawer header button.close")
    page.once("dialog", lambda d: d.dismiss())
    page.click('[data-custom-lane="channels-used"] button[data-action=delete-lane]')
    assert {"id": "channels-used", "name": "Channels used"} in _journey(site)["lanes"]
    page.once("dialog", lambda d: d.accept())
    page.click('[data-custom-lane="channels-used"] button[data-action=delete-lane]')
    _wait_saved(page)
    doc = _journey(site)
    assert all(lane["id"] != "channels-used" for lane in doc.get("lanes", []))
    assert "channels-used" not in next(s for s in doc["steps"] if s["id"] == "checkout").get("lanes", {})
    triggers = len(doc["triggers"])
    page.once("dialog", lambda d: d.accept())
    page.click(f'[data-trigger="{trigger["id"]}"] button[data-action=delete-trigger]')
    _wait_saved(page)
    assert [t["id"] for t in _journey(site).get("triggers", [])].count(trigger["id"]) == 0
    assert len(_journey(site).get("triggers", [])) == triggers - 1
    ann.close()


def test_workshop_timer_and_dot_voting_seen_by_everyone(browser, site) -> None:  # type: ignore[no-untyped-def]
    import re

    ann, vic = Person(browser, site, "editor"), Person(browser, site, "viewer")
    older = _journey(site)["opportunities"][0]["id"]
    a = ann.open("/journeys/webshop/workshop")
    a.wait_for_selector(f'[data-votes="{older}"][data-count="0"]')  # the votes have come: the page is drawn whole
    v = vic.open("/journeys/webshop/workshop")
    v.wait_for_selector(f'[data-votes="{older}"][data-count="0"]')
    assert v.locator("button[data-timer]").count() == 0  # the facilitator's controls are an editor's
    for page in (a, v):
        page.wait_for_selector("html[data-live=open]", state="attached")  # subscribed: nothing after this is missed
    # The facilitator types an idea while someone votes: the page is redrawn, and what is half typed stays.
    a.select_option("#capture select[name=step]", "payment")
    a.fill("#capture input[name=idea]", "Show the delivery date before paying")
    a.focus("#capture input[name=idea]")
    v.click(f'button[data-vote="{older}"]')
    a.wait_for_selector(f'[data-votes="{older}"][data-count="1"]', timeout=5000)
    assert a.input_value("#capture input[name=idea]") == "Show the delivery date before paying"
    assert a.input_value("#capture select[name=step]") == "payment"
    assert a.evaluate("document.activeElement.name") == "idea"
    a.keyboard.press("Enter")
    _wait_saved(a)
    idea = next(o["id"] for o in _journey(site)["opportunities"] if o["title"] == "Show the delivery date before paying")
    assert next(o for o in _journey(site)["opportunities"] if o["id"] == idea)["step"] == "payment"
    v.wait_for_selector(f'[data-votes="{idea}"][data-count="0"]')
    v.click(f'button[data-unvote="{older}"]')
    v.wait_for_selector(f'[data-votes="{older}"][data-count="0"]')
    a.click('#workshop-tools button[data-timer="300"]')
    v.wait_for_function("/^[0-5]:[0-5][0-9]$/.test(document.getElementById('timer').textContent)", timeout=5000)
    assert re.fullmatch(r"[0-5]:[0-5]\d", v.inner_text("#timer"))
    v.click(f'button[data-vote="{idea}"]')
    v.wait_for_selector(f'[data-votes="{idea}"][data-count="1"]')
    assert v.inner_text("#dots-left") == "2 dots left"
    a.wait_for_selector(f'[data-votes="{idea}"][data-count="1"]', timeout=5000)  # the facilitator sees the dot
    v.click(f'button[data-unvote="{idea}"]')
    v.wait_for_selector(f'[data-votes="{idea}"][data-count="0"]')
    a.click('#workshop-tools button[data-action="stop-timer"]')
    v.wait_for_function("document.getElementById('timer').textContent === '–'", timeout=5000)
    ann.shot("workshop-voting")
    ann.close()
    vic.close()


def test_a_comment_half_typed_stays_while_someone_else_comments(browser, site) -> None:  # type: ignore[no-untyped-def]
    import re

    ann, bob = Person(browser, site, "editor"), Person(browser, site, "admin")
    a, b = ann.open("/journeys/webshop"), bob.open("/journeys/webshop")
    threads = len([c for c in _comments(site) if c["target"] == "journey" and not c["parent"] and not c["resolved"]])
    for page in (a, b):
        page.wait_for_selector('input[data-path="title"]')
        page.get_by_role("button", name=re.compile(r"^✎ Comments")).click()
    box = '[data-comments="journey"]'
    count = "button[data-count-of=journey]"
    assert a.inner_text(count) == f"✎ Comments ({threads})"
    for page in (a, b):
        page.wait_for_selector("html[data-live=open]", state="attached")  # subscribed: nothing after this is missed
    a.fill(f"{box} textarea[name=body]", "Ann's draft about the journey")
    a.focus(f"{box} textarea[name=body]")
    b.fill(f"{box} textarea[name=body]", "Bob says hello")
    b.click(f"{box} button[type=submit]")
    a.wait_for_selector(f"{box} .comment:has-text('Bob says hello')", timeout=5000)  # ann's list was redrawn
    assert a.input_value(f"{box} textarea[name=body]") == "Ann's draft about the journey"
    assert a.evaluate("document.activeElement.name") == "body"
    assert b.input_value(f"{box} textarea[name=body]") == ""  # a posted comment leaves the form
    assert a.inner_text(count) == f"✎ Comments ({threads + 1})"  # the count follows
    a.click(f"{box} button[type=submit]")
    b.wait_for_selector(f"{box} .comment:has-text('Ann')", timeout=5000)
    assert a.input_value(f"{box} textarea[name=body]") == ""
    b.wait_for_function(f"document.querySelector('{count}').textContent === '✎ Comments ({threads + 2})'", timeout=5000)
    assert len([c for c in _comments(site) if c["target"] == "journey" and not c["parent"]]) >= threads + 2
    ann.close()
    bob.close()


def test_an_opportunity_added_on_the_board_leaves_an_empty_form(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    a = ann.open("/journeys/webshop/opportunities")
    form = "#new-opportunity"
    a.wait_for_selector(f"{form} input[name=title]")
    a.fill(f"{form} input[name=title]", "Track the parcel by text message")
    a.select_option(f"{form} select[name=step]", "delivery")
    a.click(f"{form} button[type=submit]")
    _wait_saved(a)
    added = [o for o in _journey(site)["opportunities"] if o["title"] == "Track the parcel by text message"]
    assert [o["step"] for o in added] == ["delivery"]
    assert a.input_value(f"{form} input[name=title]") == "" and a.input_value(f"{form} select[name=step]") == ""
    assert a.locator('.status-col[data-status="idea"] >> text="Track the parcel by text message"').count() == 1
    ann.close()


def test_a_page_that_lost_the_live_stream_catches_up_when_it_is_back(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann, bob = Person(browser, site, "editor"), Person(browser, site, "admin")
    cut = {"streams": 0, "down": True}

    def live(route: Any) -> None:  # the editor's first stream ends after a second; the next ones fail until told
        if "/journeys/webshop" not in route.request.headers.get("referer", ""):
            route.continue_()  # the journeys list's stream, before
            return
        cut["streams"] += 1
        if cut["streams"] == 1:
            route.continue_(url=route.request.url + "?seconds=1")
        elif cut["down"]:
            route.abort()
        else:
            route.continue_()

    bob.context.route("**/api/v1/live", live)
    a, b = ann.open("/journeys/webshop"), bob.open("/journeys/webshop")
    b.wait_for_selector('input[data-path="stages.1.name"]')
    b.evaluate("window.sameDocument = true")
    b.wait_for_selector("html[data-live=lost]", state="attached", timeout=10_000)
    a.fill('input[data-path="stages.1.name"]', "Comparing, unheard")
    a.press('input[data-path="stages.1.name"]', "Tab")
    _wait_saved(a)
    assert b.input_value('input[data-path="stages.1.name"]') != "Comparing, unheard"  # bob missed the news
    cut["down"] = False
    b.wait_for_function("document.querySelector('input[data-path=\"stages.1.name\"]').value === 'Comparing, unheard'",
                        timeout=10_000)
    assert b.evaluate("window.sameDocument") is True and b.evaluate("document.documentElement.dataset.live") == "open"
    assert cut["streams"] >= 2  # one lost, one or more again
    ann.close()
    bob.close(expected="net::ERR_FAILED")  # the browser logs the refused streams


def test_a_long_step_name_is_shown_whole_and_stays_one_line(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    a = ann.open("/journeys/webshop")
    name = 'textarea[data-path="steps.2.name"]'
    a.wait_for_selector(name)
    one_line = a.evaluate(f"document.querySelector('{name}').clientHeight")
    long = "Compares the delivery options, the costs and the dates\nof three shops"
    a.fill(name, long)
    a.press(name, "Enter")  # ends the edit: no line break in a name
    _wait_saved(a)
    saved = _journey(site)["steps"][2]["name"]
    assert saved == "Compares the delivery options, the costs and the dates of three shops"
    assert a.input_value(name) == saved
    shown = a.evaluate("(sel) => { const t = document.querySelector(sel); "
                       "return [t.clientHeight, t.scrollHeight, document.activeElement === t]; }", name)
    assert shown[0] > one_line and shown[1] <= shown[0] + 1 and shown[2] is False  # wrapped, all of it, edit ended
    ann.close()


def test_the_journeys_list_follows_new_journeys_but_not_under_a_half_typed_one(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    a = ann.page
    a.wait_for_selector("html[data-live=open]", state="attached")
    a.evaluate("window.sameDocument = true")
    a.fill("#new-journey input[name=title]", "Moving house")
    _api(site, "admin", "POST", "/api/v1/journeys", json={"id": "complaints", "title": "Complaints", "template": "blank"})
    a.wait_for_selector("#toast.on:has-text('admin changed the list of journeys')", timeout=5000)
    assert a.evaluate("window.sameDocument") is True  # not reloaded: what ann typed is still there
    assert a.input_value("#new-journey input[name=title]") == "Moving house"
    assert a.locator('tr[data-journey="complaints"]').count() == 0
    a.fill("#new-journey input[name=title]", "")
    a.click("h1")  # the form is empty and left: the list is shown anew
    a.wait_for_selector('tr[data-journey="complaints"]', timeout=5000)
    _remove(site, "/api/v1/journeys/complaints")  # the site as it was for the other tests
    ann.close()


def test_personas_follow_changes_elsewhere_but_not_under_a_field_being_edited(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann = Person(browser, site, "editor")
    a = ann.open("/personas")
    quote = 'article[data-persona="loyal-fan"] input[data-path="quote"]'
    a.wait_for_selector(quote)
    a.wait_for_selector("html[data-live=open]", state="attached")
    a.evaluate("window.sameDocument = true")
    a.fill(quote, "I come back for the service")  # typing, not yet left
    _api(site, "admin", "POST", "/api/v1/personas", json={"id": "early-bird", "name": "Early bird", "role": "user"})
    a.wait_for_selector("#toast.on:has-text('admin changed the personas')", timeout=5000)
    assert a.evaluate("window.sameDocument") is True and a.input_value(quote) == "I come back for the service"
    a.click("h1")  # leaves the field: it is saved, then the page is shown anew with the new persona
    a.wait_for_selector('article[data-persona="early-bird"]', timeout=10_000)
    assert a.input_value(quote) == "I come back for the service"
    assert yamlio.load_file(site["root"] / "personas" / "loyal-fan.yaml")["quote"] == "I come back for the service"
    # an edit of one's own comes back on the live stream and is not news: the page stays
    a.evaluate("window.sameDocument = true")
    a.fill(quote, "Service first")
    a.click("h1")
    for _ in range(100):  # saved …
        if yamlio.load_file(site["root"] / "personas" / "loyal-fan.yaml")["quote"] == "Service first":
            break
        time.sleep(0.1)
    a.wait_for_timeout(500)  # … and its event, which comes at once, has come
    assert a.evaluate("window.sameDocument") is True
    _remove(site, "/api/v1/personas/early-bird")  # the site as it was for the other tests
    ann.close()


def test_two_people_adding_ideas_at_once_both_keep_them(browser, site) -> None:  # type: ignore[no-untyped-def]
    ann, bob = Person(browser, site, "editor"), Person(browser, site, "admin")
    a, b = ann.open("/journeys/webshop/workshop"), bob.open("/journeys/webshop/workshop")
    for page in (a, b):
        page.wait_for_selector("#capture input[name=idea]")
        page.wait_for_selector("html[data-live=open]", state="attached")
    a.fill("#capture input[name=idea]", "Text when the parcel is near")
    a.focus("#capture input[name=idea]")  # ann is typing: her page keeps its version while bob saves
    b.select_option("#capture select[name=step]", "delivery")
    b.fill("#capture input[name=idea]", "Leave the parcel with a neighbour")
    b.press("#capture input[name=idea]", "Enter")
    _wait_saved(b)
    a.select_option("#capture select[name=step]", "delivery")
    a.press("#capture input[name=idea]", "Enter")  # her version is stale: her idea is added to bob's version
    _wait_saved(a)
    titles = [o["title"] for o in _journey(site)["opportunities"]]
    assert "Text when the parcel is near" in titles and "Leave the parcel with a neighbour" in titles
    assert a.locator("#conflict").is_hidden()
    for page in (a, b):
        page.wait_for_selector('[data-step="delivery"] .sticky:has-text("Text when the parcel is near")', timeout=5000)
        page.wait_for_selector('[data-step="delivery"] .sticky:has-text("Leave the parcel with a neighbour")')
    notes = a.locator('[data-step="delivery"] .sticky').all_inner_texts()
    assert notes and not any("Receives the parcel" in n for n in notes)  # on its step, a note does not name it again
    ann.close(expected="412 (Precondition Failed)")  # the browser logs the refused first try
    bob.close()
