"""The starter workspaces of ``journeymap init``: they load cleanly and keep their contracts.

The webshop contract table below is written out by hand from the shared contract
(demo data, analytics and feedback rely on it); it is not read from the templates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.model.types import Journey
from journeymap.model.workspace import Workspace, load_workspace
from journeymap.templates import LANGUAGES, TEMPLATES, init_workspace

ALL = [(t, lang) for t in ("webshop", "b2b", "subscription") for lang in ("nl", "en")]

# step id, stage, channel, binding events: the webshop contract, by hand.
WEBSHOP_STEPS = [
    ("social-ad", "awareness", "social", ["ad_click"]),
    ("search-landing", "awareness", "web", ["landing_page_view"]),
    ("product-page", "consideration", "web", ["product_view"]),
    ("reviews", "consideration", "web", ["reviews_read"]),
    ("chat-question", "consideration", "chat", ["chat_started"]),
    ("add-to-cart", "decision", "web", ["add_to_cart"]),
    ("cart-reminder", "decision", "email", ["cart_reminder_opened"]),
    ("checkout", "decision", "web", ["checkout_started"]),
    ("payment", "decision", "web", ["payment_completed"]),
    ("order-confirmation", "retention", "email", ["order_confirmation_opened"]),
    ("delivery", "retention", "post", ["parcel_delivered"]),
    ("customer-service", "retention", "phone", ["support_call"]),
    ("repeat-purchase", "retention", "app", ["repeat_order"]),
    ("review-request", "advocacy", "email", ["review_submitted"]),
    ("referral", "advocacy", "social", ["referral_sent"]),
]
WEBSHOP_EDGES = {
    ("social-ad", "product-page"), ("search-landing", "product-page"),
    ("product-page", "reviews"), ("product-page", "add-to-cart"), ("product-page", "chat-question"),
    ("reviews", "add-to-cart"), ("reviews", "product-page"),
    ("chat-question", "add-to-cart"),
    ("add-to-cart", "checkout"), ("add-to-cart", "cart-reminder"),
    ("cart-reminder", "checkout"), ("checkout", "payment"), ("payment", "order-confirmation"),
    ("order-confirmation", "delivery"),
    ("delivery", "review-request"), ("delivery", "customer-service"),
    ("customer-service", "repeat-purchase"), ("customer-service", "review-request"),
    ("review-request", "referral"), ("review-request", "repeat-purchase"),
    ("repeat-purchase", "product-page"),
}
DUTCH_STAGE_WORD = {"webshop": "Overweging", "b2b": "Behoefte", "subscription": "Loyaliteit"}
DMU_ROLES = {"initiator", "user", "influencer", "decider", "buyer", "gatekeeper"}


def make(tmp_path: Path, template: str, lang: str) -> Workspace:
    target = init_workspace(tmp_path / f"{template}-{lang}", template, lang)
    return load_workspace(target)


def only_journey(ws: Workspace) -> Journey:
    assert len(ws.journeys) == 1
    return next(iter(ws.journeys.values()))


def only_journey_file(ws: Workspace) -> Path:
    assert len(ws.journey_files) == 1
    return next(iter(ws.journey_files.values())).path


def test_constants() -> None:
    assert TEMPLATES == ("webshop", "b2b", "subscription")
    assert LANGUAGES == ("nl", "en")


@pytest.mark.parametrize(("template", "lang"), ALL)
def test_template_loads_without_errors(tmp_path: Path, template: str, lang: str) -> None:
    ws = make(tmp_path, template, lang)
    assert ws.errors == []
    assert ws.settings.language == lang
    assert ws.settings.timezone == "Europe/Amsterdam"
    assert ws.personas and ws.journeys
    gitignore = (ws.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/" in gitignore
    # staged in a temporary folder beside the target, which must be gone again
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{template}-{lang}"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_webshop_follows_the_contract(tmp_path: Path, lang: str) -> None:
    ws = make(tmp_path, "webshop", lang)
    assert (ws.root / "journeys" / "webshop.yaml").is_file()
    for pid in ("bargain-hunter", "busy-parent", "loyal-fan"):
        assert (ws.root / "personas" / f"{pid}.yaml").is_file()
        rule = ws.personas[pid].segment
        assert rule is not None
        assert [(c.property, c.op, c.value) for c in rule.all] == [("segment", "eq", pid)]
    j = ws.journeys["webshop"]
    assert [s.id for s in j.stages] == ["awareness", "consideration", "decision", "retention", "advocacy"]
    assert [(s.id, s.stage, s.channel, s.binding.events if s.binding else None) for s in j.steps] == [
        (sid, stage, channel, events) for sid, stage, channel, events in WEBSHOP_STEPS
    ]
    assert set(j.designed_edges()) == WEBSHOP_EDGES
    assert len(j.designed_edges()) == len(WEBSHOP_EDGES)  # no duplicate edges
    assert {s.id for s in j.steps if s.entry} == {"social-ad", "search-landing"}
    assert j.step("referral").next == []
    used = {s.channel for s in j.steps}
    assert used <= {"web", "app", "email", "social", "chat", "phone", "store", "post"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_b2b_has_the_decision_making_unit(tmp_path: Path, lang: str) -> None:
    ws = make(tmp_path, "b2b", lang)
    roles = {p.role for p in ws.personas.values()} & DMU_ROLES
    assert len(ws.personas) >= 4 and len(roles) >= 4
    j = only_journey(ws)
    assert j.scope == "buyer"
    reported = [(s.id, pid, e) for s in j.steps for pid, e in s.persona_emotions.items()]
    assert reported, "field research must give emotions per persona"
    assert all(e.provenance == "reported" and e.source for _, _, e in reported)
    # every DMU member's experience shows up somewhere on the map
    assert {pid for _, pid, _ in reported} == set(ws.personas)
    for s in j.steps:
        assert s.personas, f"step {s.id} must say which DMU members are involved"
        assert s.frontstage and s.backstage and s.systems, s.id
    assert any("CRM" in s.systems for s in j.steps)
    assert any(lane.id == "compliance" for lane in j.lanes)
    assert any(s.lanes.get("compliance") for s in j.steps)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_subscription_has_contract_end_trigger_and_mckinsey_stages(tmp_path: Path, lang: str) -> None:
    ws = make(tmp_path, "subscription", lang)
    j = only_journey(ws)
    assert [s.id for s in j.stages] == ["evaluation", "post-purchase", "loyalty"]
    ends = [t for t in j.triggers if t.kind == "contract-end"]
    assert len(ends) == 1
    assert ends[0].offset_days == -60
    assert ends[0].step == "renewal-offer"
    assert j.step("renewal-offer").stage == "loyalty"
    assert {"renewal", "cancellation"} <= set(j.step("renewal-offer").next or [])
    # service calls at peak moments are a moment of truth
    assert j.step("service-call").channel == "phone"
    assert (j.step("service-call").moment_of_truth or 0) >= 4


def quadrant(impact: int, effort: int) -> str:
    """The impact/effort quadrant, written out independently of the model's property."""
    if impact >= 3:
        return "quick-win" if effort <= 3 else "big-bet"
    return "fill-in" if effort <= 3 else "money-pit"


