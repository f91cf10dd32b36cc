"""The command starts fast: loading the CLI (for --help, or before any command runs) imports no data library.

Start-up time is not asserted (shared machines are noisy); what makes it slow is: pandas, DuckDB, PyArrow,
Ibis and pydantic take most of a second to import, so none of them may load before a command needs it.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "duckdb", "pyarrow", "ibis", "numpy", "pydantic", "jinja2", "ruamel")


def _loaded(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_loading_the_cli_imports_no_data_library() -> None:
    loaded = _loaded("import journeymap.cli")
    assert "typer" in loaded  # the probe sees what the import loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_imports_no_data_library() -> None:
    code = ("import sys\nsys.argv = ['journeymap', '--help']\nimport journeymap.cli as c\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass")
    loaded = _loaded(code)
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
