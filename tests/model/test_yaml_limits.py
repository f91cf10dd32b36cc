"""Hostile YAML (alias bombs, huge files) gets one clear located error, without expanding anything."""

from __future__ import annotations

import tracemalloc

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)


def _journey_with(extra: str) -> str:
    return "id: shop\ntitle: Shop\nstages:\n  - id: aware\n    name: Awareness\n" + extra


def test_billion_laughs_is_refused_at_the_alias_without_expanding(make_workspace, minimal_files, run_cli):
    # a: 9 values; each later level 9 aliases of the one before: e alone expands to 9**5 = 59,049 values,
    # so the running total passes 100,000 inside line 11 (the anchor 'f'), the sixth line of the bomb.
    minimal_files["journeys/shop.yaml"] = _journey_with(BOMB)
    root = make_workspace(minimal_files)
    tracemalloc.start()
    result = run_cli("validate", root)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 1
    out = result.stdout + result.stderr
    assert "shop.yaml:11:" in out
    assert "aliases expand to more than 100000 values at alias *e (an alias bomb?)" in out
    assert "Traceback" not in out and "internal error" not in out
    assert peak < 50_000_000


def test_bomb_with_a_typo_elsewhere_still_stops_at_the_alias(make_workspace, minimal_files, run_cli):
    minimal_files["journeys/shop.yaml"] = _journey_with(BOMB) + "titel: typo\n"
    root = make_workspace(minimal_files)
    tracemalloc.start()
    result = run_cli("validate", root)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = result.stdout + result.stderr
    assert result.exit_code == 1
    assert "alias bomb" in out and "shop.yaml:11:" in out
    assert "Traceback" not in out
    assert peak < 50_000_000


def test_too_many_aliases(make_workspace, minimal_files, run_cli):
    steps = "".join(f"  - id: s{i}\n    name: S\n    stage: aware\n    channel: *ch\n" for i in range(1001))
    text = _journey_with("steps:\n  - id: s\n    name: S\n    stage: aware\n    channel: &ch web\n" + steps)
    minimal_files["journeys/shop.yaml"] = text
    root = make_workspace(minimal_files)
    result = run_cli("validate", root)
    # 5 lines of header, 5 of step 's', then 4 per step: alias 1001 is on line 10 + 4 * 1001 = 4014
    assert result.exit_code == 1
    assert "shop.yaml:4014:14: too many aliases (more than 1000)" in result.stdout + result.stderr


def test_recursive_alias_is_refused(make_workspace, minimal_files, run_cli):
    minimal_files["journeys/shop.yaml"] = _journey_with("loop: &x [1, *x]\n")
    result = run_cli("validate", make_workspace(minimal_files))
    assert result.exit_code == 1
    assert "shop.yaml:6:14: alias *x refers to a node that contains it" in result.stdout + result.stderr


def test_file_over_the_size_bound_is_refused(make_workspace, minimal_files, run_cli):
    minimal_files["journeys/shop.yaml"] = _journey_with("description: " + "x" * 5_000_001 + "\n")
    result = run_cli("validate", make_workspace(minimal_files))
    assert result.exit_code == 1
    assert "shop.yaml:1:1: file is too large" in result.stdout + result.stderr
    assert "up to 5000000 bytes" in result.stdout + result.stderr


def test_legitimate_anchors_keep_working(make_workspace, minimal_files, run_cli):
    minimal_files["journeys/shop.yaml"] = """
        id: shop
        title: Shop
        personas: [shopper]
        stages:
          - id: aware
            name: Awareness
        steps:
          - id: ad
            name: Sees an ad
            stage: aware
            channel: &web web
            actions: &acts [looks, clicks]
          - id: cart
            name: Fills the cart
            stage: aware
            channel: *web
            actions: *acts
    """
    result = run_cli("validate", make_workspace(minimal_files))
    assert result.exit_code == 0, result.stdout + result.stderr
