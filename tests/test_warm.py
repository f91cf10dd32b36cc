"""The warm engine (``journeymap warm``): a real background process, real commands in fresh processes.

Every command is run twice, once in its own process (``JOURNEYMAP_COLD=1``) and once through the warm
engine, and must print the same bytes to standard output and error and end with the same exit code. The
engine's log names every command it ran, so each test also knows that the warm run was served warm.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from journeymap import warm

pytestmark = pytest.mark.skipif(not warm.available(), reason="the warm engine needs Unix sockets and fork")


class Engine:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = {**os.environ, "JOURNEYMAP_WARM_DIR": str(directory)}
        self.env.pop("JOURNEYMAP_COLD", None)

    def journeymap(self, *args: str, cwd: Path, cold: bool = False, extra: dict[str, str] | None = None,
                   timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
        env = {**self.env, **(extra or {})}
        if cold:
            env["JOURNEYMAP_COLD"] = "1"
        return subprocess.run([sys.executable, "-m", "journeymap", *args], cwd=cwd, env=env, capture_output=True,
                              timeout=timeout, check=False)

    def served(self) -> list[str]:
        """The commands the engine ran, from its log ("pid N COMMAND: exit C after …")."""
        lines = []
        for log in self.directory.glob("*.log"):
            lines += [line for line in log.read_text().splitlines() if ": exit " in line]
        return lines


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    # a short folder: a Unix socket's path may not exceed about 100 bytes
    directory = Path(tempfile.mkdtemp(prefix="jmw", dir="/tmp"))
    os.chmod(directory, 0o700)
    e = Engine(directory)
    started = e.journeymap("warm", "--idle", "20", cwd=directory, cold=True)
    assert started.returncode == 0, started.stderr.decode()
    assert b"The warm engine runs (pid" in started.stdout
    yield e
    e.journeymap("warm", "--stop", cwd=directory)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeymap import api

    root = tmp_path_factory.mktemp("warm") / "shop"
    api.demo(root, customers=300, lang="en")
    return root


def same_both_ways(engine: Engine, *args: str, cwd: Path, extra: dict[str, str] | None = None) \
        -> subprocess.CompletedProcess[bytes]:
    before = len(engine.served())
    cold = engine.journeymap(*args, cwd=cwd, cold=True, extra=extra)
    hot = engine.journeymap(*args, cwd=cwd, extra=extra)
    assert len(engine.served()) == before + 1, f"not served warm: {args}"
    assert (hot.returncode, hot.stdout.decode(), hot.stderr.decode()) == \
        (cold.returncode, cold.stdout.decode(), cold.stderr.decode()), args
    return hot


def test_commands_print_the_same_and_end_the_same_warm_as_cold(engine: Engine, shop: Path) -> None:
    funnel = same_both_ways(engine, "funnel", "webshop", "product-page", "add-to-cart", "checkout", "--format", "json",
                            cwd=shop)
    assert funnel.returncode == 0 and b'"conversion_from_start"' in funnel.stdout
    table = same_both_ways(engine, "analyze", "webshop", "--only", "steps", cwd=shop)
    assert table.returncode == 0 and b"\x1b[" not in table.stdout  # not a terminal: no colours
    wrong = same_both_ways(engine, "funnel", "webshop", "product-page", "nope", cwd=shop)
    assert wrong.returncode == 1 and b"unknown step 'nope'" in wrong.stderr
    usage = same_both_ways(engine, "funnel", "--no-such-option", cwd=shop)
    assert usage.returncode == 2 and b"python -m journeymap funnel" in usage.stderr  # the program's own name
    version = same_both_ways(engine, "--version", cwd=shop)
    assert version.stdout.decode().startswith("journeymap ")


def test_a_warm_command_works_in_the_callers_folder_with_its_umask(engine: Engine, shop: Path,
                                                                   tmp_path: Path) -> None:
    modes = {}
    old = os.umask(0o027)  # inherited by the command's process, and passed on by it to the warm one
    try:
        for name, cold in (("cold", True), ("warm", False)):
            folder = tmp_path / name
            folder.mkdir()
            before = len(engine.served())
            made = engine.journeymap("report", "webshop", "-w", str(shop), "-o", "r.html", "--quiet", cwd=folder,
                                     cold=cold)
            assert made.returncode == 0, made.stderr.decode()
            assert len(engine.served()) == before + (0 if cold else 1)
            report = folder / "r.html"  # relative to the caller's folder, not the engine's
            assert "<html" in report.read_text(encoding="utf-8")[:400].lower()
            modes[name] = report.stat().st_mode & 0o777
    finally:
        os.umask(old)
    assert modes["warm"] == modes["cold"]
    assert not modes["warm"] & 0o027


def in_terminal(engine: Engine, args: list[str], cwd: Path, cold: bool, columns: int) -> bytes:
    """What a command writes to a terminal ``columns`` wide (a real pseudo-terminal)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**engine.env, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    if cold:
        env["JOURNEYMAP_COLD"] = "1"
    process = subprocess.Popen([sys.executable, "-m", "journeymap", *args], cwd=cwd, env=env, stdin=follower,
                               stdout=follower, stderr=follower)
    os.close(follower)
    out = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
        out += chunk
    process.wait(timeout=300)
    os.close(leader)
    return bytes(out)


