"""A Dutch workspace speaks Dutch everywhere: the typical commands run on one, and their output holds no English.

English is recognised two ways, both independent of the code under test: every text of the English catalogue that
the Dutch one says differently (a fragment of it in the output is an untranslated message), and a list of common
English words. Ids, event names, quoted values, paths, options and command names are what the user wrote or
types, and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from journeymap.i18n import catalogue

#: Common English words that have no place in Dutch output (words Dutch shares, like "is", "of", "data",
#: "feedback", "per", "score", "sentiment", "week", "web", "app", "chat", "post", "persona", "trigger", "cohort" or
#: "fitness", are not listed).
ENGLISH = {"the", "and", "with", "from", "to", "not", "no", "are", "customers", "customer", "events",
           "steps", "step", "journey", "journeys", "stored", "read", "quarantined", "duplicates", "error", "errors",
           "warning", "warnings", "advice", "wrote", "answers", "texts", "survey", "reach", "conversion", "share",
           "month", "time", "workspace", "problems", "moments", "channels", "latest", "timeline",
           "stage", "stages", "designed", "observed", "expected", "received", "measured", "assumed", "drop-off",
           "download", "rows", "shown", "figures", "map", "living", "needs", "attention", "small", "sample",
           "interval", "remove", "removed", "would", "remain", "nothing", "changed", "range", "identified",
           "anonymous", "stitched", "store", "source", "sources", "unknown", "missing", "unparsable", "looks",
           "day-first", "went", "go", "further", "mean", "peak", "end", "funnel", "path", "paths", "what"}


def english_fragments() -> set[str]:
    """The fixed parts (between placeholders) of every English text the Dutch catalogue words differently."""
    en, nl = catalogue("en"), catalogue("nl")
    out = set()
    for key, text in en.items():
        if nl.get(key) == text:
            continue
        for part in re.split(r"\{[^}]*\}", text):
            part = part.strip(" .,:;()'\"—–-→·|")
            if len(part) >= 10 and " " in part and part not in nl.get(key, ""):  # "Net Promoter Score per" is both
                out.add(part)
    return out


def journeymaps_own(text: str) -> str:
    """``text`` without what the user wrote or types: quoted values, commands, paths and options."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”", " ", text)            # values the user wrote
    text = re.sub(r"journeymap(?: [a-z]+)+", " ", text)                # commands to type
    text = re.sub(r"\S*[/\\]\S*", " ", text)                           # paths
    text = re.sub(r"(expected one of|verwacht een van): [^;\n)]*", " ", text)  # lists of valid keys and values
    text = re.sub(r"\b[a-z]\w*(\.\w+)+", " ", text)                    # settings keys: events.time_format
    return re.sub(r"(?<!\w)--?[a-z][\w.-]*", " ", text)                # options


def user_words(text: str) -> list[str]:
    """The words of ``text`` that are journeymap's own: without quoted values, paths, options, commands and ids."""
    words = re.findall(r"[A-Za-zÀ-ÿ][\w'-]*", journeymaps_own(text))
    return [w for w in words if not re.search(r"[_\d]", w) and not (w.count("-") and w.lower() == w
                                                                  and w not in ENGLISH)]


def english_in(text: str, ids: set[str]) -> list[str]:
    """English fragments and words in ``text`` (ids of the workspace, such as its step ids, do not count)."""
    own = journeymaps_own(text)
    found = [f for f in english_fragments() if f in own]
    found += sorted({w for w in user_words(text) if w.lower() in ENGLISH and w not in ids})
    return found


