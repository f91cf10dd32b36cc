"""Round-trip editing keeps comments and order; diff reports changes by stage, step and lane."""

from __future__ import annotations

import json
import subprocess

from journeymap.model import LaneItem, PainPoint
from journeymap.model.diff import diff_versions, format_changes
from journeymap.model.document import load_journey

JOURNEY = """\
# The shop journey: keep this comment
id: shop          # the journey id
title: Shop
review_date: 2027-01-01
stages:
  - id: aware     # stage comment
    name: Awareness
  - id: buy
    name: Buy
steps:
  - id: ad
    name: Sees an ad
    stage: aware
    channel: social
    actions:
      - Scrolls Instagram   # a plain-string lane item
    emotion: {score: 1, word: curious}
  - id: pay
    name: Pays
    stage: buy
    channel: web
    pain_points:
      - text: Card declined
        severity: high
"""


def test_save_keeps_comments_order_and_untouched_formatting(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    doc = load_journey(path)
    doc.model.title = "Webshop"
    doc.model.steps[0].actions.append(LaneItem(text="Clicks the ad"))
    doc.save()
    text = path.read_text(encoding="utf-8")
    expected = JOURNEY.replace("title: Shop", "title: Webshop").replace(
        "      - Scrolls Instagram   # a plain-string lane item\n",
        "      - Scrolls Instagram   # a plain-string lane item\n      - Clicks the ad\n")
    assert text == expected


def test_unchanged_save_is_byte_identical(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    load_journey(path).save()
    assert path.read_text(encoding="utf-8") == JOURNEY


def _versions(tmp_path):
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(JOURNEY, encoding="utf-8")
    doc = load_journey(old)
    doc.model.steps[0].emotion.score = -1  # type: ignore[union-attr]
    doc.model.steps[1].pain_points.append(PainPoint(text="No iDEAL", severity="critical"))
    doc.model.steps[1].stage = "aware"
    doc.model.stages[1].name = "Purchase"
    doc.save(new)
    return old, new


def test_diff_lists_each_change_by_section(tmp_path):
    old, new = _versions(tmp_path)
    changes = diff_versions(str(old), str(new))
    lines = sorted(c.line() for c in changes)
    assert lines == sorted([
        "~ stage 'buy' · name: \"Buy\" → \"Purchase\"",
        "~ step 'ad' · emotion.score: 1.0 → -1.0",
        "~ step 'pay' · stage: \"buy\" → \"aware\"",
        "+ step 'pay' · pain_points: \"No iDEAL\"",
    ])
    md = format_changes(changes)
    assert md.startswith("## Journey 'shop'\n### Stages (1)\n")
    assert "### Steps (3)" in md


def test_diff_json_and_no_changes(tmp_path):
    old, new = _versions(tmp_path)
    data = json.loads(format_changes(diff_versions(str(old), str(new)), "json"))
    assert {d["item"] for d in data} == {"buy", "ad", "pay"}
    assert format_changes(diff_versions(str(old), str(old))) == "No changes."


def test_diff_cli_with_git_revision(tmp_path, run_cli):
    repo = tmp_path / "repo"
    (repo / "journeys").mkdir(parents=True)
    (repo / "journeys" / "shop.yaml").write_text(JOURNEY, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    (repo / "journeys" / "shop.yaml").write_text(JOURNEY.replace("name: Pays", "name: Pays online"), encoding="utf-8")
    result = run_cli("diff", "HEAD:journeys/shop.yaml", "journeys/shop.yaml", "--format", "text", "--exit-code",
                     cwd=repo)
    assert result.exit_code == 1
    assert "~ step 'pay' · name: \"Pays\" → \"Pays online\"" in result.stdout
    bad = run_cli("diff", "HEAD:journeys/none.yaml", "journeys/shop.yaml", cwd=repo)
    assert bad.exit_code == 1 and "cannot read 'HEAD:journeys/none.yaml' from git" in bad.stderr


def test_diff_of_an_invalid_version_is_located(tmp_path, run_cli):
    good = tmp_path / "good.yaml"
    good.write_text(JOURNEY, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(JOURNEY.replace("channel: web", "channel: web\n    mood: sad"), encoding="utf-8")
    result = run_cli("diff", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.yaml:22:5: unknown key 'mood' in step 'pay'" in result.stderr


def test_atomic_write_gives_normal_permissions(tmp_path):
    import os
    import stat

    from journeymap.model.yamlio import atomic_write_text

    umask = os.umask(0o022)
    try:
        target = tmp_path / "out.txt"
        atomic_write_text(target, "x")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    finally:
        os.umask(umask)
