"""The service-rules file: its pattern syntax, its validation (file:line, key, valid values) and merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.voc.lexicon import tokenize
from journeymap.voc.sentiment import LexiconBackend, backend_for
from journeymap.voc.service import (
    RuleSet,
    ServiceRules,
    bundled_rules,
    parse_pattern,
    parse_rules,
    read_rules_file,
    rules_for,
)


def _rules(text: str, name: str = "rules.yaml") -> ServiceRules:
    parsed = parse_rules(text, name)
    rules = ServiceRules(parsed.rules, parsed.words)
    rules.check()
    return rules


def _match(pattern: str, text: str, words: str = "") -> str | None:
    """The words one pattern matches at the start of ``text`` (None: no match)."""
    rules = _rules(f"en:\n  words:\n{words or '    x: [x]'}\n  rules:\n    r:\n      kind: failure\n"
                   f"      patterns: [{pattern!r}]\n".replace("'", '"'))
    tokens = tokenize(text)
    hit = RuleSet.build("en", rules.rules, rules.words).match_at(tokens, 0)
    return None if hit is None else " ".join(tokens[hit.start:hit.end])


def test_pattern_elements() -> None:
    assert _match("still waiting|stuck", "Still stuck at home") == "still stuck"
    assert _match("refund*", "Refunded twice") == "refunded"
    assert _match("for # days", "For 3 days now") == "for 3 days"
    assert _match("for # days", "For three days now") == "for three days"
    assert _match("on _ way", "on his way") == "on his way"
    assert _match("would !you ... come", "would the engineer come") == "would the engineer come"
    assert _match("would !you ... come", "would you come") is None
    assert _match("by @day|#", "by Monday", "    day: [monday, friday]") == "by monday"
    assert _match("by @day|#", "by 12", "    day: [monday, friday]") == "by 12"


def test_a_gap_crosses_neither_a_sentence_end_nor_a_negation() -> None:
    assert _match("called ... back", "called me straight back") == "called me straight back"
    assert _match("called ... back", "called me. Back") is None
    assert _match("called ... back", "called but never back") is None  # "never" stops the gap
    assert _match("called ... back", "called and didn't ring back") is None
    assert _match("called ... back", "called one two three four five back") is None  # longer than 4 words


def test_the_longest_match_wins() -> None:
    rules = _rules('nl:\n  rules:\n    a:\n      kind: failure\n      patterns: ["nog"]\n'
                   '    b:\n      kind: success\n      patterns: ["nog ... binnen"]\n')
    tokens = tokenize("nog dezelfde dag binnen")
    hit = RuleSet.build("nl", rules.rules, rules.words).match_at(tokens, 0)
    assert hit is not None and hit.rule.name == "b" and hit.end == 4


@pytest.mark.parametrize(("text", "message"), [
    ("de:\n  rules: {}\n", r"rules.yaml:1: unknown language 'de'; expected one of: en, nl"),
    ("nl:\n  regels: {}\n", r"rules.yaml:2: unknown key 'regels' under 'nl'; expected one of: rules, words"),
    ("nl:\n  rules:\n    r:\n      kind: complaint\n      patterns: [a]\n",
     r"rules.yaml:4: unknown kind 'complaint' in rule nl.r; expected one of: .*failure"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patern: [a]\n",
     r"rules.yaml:5: unknown key 'patern' in rule nl.r; did you mean 'patterns'\?"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      weight: 9\n      patterns: [a]\n",
     r"rules.yaml:5: weight of rule nl.r must be a number from -4 to 4 \(the lexicon's scale\), not 9"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns:\n        - a\n        - ... a\n",
     r"rules.yaml:7: pattern '... a' of rule nl.r: a pattern must start with a word"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns: ['nog steeds|']\n",
     r"rules.yaml:5: pattern 'nog steeds\|' of rule nl.r: empty alternative in 'steeds\|'"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns: ['e-mail|tel.']\n",
     r"rules.yaml:5: pattern 'e-mail\|tel.' of rule nl.r: 'tel.' is not one word as journeymap reads text"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns: ['a ...']\n",
     r"rules.yaml:5: pattern 'a ...' of rule nl.r: a pattern may not end with a gap"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns: []\n", r"rules.yaml:3: rule nl.r has no patterns"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      enabled: nee\n      patterns: [a]\n",
     r"rules.yaml:5: enabled of rule nl.r must be true or false, not 'nee'"),
    ("nl:\n  words:\n    dag: []\n", r"rules.yaml:3: word class nl.words.dag must be a non-empty list of words"),
    ("nl:\n  rules:\n    r:\n      kind: failure\n      patterns: [a, a]\n",
     r"rules.yaml:5: pattern 'a' appears twice in rule nl.r"),
    ("nl: [a\n", r"rules.yaml:\d+:\d+: YAML syntax error"),
])
def test_mistakes_name_file_line_key_and_valid_values(text: str, message: str) -> None:
    with pytest.raises(JourneymapError, match=message):
        parse_rules(text, "rules.yaml")


def test_an_unknown_word_class_names_the_pattern_line_and_the_classes() -> None:
    text = "nl:\n  words:\n    dag: [maandag]\n  rules:\n    r:\n      kind: failure\n      patterns:\n" \
           "        - al\n        - sinds @dagen\n"
    with pytest.raises(JourneymapError, match=r"rules.yaml:9: pattern 'sinds @dagen' of rule nl.r: unknown word "
                                              r"class '@dagen'; did you mean 'dag'\?"):
        _rules(text)


def test_workspace_rules_add_extend_replace_and_switch_off(tmp_path: Path) -> None:
    base = _rules("nl:\n  words:\n    dag: [maandag]\n  rules:\n"
                  "    a:\n      kind: failure\n      patterns: [x]\n"
                  "    b:\n      kind: success\n      patterns: [y]\n"
                  "    c:\n      kind: churn\n      patterns: [z]\n")
    extra = tmp_path / "sentiment-rules.yaml"
    extra.write_text("nl:\n  words:\n    dag: [dinsdag]\n  rules:\n"
                     "    a:\n      kind: failure\n      weight: -3\n      patterns: [x2]\n"        # extends a
                     "    b:\n      kind: success\n      replace: true\n      patterns: [y2]\n"  # replaces b
                     "    c:\n      enabled: false\n"                                              # switches c off
                     "    d:\n      kind: failure\n      patterns: ['sinds @dag']\n", encoding="utf-8")
    merged = base.merged(read_rules_file(extra))
    by_name = {r.name: r for r in merged.rules}
    assert sorted(by_name) == ["a", "b", "d"]
    assert by_name["a"].patterns == ("x", "x2") and by_name["a"].weight == -3
    assert by_name["a"].pattern_sources == ("rules.yaml:7", f"{extra}:8")
    assert by_name["b"].patterns == ("y2",)
    assert merged.words["nl"]["dag"].words == ("maandag", "dinsdag")
    ruleset = merged.ruleset("nl")
    hit = ruleset.match_at(tokenize("sinds dinsdag"), 0)
    assert hit is not None and hit.rule.name == "d"


def test_a_workspace_rule_changes_the_score(tmp_path: Path) -> None:
    text = "De bezorger gooide het pakket over de schutting."
    assert LexiconBackend().score(text, "nl").label == "neutral"
    extra = tmp_path / "sentiment-rules.yaml"
    extra.write_text("nl:\n  rules:\n    thrown:\n      kind: failure\n      patterns: ['gooide ... over']\n",
                     encoding="utf-8")
    backend = backend_for(rules_files=[extra])
    assert isinstance(backend, LexiconBackend)
    result = backend.score(text, "nl")
    # one failure (-2.2 on the lexicon scale) and nothing else: -2.2 / sqrt(2.2² + 15) = -0.4939
    assert (result.label, result.score, result.intent) == ("negative", -0.4939, "complaint")


def test_bad_rules_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(JourneymapError, match="no rules file at"):
        rules_for([tmp_path / "nope.yaml"])
    with pytest.raises(JourneymapError, match="is a folder"):
        rules_for([tmp_path])
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("nl:\n  rules: {}\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(JourneymapError, match="not UTF-8 text"):
        rules_for([bad])


def test_the_bundled_rules_are_valid_and_cover_both_languages() -> None:
    rules = bundled_rules()
    kinds = {(r.language, r.kind) for r in rules.rules}
    for lang in ("nl", "en"):
        for kind in ("failure", "expectation", "irony", "success", "loyalty", "churn", "cancel", "question", "request"):
            assert (lang, kind) in kinds, (lang, kind)
    for r in rules.rules:  # every pattern keeps its own file:line for error messages and --explain
        assert len(r.pattern_sources) == len(r.patterns)
        assert all(s.startswith("journeymap/voc/data/service_rules.yaml:") for s in r.pattern_sources)
    assert parse_pattern("al # @duur", rules.words["nl"])  # classes resolve
