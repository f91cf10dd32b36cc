"""Parses of workspace files are kept by their text (yamlio.parsed_cache): the same document, positions and
round trip as a fresh parse; a changed file is parsed again; a damaged or untrusted cache is never used."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from journeymap.model import yamlio

TEXT = """# a comment that a save keeps
id: shop
name: Shop
steps:
  - id: look   # the first step
    name: Looks
  - id: buy
    name: Buys
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JOURNEYMAP_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c" / "yaml"


def test_a_kept_parse_is_the_parse(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(TEXT, encoding="utf-8")
    first = yamlio.load_file(path)
    kept = list(cache.glob("*.pickle"))
    assert len(kept) == 1
    again = yamlio.load_file(path)
    assert again == first and again is not first
    assert yamlio.position(again, ("steps", 1, "name")) == (8, 5) == yamlio.position(first, ("steps", 1, "name"))
    assert yamlio.dump_text(again) == TEXT  # comments and layout survive, as from the file
    # the second load read the kept parse: put something else under the key and it is what comes back
    kept[0].write_bytes(pickle.dumps({"id": "from-the-cache"}))
    assert yamlio.load_file(path) == {"id": "from-the-cache"}


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert yamlio.load_file(path)["name"] == "Shop"
    path.write_text(TEXT.replace("name: Shop", "name: Winkel"), encoding="utf-8")
    assert yamlio.load_file(path)["name"] == "Winkel"
    assert len(list(cache.glob("*.pickle"))) == 2
    path.write_text(TEXT.replace("\n", "\r\n"), encoding="utf-8")  # the same text with Windows line ends
    assert yamlio.load_file(path)["name"] == "Shop" and len(list(cache.glob("*.pickle"))) == 2


def test_a_damaged_entry_is_parsed_again_and_errors_are_never_kept(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(TEXT, encoding="utf-8")
    yamlio.load_file(path)
    entry = next(cache.glob("*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert yamlio.load_file(path)["id"] == "shop"
    assert pickle.loads(entry.read_bytes())["id"] == "shop"  # written anew
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    for _ in range(2):  # the error each time, with its position
        with pytest.raises(yamlio.YamlSyntaxError) as err:
            yamlio.load_file(bad)
        assert err.value.diagnostic.line == 2
    assert len(list(cache.glob("*.pickle"))) == 1


def test_a_cache_others_could_write_to_is_not_used(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(TEXT, encoding="utf-8")
    yamlio.load_file(path)
    entry = next(cache.glob("*.pickle"))
    entry.write_bytes(pickle.dumps({"id": "planted"}))
    os.chmod(cache, 0o777)
    try:
        assert yamlio.parsed_cache() is None
        assert yamlio.load_file(path)["id"] == "shop"  # parsed, the planted entry ignored
    finally:
        os.chmod(cache, 0o700)
    assert yamlio.load_file(path)["id"] == "planted"


def test_the_cache_can_be_switched_off_and_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYMAP_CACHE_DIR", "off")
    assert yamlio.parsed_cache() is None
    monkeypatch.setenv("JOURNEYMAP_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(yamlio, "CACHE_ENTRIES", 10)
    for i in range(12):
        path = tmp_path / f"j{i}.yaml"
        path.write_text(TEXT.replace("Shop", f"Shop {i}"), encoding="utf-8")
        yamlio.load_file(path)
    left = len(list((tmp_path / "c" / "yaml").glob("*.pickle")))
    assert 8 <= left <= 10
