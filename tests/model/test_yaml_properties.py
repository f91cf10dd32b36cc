"""Property test: any YAML a careless or hostile user writes gets a located message, never a crash.

Hypothesis writes workspace files from YAML fragments (anchors and aliases, nested aliases, tags, tabs,
duplicate keys, flow collections left open, stray bytes, wrong types where the schema wants others) and
runs the real ``journeymap validate``. It must exit 0 (valid) or 1 (problems found), never print
"internal error" or a traceback, name the file it complains about, and keep memory bounded.
"""

from __future__ import annotations

import os
import tracemalloc
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=int(os.environ.get("JOURNEYMAP_PROPERTY_EXAMPLES", "12")) * 3, deadline=None,
                    derandomize="JOURNEYMAP_PROPERTY_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SCALARS = st.sampled_from([
    "web", "'quoted'", '"dq \\u00e9"', "123", "-1.5", "true", "null", "~", "2025-01-01", "*undefined",
    "!!python/object:os.system 'echo hi'", "!!binary aGk=", "[unclosed", "{a: 1", "é€😀", "'", "@at",
    "`tick`", "%percent", ">\n    folded", "|\n    literal", "re:(a+)+$", "re:(unclosed", "''", "0o17", ".nan",
])
KEYS = st.sampled_from(["id", "name", "title", "stage", "channel", "steps", "stages", "personas", "emotion",
                        "binding", "events", "where", "next", "<<", "?", "language", "timezone", "unknown key"])


def _block(depth: int) -> st.SearchStrategy[str]:
    """A YAML value at indentation ``depth``: a scalar, a mapping, a list, an anchor or an alias."""
    pad = "  " * (depth + 1)
    if depth >= 3:
        return SCALARS
    child = st.deferred(lambda: _block(depth + 1))
    mapping = st.lists(st.tuples(KEYS, child), min_size=1, max_size=4).map(
        lambda kv: "\n" + "".join(f"{pad}{k}: {v}\n" for k, v in kv).rstrip("\n"))
    seq = st.lists(child, min_size=1, max_size=3).map(
        lambda vs: "\n" + "".join(f"{pad}- {v}\n" for v in vs).rstrip("\n"))
    anchored = st.tuples(st.sampled_from(["a", "b"]), child).map(lambda t: f"&{t[0]} {t[1]}")
    alias = st.sampled_from(["*a", "*b", "[*a, *a, *b]"])
    return st.one_of(SCALARS, mapping, seq, anchored, alias)


documents = st.one_of(
    st.lists(st.tuples(KEYS, _block(0)), min_size=1, max_size=6).map(
        lambda kv: "".join(f"{k}: {v}\n" for k, v in kv)),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.text(alphabet=st.sampled_from(list("ab:- \t\n[]{}&*!|>'\"#%@`,?")), max_size=120),
)
TARGETS = ["journeys/shop.yaml", "personas/shopper.yaml", "journeymap.yaml"]


@SETTINGS
@given(doc=documents, target=st.sampled_from(TARGETS), extra=st.booleans())
def test_any_yaml_gets_a_located_message_not_a_crash(make_workspace, minimal_files, run_cli,  # type: ignore[no-untyped-def]
                                                       doc: str, target: str, extra: bool) -> None:
    files = dict(minimal_files)
    files[target] = doc if not extra else files[target] + "\n" + doc
    root = make_workspace(files, name="ws")
    # make_workspace dedents: write the hostile text exactly as drawn
    (root / target).write_text(files[target], encoding="utf-8", errors="surrogateescape")
    tracemalloc.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_cli("validate", root)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = result.stdout + result.stderr
    assert not caught, [str(w.message) for w in caught]  # a warning would reach the user naming our source
    assert result.exit_code in (0, 1), out
    assert "internal error" not in out and "Traceback" not in out
    if result.exit_code == 1:
        assert os.path.basename(target) in out, out
    assert peak < 200_000_000