class _Text(HTMLParser):
    """The text a reader sees: no styles, scripts, SQL (``<pre>``), attributes or data links."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "pre"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "pre"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_detector_finds_english_and_leaves_ids_alone() -> None:
    assert english_in("store: 5 events, 3 customers", set()) == ["customers", "events", "store"]
    assert english_in("opslag: 5 gebeurtenissen, bekijk met: journeymap quarantine --reason 'missing time'",
                      set()) == []
    assert "klanten voelen zich" not in english_fragments() and "read = stored" not in english_fragments()
    assert any("the map shows the design only" in f for f in english_fragments())
    assert english_in("stap 'cart-reminder': checkout_started", {"checkout"}) == []


@pytest.fixture(scope="module")
def dutch_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nl") / "winkel"


def test_a_dutch_workspace_speaks_dutch_everywhere(dutch_demo: Path, tmp_path: Path,
                                                   run_cli: Callable[..., object]) -> None:
    from journeymap.model.workspace import load_workspace

    outputs: dict[str, str] = {}

    def run(name: str, *args: object, ok: tuple[int, ...] = (0,)) -> str:
        res = run_cli(*args)
        assert res.exit_code in ok, (name, res.output)  # type: ignore[attr-defined]
        outputs[name] = res.output  # type: ignore[attr-defined]
        return res.output  # type: ignore[attr-defined, no-any-return]

    w = ["-w", dutch_demo]
    run("demo", "demo", dutch_demo, "--customers", "400", "--lang", "nl")
    ws = load_workspace(dutch_demo)
    ids = {*ws.personas, *(s.id for j in ws.journeys.values() for s in j.steps), *ws.journeys, *ws.settings.channels}
    export = tmp_path / "export.csv"
    export.write_text("customer_id,ts,event\nC1,31-12-2025 14:05,page_view\nC2,gisteren,page_view\n", encoding="utf-8")
    run("ingest events", "ingest", "events", export, *w)
    run("validate", "validate", dutch_demo, "--with-data")
    run("lint", "lint", dutch_demo)
    run("status", "status", *w)
    run("quarantine", "quarantine", *w)
    run("forget", "forget", export.name, *w, "--dry-run", ok=(0, 1))
    run("analyze", "analyze", "webshop", *w, "--only", "steps,funnel,undesigned")
    run("feedback", "feedback", "webshop", *w, "--by", "step")
    run("compare", "compare", "webshop", *w, "--by", "channel", "--a", "web")
    run("findings", "findings", "webshop", *w, "--all")
    run("followup", "followup", *w, "--as-of", "2026-01-01", "--since", "30d", "-n", "3")
    customer = re.search(r"^(C\d+) \(", outputs["followup"], re.M)
    assert customer, outputs["followup"]
    run("customer", "customer", customer[1], *w, "-n", "8")
    report = tmp_path / "rapport.html"
    run("report", "report", "webshop", *w, "-o", report)
    outputs["report.html"] = visible_text(report.read_text(encoding="utf-8"))
    kaart = tmp_path / "kaart.html"
    run("render", "render", "webshop", *w, "--with-data", "-o", kaart)
    outputs["kaart.html"] = visible_text(kaart.read_text(encoding="utf-8"))
    broken = tmp_path / "stuk"
    run("init", "init", broken, "--lang", "nl")
    journey = next((broken / "journeys").glob("*.yaml"))
    journey.write_text(journey.read_text(encoding="utf-8").replace("channel: web", "channel: mail", 1)
                       .replace("stage: ", "stag: ", 1), encoding="utf-8")
    run("validate (errors)", "validate", broken, ok=(1,))
    english = {name: found for name, text in outputs.items() if (found := english_in(text, ids))}
    assert english == {}, {name: (found, outputs[name][:3000]) for name, found in english.items()}
    # and what the issue named, in Dutch
    assert re.search(r"gebeurtenissen: \d{1,3}(\.\d{3})+", outputs["status"])
    assert "onleesbare tijd, lijkt dag-eerst" in outputs["ingest events"]
    assert "onbekend kanaal 'mail'" in outputs["validate (errors)"]
    assert "onbekende sleutel 'stag'" in outputs["validate (errors)"]
    assert "Klantreis" in outputs["kaart.html"] and "Customer journey" not in outputs["kaart.html"]
    assert "e-mail" in outputs["kaart.html"]
    assert "De levende kaart" in outputs["report.html"] and "klanten" in outputs["report.html"]