@pytest.mark.parametrize(("template", "lang"), ALL)
def test_steps_fill_the_lanes_a_designer_would(tmp_path: Path, template: str, lang: str) -> None:
    ws = make(tmp_path, template, lang)
    j = only_journey(ws)
    assert j.goal and j.owner and j.kpi and j.kpi.target is not None
    assert j.review_date is not None and j.review_date.year == 2027
    for s in j.steps:
        assert s.actions and s.motivations and s.questions and s.expectations and s.received, s.id
        assert s.emotion is not None and s.emotion.word, s.id
        assert s.frontstage and s.backstage and s.systems and s.owner, s.id
        assert s.binding and s.binding.events, s.id
        assert s.kpis, s.id
        for k in s.kpis:
            assert k.how and k.frequency and k.who and k.target is not None, (s.id, k.name)
        for p in s.pain_points:
            assert p.owner or p.source, (s.id, p.text)
    assert any(s.moment_of_truth for s in j.steps)
    provenances = {s.emotion.provenance for s in j.steps if s.emotion}
    assert {"assumed", "reported", "observed"} <= provenances | {
        e.provenance for s in j.steps for e in s.persona_emotions.values()
    }
    assert j.lanes and any(s.lanes for s in j.steps)
    assert len(j.opportunities) >= 6
    assert {quadrant(o.impact, o.effort) for o in j.opportunities} == {"quick-win", "big-bet", "fill-in", "money-pit"}
    for o in j.opportunities:
        assert o.owner and o.due and o.kpi and o.expected_effect, o.id
        assert (o.step or o.stage), o.id


