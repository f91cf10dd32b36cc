"""Property-based calls against the OpenAPI spec (schemathesis): no request makes the server fail (5xx)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from .conftest import make_server  # noqa: E402

#: Examples per operation. The suite draws the same 12 every run, so a red run is a regression, never bad
#: luck; JOURNEYMAP_FUZZ_EXAMPLES=300 searches harder, with fresh random cases, than CI has time for.
SEARCH = os.environ.get("JOURNEYMAP_FUZZ_EXAMPLES")
EXAMPLES = int(SEARCH or "12")


@pytest.fixture(scope="module")
def fuzz_server(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import shutil

    root = tmp_path_factory.mktemp("fuzz") / "shop"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns("app.sqlite*", "server-secret"))
    yield from make_server(root, None)


@pytest.mark.slow
def test_no_operation_fails_with_a_server_error(fuzz_server) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_server.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, derandomize=not SEARCH, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            if case.path == "/api/v1/live":
                case.query = {"seconds": 0.05}
            for role in ("admin", "viewer"):
                response = case.call(headers=fuzz_server.auth(role))
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} as {role}: {response.status_code} "
                                    f"{response.text[:200]}")

        check()
    assert operations >= 25
    assert failures == []
