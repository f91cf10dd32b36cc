"""Validation like a compiler: every problem at once, located, with the fix in the message."""

from __future__ import annotations

import re

from journeymap.model import load_workspace

# Ten planted mistakes; each line says where it is, so the expected line numbers are by hand.
PLANTED = {
    "journeymap.yaml": """
        name: Planted
        language: en
    """,
    "personas/shopper.yaml": """
        id: shopper
        name: Sam
        role: custmer
        channels: [web, mail]
    """,
    # line numbers in this file:            (1-based)
    "journeys/shop.yaml": """
        id: shop
        title: Shop
        personas: [shopper, ghost]
        stages:
          - id: aware
            name: Awareness
          - id: buy
            name: Buy
          - id: empty
            name: Nothing here
        steps:
          - id: ad
            name: Sees an ad
            stage: aware
            channel: social
            emotion: {score: 3}
            colour: red
            next: [cart]
          - id: cart
            name: Cart
            stage: buyy
            channel: web
            next: [nowhere]
          - id: cart
            name: Cart again
            stage: buy
            channel: web
            next: []
          - id: orphan
            name: Orphan
            stage: buy
            channel: web
    """,
}

EXPECTED = [
    ("journeys/shop.yaml", 3, "unknown persona 'ghost' in journey 'shop'; expected one of: shopper"),
    ("journeys/shop.yaml", 9, "stage 'empty' has no steps"),
    ("journeys/shop.yaml", 16, "'score' must be ≤ 2.0 (got 3) in step 'ad'"),
    ("journeys/shop.yaml", 17, "unknown key 'colour' in step 'ad'; expected one of: actions,"),
    ("journeys/shop.yaml", 21, "unknown stage 'buyy' in step 'cart'; did you mean 'buy'? expected one of: aware, buy, empty"),
    ("journeys/shop.yaml", 23, "unknown step 'nowhere' in 'next' of step 'cart'; expected one of: ad, cart, orphan"),
    ("journeys/shop.yaml", 24, "duplicate step id 'cart' (first defined as steps[1])"),
    ("journeys/shop.yaml", 29, "step 'orphan' is unreachable"),
    ("personas/shopper.yaml", 3, "invalid value 'custmer' for 'role'; did you mean 'customer'? expected one of: buyer, "
                                 "customer, decider, gatekeeper, influencer, initiator, user"),
    ("personas/shopper.yaml", 4, "unknown channel 'mail' in persona 'shopper'; did you mean 'email'?"),
]


def test_ten_planted_mistakes_are_all_reported_with_file_and_line(make_workspace, monkeypatch):
    root = make_workspace(PLANTED)
    monkeypatch.chdir(root)
    ws = load_workspace(".", strict=False)
    got = [(d.file, d.line, d.message) for d in ws.errors]
    assert len(got) == 10, "\n".join(map(str, ws.errors))
    for (file, line, text), (gfile, gline, gmsg) in zip(EXPECTED, got, strict=True):
        assert (gfile, gline) == (file, line), gmsg
        assert gmsg.startswith(text), gmsg


def test_validate_command_prints_every_error_and_exits_1(make_workspace, run_cli):
    root = make_workspace(PLANTED)
    result = run_cli("validate", ".", cwd=root)
    assert result.exit_code == 1
    lines = [ln for ln in result.stdout.splitlines() if re.match(r"^\S+\.yaml:\d+:\d+: ", ln)]
    assert len(lines) == 10
    assert "journeys/shop.yaml:21:5: unknown stage 'buyy'" in result.stdout
    assert "10 errors" in result.stdout
    assert "Traceback" not in result.output


def test_valid_workspace_passes(make_workspace, minimal_files, run_cli):
    root = make_workspace(minimal_files)
    result = run_cli("validate", str(root))
    assert result.exit_code == 0, result.output
    assert "1 persona, 1 journey, 3 steps: no problems" in result.stdout


def test_yaml_syntax_error_is_located(make_workspace, minimal_files, monkeypatch):
    minimal_files["journeys/broken.yaml"] = "id: broken\ntitle: [unclosed\nstages: []\n"
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    ws = load_workspace(".", strict=False)
    (err,) = ws.errors
    assert err.file == "journeys/broken.yaml"
    assert err.line == 3 and err.message.startswith("YAML syntax error")


def test_wrong_types_and_missing_keys(make_workspace, minimal_files, monkeypatch):
    minimal_files["journeys/shop.yaml"] = minimal_files["journeys/shop.yaml"].replace(
        "name: Pays", "name: Pays\n            moment_of_truth: very")
    minimal_files["personas/other.yaml"] = "id: other\n"
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    messages = [str(d) for d in load_workspace(".", strict=False).errors]
    assert any("'moment_of_truth': input should be a valid integer" in m and "step 'pay'" in m for m in messages)
    assert "personas/other.yaml:1:1: missing required key 'name'" in messages


def test_invalid_id_explains_the_rule(make_workspace, minimal_files, monkeypatch):
    minimal_files["personas/shopper.yaml"] = "id: Big Spender\nname: X\n"
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    messages = [d.message for d in load_workspace(".", strict=False).errors]
    assert any(m.startswith("invalid id 'Big Spender' for 'id'; use lower-case letters") for m in messages)


def test_duplicate_persona_across_files(make_workspace, minimal_files, monkeypatch):
    minimal_files["personas/zz.yaml"] = "id: shopper\nname: Other\n"
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    (err,) = load_workspace(".", strict=False).errors
    assert str(err) == "personas/zz.yaml:1:1: duplicate persona id 'shopper' (also defined in personas/shopper.yaml)"


def test_loops_are_allowed_and_entry_steps_are_reachable(make_workspace, minimal_files, monkeypatch):
    text = minimal_files["journeys/shop.yaml"]
    text = text.replace("channel: social", "channel: social\n            next: [cart]")
    text = text.replace("name: Pays\n            stage: buy\n            channel: web",
                        "name: Pays\n            stage: buy\n            channel: web\n            next: [cart]")
    text = text.rstrip() + "\n"
    text += "          - id: store\n            name: Store visit\n            stage: aware\n" \
            "            channel: store\n            entry: true\n            next: [pay]\n"
    minimal_files["journeys/shop.yaml"] = text
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    ws = load_workspace(".", strict=False)
    assert ws.errors == []
    assert ("pay", "cart") in ws.journeys["shop"].designed_edges()


def test_missing_workspace_and_missing_settings(tmp_path, run_cli):
    result = run_cli("validate", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run_cli("validate", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert "journeymap.yaml not found" in result.stderr
    assert "Traceback" not in result.output


def test_bad_time_zone_and_language(make_workspace, minimal_files, monkeypatch):
    minimal_files["journeymap.yaml"] = "name: X\nlanguage: fr\ntimezone: Mars/Olympus\n"
    root = make_workspace(minimal_files)
    monkeypatch.chdir(root)
    messages = [str(d) for d in load_workspace(".", strict=False).errors]
    assert any("journeymap.yaml:2:1: invalid value 'fr' for 'language'; expected one of: en, nl" in m for m in messages)
    assert any("unknown time zone 'Mars/Olympus'" in m for m in messages)