@pytest.mark.parametrize("template", ["webshop", "b2b", "subscription"])
def test_dutch_and_english_versions_match(tmp_path: Path, template: str) -> None:
    nl, en = make(tmp_path, template, "nl"), make(tmp_path, template, "en")
    assert set(nl.personas) == set(en.personas)
    assert {p: nl.personas[p].role for p in nl.personas} == {p: en.personas[p].role for p in en.personas}
    jn, je = only_journey(nl), only_journey(en)
    assert jn.id == je.id
    assert [s.id for s in jn.stages] == [s.id for s in je.stages]
    assert [(s.id, s.stage, s.channel) for s in jn.steps] == [(s.id, s.stage, s.channel) for s in je.steps]
    assert [s.binding for s in jn.steps] == [s.binding for s in je.steps]
    assert jn.designed_edges() == je.designed_edges()
    assert [(t.id, t.kind, t.step, t.offset_days) for t in jn.triggers] == [
        (t.id, t.kind, t.step, t.offset_days) for t in je.triggers
    ]
    assert [(o.id, o.impact, o.effort) for o in jn.opportunities] == [(o.id, o.impact, o.effort) for o in je.opportunities]
    assert [lane.id for lane in jn.lanes] == [lane.id for lane in je.lanes]


def words(text: str) -> list[str]:
    return re.findall(r"[a-zà-ÿ]+", text.lower())


@pytest.mark.parametrize("template", ["webshop", "b2b", "subscription"])
def test_dutch_version_is_dutch(tmp_path: Path, template: str) -> None:
    nl, en = make(tmp_path, template, "nl"), make(tmp_path, template, "en")
    jn, je = only_journey(nl), only_journey(en)
    assert DUTCH_STAGE_WORD[template] in " ".join(s.name for s in jn.stages)
    assert [s.name for s in jn.steps] != [s.name for s in je.steps]
    text_nl = words(only_journey_file(nl).read_text(encoding="utf-8"))
    text_en = words(only_journey_file(en).read_text(encoding="utf-8"))
    # function words: frequent in one language, (almost) absent from the other
    dutch = sum(text_nl.count(w) for w in ("de", "het", "een", "en", "van", "niet"))
    english = sum(text_nl.count(w) for w in ("the", "and", "of", "with", "not"))
    assert dutch > 10 * max(english, 1)
    assert sum(text_en.count(w) for w in ("the", "and", "of")) > 10 * max(text_en.count("het") + text_en.count("een"), 1)


def test_unknown_template_suggests_the_right_one(tmp_path: Path) -> None:
    with pytest.raises(JourneymapError) as exc:
        init_workspace(tmp_path / "ws", "webshp")
    assert exc.value.message == "unknown template 'webshp'; did you mean 'webshop'? expected one of: b2b, subscription, webshop"
    assert not (tmp_path / "ws").exists()


def test_unknown_language_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(JourneymapError) as exc:
        init_workspace(tmp_path / "ws", "b2b", "de")
    assert exc.value.message == "unknown language 'de'; expected one of: en, nl"
    with pytest.raises(JourneymapError, match="did you mean 'nl'"):
        init_workspace(tmp_path / "ws", "b2b", "nll")
    assert not (tmp_path / "ws").exists()
    # case and stray spaces are forgiven
    assert load_workspace(init_workspace(tmp_path / "ws", " B2B", "EN ")).settings.language == "en"