def test_a_warm_command_draws_for_the_callers_terminal(engine: Engine, shop: Path) -> None:
    args = ["analyze", "webshop", "--only", "steps"]
    before = len(engine.served())
    cold = in_terminal(engine, [*args, "--quiet"], shop, cold=True, columns=72)
    hot = in_terminal(engine, [*args, "--quiet"], shop, cold=False, columns=72)
    assert len(engine.served()) == before + 1
    assert hot == cold
    assert b"\x1b[" in hot  # colours, as on a terminal
    text = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", hot).decode()
    assert max(len(line) for line in text.splitlines()) <= 72  # the terminal's width
    # without --quiet the progress bar draws live on the caller's terminal (it hides the cursor while it runs)
    with_bar = in_terminal(engine, args, shop, cold=False, columns=72)
    assert with_bar.startswith(b"\x1b[?25l") and b"\x1b[?25h" in with_bar
    assert with_bar.endswith(hot[-200:])


def test_a_caller_whose_libraries_would_load_differently_runs_in_its_own_process(engine: Engine, shop: Path) -> None:
    before = len(engine.served())
    other = engine.journeymap("funnel", "webshop", "product-page", "checkout", "--format", "json", cwd=shop,
                              extra={"OMP_NUM_THREADS": "1" if os.environ.get("OMP_NUM_THREADS") != "1" else "2"})
    assert other.returncode == 0 and b'"funnel"' in other.stdout
    assert len(engine.served()) == before  # declined, so it ran cold: same answer, no warm run


def test_ctrl_c_reaches_the_command_and_its_exit_code_comes_back(engine: Engine, tmp_path: Path) -> None:
    ended = {}
    for name, cold in (("cold", True), ("warm", False)):
        env = {**engine.env, **({"JOURNEYMAP_COLD": "1"} if cold else {})}
        process = subprocess.Popen([sys.executable, "-m", "journeymap", "demo", str(tmp_path / name), "--customers",
                                    "300000", "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60  # started (the workspace is written first), well into the events
        while not (tmp_path / name / "journeymap.yaml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
        assert process.poll() is None, "the demo ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        ended[name] = (process.returncode, out, err)
    assert ended["warm"] == ended["cold"]
    assert ended["warm"][0] == 130
    assert any(" demo: exit 130 " in line for line in engine.served())


def test_status_and_the_socket_only_the_user_can_open(engine: Engine) -> None:
    shown = engine.journeymap("warm", "--status", cwd=engine.directory)
    assert shown.returncode == 0 and b"The warm engine runs (pid" in shown.stdout
    import json

    record = json.loads(engine.journeymap("warm", "--status", "--format", "json", cwd=engine.directory).stdout)
    pid = int(next(engine.directory.glob("*.pid")).read_text())
    assert record == {"action": "status", "pid": pid, "socket": str(next(engine.directory.glob("*.sock"))),
                      "running": True}
    os.kill(pid, 0)  # that process exists
    socket_file = next(engine.directory.glob("*.sock"))
    assert socket_file.stat().st_mode & 0o777 == 0o600
    assert engine.directory.stat().st_mode & 0o777 == 0o700
    # a socket folder that others may enter is not trusted: the command runs cold
    os.chmod(engine.directory, 0o755)
    try:
        before = len(engine.served())
        cold = engine.journeymap("--version", cwd=engine.directory)
        assert cold.returncode == 0 and len(engine.served()) == before
    finally:
        os.chmod(engine.directory, 0o700)


def test_an_idle_engine_stops_by_itself_and_stop_says_so(tmp_path: Path) -> None:
    directory = Path(tempfile.mkdtemp(prefix="jmi", dir="/tmp"))
    try:
        e = Engine(directory)
        assert e.journeymap("warm", "--idle", "0.05", cwd=tmp_path).returncode == 0  # 3 seconds
        assert list(directory.glob("*.sock"))
        deadline = time.monotonic() + 60
        while list(directory.glob("*.sock")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not list(directory.glob("*.sock"))
        assert b"No warm engine runs" in e.journeymap("warm", "--stop", cwd=tmp_path).stdout
        bad = e.journeymap("warm", "--idle", "0", cwd=tmp_path)
        assert bad.returncode == 1 and b"--idle must be more than 0" in bad.stderr
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_the_fingerprint_sees_a_changed_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    first = warm.fingerprint(package)
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")  # not the code
    assert warm.fingerprint(package) == first
    (package / "a.py").write_text("x = 22\n")
    assert warm.fingerprint(package) != first


def test_a_stop_lets_running_commands_finish(tmp_path: Path) -> None:
    directory = Path(tempfile.mkdtemp(prefix="jms", dir="/tmp"))
    try:
        e = Engine(directory)
        assert e.journeymap("warm", cwd=tmp_path).returncode == 0
        pid = int(next(directory.glob("*.pid")).read_text())
        process = subprocess.Popen([sys.executable, "-m", "journeymap", "demo", str(tmp_path / "shop"), "--customers",
                                    "20000", "--quiet"], cwd=tmp_path, env=e.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not (tmp_path / "shop" / "journeymap.yaml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        stopped = e.journeymap("warm", "--stop", cwd=tmp_path)
        assert b"Stopped the warm engine" in stopped.stdout
        assert process.poll() is None, "the demo was to run on after the stop"
        assert not list(directory.glob("*.sock"))  # no new command is served meanwhile
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        assert (tmp_path / "shop" / "report.html").is_file()
        assert any(" demo: exit 0 " in line for line in e.served())
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
