"""Configs that used to pass ``validate`` and crash every data command: now located errors in both."""

from __future__ import annotations

import pytest

from journeymap.model import patterns
from journeymap.voc.ingest import event_step

JOURNEY = """\
id: shop
title: Shop
stages:
  - id: buy
    name: Buy
steps:
  - id: cart
    name: Fills the cart
    stage: buy
    channel: web
    binding:
      events:
        - cart_add
        - {pattern}
      where:
        - property: {prop}
          op: {op}
          value: {value}
"""


def _files(pattern: str = "cart_*", op: str = "eq", value: str = "web", prop: str = "channel",
           tz: str = "UTC") -> dict[str, str]:
    return {
        "journeymap.yaml": f"name: Test\nlanguage: en\ntimezone: {tz}\n",
        "journeys/shop.yaml": JOURNEY.format(pattern=pattern, op=op, value=value, prop=prop),
    }


def _assert_clean(out: str) -> None:
    assert "Traceback" not in out and "internal error" not in out


@pytest.mark.parametrize(("pattern", "why"), [
    ("'re:(unclosed'", "missing ): (unclosed"),
    ("'re:\\p{Foo}'", "invalid character class range: \\p{Foo}"),
    ("'re:(a)\\1'", "invalid escape sequence: \\1"),
])
def test_bad_regex_in_binding_is_located(make_workspace, run_cli, pattern, why):
    root = make_workspace(_files(pattern=pattern))
    for args in (("validate", root), ("analyze", "shop", "--workspace", root)):
        result = run_cli(*args)
        out = result.stdout + result.stderr
        assert result.exit_code == 1, out
        # the second item of 'events' is on line 14, column 11
        assert "journeys/shop.yaml:14:11: 'events': invalid regular expression" in out
        assert why in out
        _assert_clean(out)


@pytest.mark.parametrize(("op", "value"), [("gt", "abc"), ("lt", "[1, 2]"), ("gte", ".nan")])
def test_numeric_op_needs_a_number(make_workspace, run_cli, op, value):
    root = make_workspace(_files(op=op, value=value, prop="amount"))
    for args in (("validate", root), ("analyze", "shop", "--workspace", root)):
        result = run_cli(*args)
        out = result.stdout + result.stderr
        assert result.exit_code == 1, out
        assert f"journeys/shop.yaml:18:11: 'value': op {op!r} compares numbers, so the value must be a number" in out
        _assert_clean(out)


def test_regex_condition_is_checked_too(make_workspace, run_cli):
    result = run_cli("validate", make_workspace(_files(op="regex", value="'(a)\\1'")))
    out = result.stdout + result.stderr
    assert result.exit_code == 1
    assert "journeys/shop.yaml:18:11: 'value': invalid regular expression '(a)\\\\1'" in out


@pytest.mark.parametrize("tz", ["posixrules", "localtime", "Factory", "/etc/localtime", "posix/Europe/Amsterdam"])
def test_only_real_time_zones(make_workspace, run_cli, tz):
    root = make_workspace(_files(tz=f"'{tz}'"))
    for args in (("validate", root), ("analyze", "shop", "--workspace", root)):
        result = run_cli(*args)
        out = result.stdout + result.stderr
        assert result.exit_code == 1, out
        assert f"journeymap.yaml:3:1: 'timezone': unknown time zone {tz!r} (use an IANA name such as " \
               "Europe/Amsterdam)" in out
        assert "expected one of: " in out
        _assert_clean(out)


def test_valid_config_passes(make_workspace, run_cli):
    result = run_cli("validate", make_workspace(_files(pattern="'re:^cart_(add|remove)$'", tz="Europe/Amsterdam")))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_patterns_match_like_the_engine():
    assert patterns.matches("checkout_*", "checkout_done")
    assert not patterns.matches("checkout_*", "pre_checkout_done")  # globs are anchored
    assert patterns.matches("page?", "page1") and not patterns.matches("page?", "page12")
    assert patterns.matches("a[b", "a[b")        # '[' is literal, as in the engine's SQL
    assert not patterns.matches("a[bc]", "ab")   # not fnmatch's character class
    assert patterns.matches("re:^cart_", "cart_add")
    assert patterns.matches("re:add", "cart_add")  # regexes search, like re_search in SQL
    assert patterns.matches("cart_add", "cart_add") and not patterns.matches("cart_add", "cart_addx")


def test_event_step_is_linear_time_and_first_match_wins(make_workspace):
    from journeymap.model.workspace import load_workspace

    files = _files(pattern="'re:^(a+)+$'")
    root = make_workspace(files)
    journey = load_workspace(root).journeys["shop"]
    # the classic catastrophic-backtracking input: RE2 answers at once (Python's re took 43 s)
    assert event_step(journey, "a" * 50_000 + "b") is None
    assert event_step(journey, "aaaa") == "cart"
    assert event_step(journey, "cart_add") == "cart"
    assert event_step(journey, "other") is None