def test_reinit_of_a_workspace_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    target = init_workspace(tmp_path / "ws", "webshop", "en")
    settings = target / "journeymap.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    with pytest.raises(JourneymapError) as exc:
        init_workspace(target, "b2b", "nl")
    assert "already holds a workspace (journeymap.yaml exists)" in exc.value.message
    assert "--force" in exc.value.message
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_force_overwrites_template_files_and_keeps_others(tmp_path: Path) -> None:
    target = init_workspace(tmp_path / "ws", "webshop", "en")
    (target / "data").mkdir()
    (target / "data" / "events.duckdb").write_bytes(b"keep me")
    (target / "journeymap.yaml").write_text("name: broken edit\n", encoding="utf-8")
    init_workspace(target, "webshop", "nl", force=True)
    ws = load_workspace(target)
    assert ws.settings.language == "nl"
    assert (target / "data" / "events.duckdb").read_bytes() == b"keep me"
    assert (target / ".gitignore").read_text(encoding="utf-8").splitlines().count("data/") == 1


def test_existing_folder_with_other_files_is_used_and_gitignore_extended(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    (target / "README.md").write_text("# our maps\n", encoding="utf-8")
    (target / ".gitignore").write_text("*.pyc", encoding="utf-8")
    init_workspace(target, "subscription", "en")
    assert (target / "README.md").read_text(encoding="utf-8") == "# our maps\n"
    assert (target / ".gitignore").read_text(encoding="utf-8") == "*.pyc\ndata/\n"
    assert load_workspace(target).errors == []


def test_template_file_clash_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    (target / "personas").mkdir(parents=True)
    (target / "personas" / "planner.yaml").write_text("id: planner\nname: Ours\n", encoding="utf-8")
    with pytest.raises(JourneymapError) as exc:
        init_workspace(target, "b2b", "en")
    assert "already has files the template would overwrite (personas/planner.yaml)" in exc.value.message
    assert (target / "personas" / "planner.yaml").read_text(encoding="utf-8") == "id: planner\nname: Ours\n"
    assert sorted(p.name for p in target.rglob("*")) == ["personas", "planner.yaml"]


def test_target_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(JourneymapError, match="it is a file, not a folder"):
        init_workspace(target)
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    target = init_workspace(tmp_path / "a" / "b" / "ws", "webshop", "en")
    assert target == tmp_path / "a" / "b" / "ws"
    assert load_workspace(target).errors == []
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["ws"]


def test_new_workspace_folder_gets_normal_permissions(tmp_path: Path) -> None:
    """Staging in a private temporary folder must not leave the workspace private (0700)."""
    (tmp_path / "plain").mkdir()
    expected = (tmp_path / "plain").stat().st_mode & 0o777
    target = init_workspace(tmp_path / "ws", "webshop", "en")
    assert target.stat().st_mode & 0o777 == expected
    assert (target / "personas").stat().st_mode & 0o777 == expected


@pytest.mark.parametrize(("template", "lang"), ALL)
def test_lint_gives_only_the_one_deliberate_assumption(tmp_path: Path, template: str, lang: str) -> None:
    """Templates teach good habits: lint is clean except one pain point left as an assumption on purpose."""
    import datetime as dt

    from journeymap.model.lint import lint_workspace

    ws = make(tmp_path, template, lang)
    advice = lint_workspace(ws, today=dt.date(2026, 12, 1))
    assert [d.code for d in advice] == ["pain-no-evidence"]
    lines = only_journey_file(ws).read_text(encoding="utf-8").splitlines()
    above = " ".join(lines[advice[0].line - 3 : advice[0].line - 1])
    assert above.lstrip().startswith("#") and "journeymap lint" in above  # the comment right above says why
    # a year later the review date has passed, and lint says so
    later = lint_workspace(ws, today=dt.date(2028, 1, 1))
    assert "review-overdue" in {d.code for d in later}


def test_failure_while_writing_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up half-way must not leave a half-written workspace (or the staging folder)."""
    real = Path.write_bytes
    written: list[Path] = []

    def flaky(self: Path, data: bytes) -> int:
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(self)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(JourneymapError) as exc:
        init_workspace(tmp_path / "ws", "b2b", "en")
    assert exc.value.message.startswith("cannot write the workspace at ")
    assert exc.value.message.endswith("ws: No space left on device")
    assert len(written) == 3
    assert list(tmp_path.iterdir()) == []


def test_gitignore_in_another_encoding_is_kept_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / ".gitignore").write_bytes("# caf\xe9\n*.bak\n".encode("latin-1"))
    init_workspace(target, "webshop", "nl")
    assert (target / ".gitignore").read_bytes() == "# caf\xe9\n*.bak\ndata/\n".encode("latin-1")
