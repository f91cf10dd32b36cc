"""The warm engine: commands that start in a tenth of a second (``journeymap warm``).

A command is mostly start-up: loading pandas, Ibis, DuckDB and the workspace model costs about a second
before the first query, while a kept funnel is answered in 20 ms. ``journeymap warm`` starts one
background process per user and installation that has loaded those libraries once and then waits.
Every later ``journeymap`` command first asks it (over a Unix socket only this user can open) and, if
it answers, runs in a *fork* of it: a fresh copy of the warm process that takes over the command's own
standard input, output and error (the file descriptors themselves, passed over the socket), its
working folder, environment, umask and arguments, imports the CLI and runs it exactly as a new
process would, then exits with the command's exit code, which the caller exits with too. So output
goes straight to the terminal or file, progress bars and colours behave as in a fresh process,
Ctrl-C reaches the command, and nothing a command does (an open store, a cache, a crash) outlives it:
the warm process itself never opens a store or a workspace, so it never holds a lock that an ingest
would wait for.

When no warm engine runs, or it cannot serve this call, the command runs in its own process as before;
nothing changes but the start-up time. The warm engine declines when:

- journeymap's installed files changed since it started (an upgrade or an edit): it stops, so the
  next ``journeymap warm`` loads the new code;
- the caller's environment differs in a variable that a library reads once while it loads
  (:data:`LOAD_TIME_VARIABLES`: thread counts, the time zone, Python's own settings);
- the command is ``warm`` itself, ``serve`` (a long-running server gets its own process) or ``users``
  (a password prompt reads the terminal the command was started from).

It stops after ``--idle`` minutes without a command (30 by default) and on ``journeymap warm --stop``.

This module's client half (:func:`run_warm`) imports nothing beyond the standard library, so asking
costs a few milliseconds; only the server half loads the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import Any

from journeymap.ownfiles import current_umask, own_folder

#: Environment variables that libraries read while they load (so a fork would keep the warm process's
#: value): a caller whose value differs runs in its own process instead.
LOAD_TIME_VARIABLES = ("TZ", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS",
                       "TERMINAL_WIDTH", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TYPER_USE_RICH",
                       "_TYPER_FORCE_DISABLE_TERMINAL", "TYPER_STANDARD_TRACEBACK", "_TYPER_STANDARD_TRACEBACK")
#: Commands that never run warm: the engine itself, the long-running web server, and ``users`` (its password
#: prompt reads the terminal the command was started from, which a forked process does not have).
COLD_COMMANDS = frozenset({"warm", "serve", "users"})
#: What the warm process loads before it waits: the libraries and modules the commands import. Not the
#: CLI (:mod:`journeymap.cli`): its consoles look at the terminal when they are made, so each command
#: makes its own.
PRELOAD = ("duckdb", "pyarrow", "pandas", "numpy", "ruamel.yaml", "pydantic", "jinja2", "typer", "rich.console",
           "rich.table", "rich.progress", "rich.markup", "journeymap.api", "journeymap.model.workspace",
           "journeymap.engine.source", "journeymap.engine.funnel", "journeymap.engine.transitions",
           "journeymap.engine.steps", "journeymap.engine.analyze", "journeymap.engine.report",
           "journeymap.engine.stats", "journeymap.events.store", "journeymap.livingmap", "journeymap.engine.findings",
           "journeymap.render", "journeymap.voc.ingest")
DEFAULT_IDLE_MINUTES = 30.0
#: Signals the caller passes on to the command's process.
FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))
_HEADER = struct.Struct("!I")


def available() -> bool:
    """Whether this system can run the warm engine (Unix sockets that pass file descriptors, and fork)."""
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")


def socket_dir() -> Path:
    """The folder of this user's warm-engine sockets: ``$JOURNEYMAP_WARM_DIR``, else ``journeymap-<uid>``
    in ``$XDG_RUNTIME_DIR`` or the temporary folder."""
    explicit = os.environ.get("JOURNEYMAP_WARM_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return Path(base) / f"journeymap-{os.getuid()}"


def socket_path() -> Path:
    """This installation's socket: one warm engine per user and Python environment."""
    import zlib  # built in, loaded with the interpreter

    package = str(Path(__file__).resolve().parent)
    return socket_dir() / f"engine-{zlib.crc32(f'{sys.prefix}|{package}'.encode()):08x}.sock"


# -- the client half: only the standard library ------------------------------------------------------------


def run_warm(argv: list[str]) -> int | None:
    """Run the command ``argv`` (without the program name) in the warm engine; its exit code, or ``None``
    when no warm engine can serve it (the caller then runs it itself). Nothing is printed in that case."""
    if not argv or argv[0] in COLD_COMMANDS or not available() or os.environ.get("JOURNEYMAP_COLD"):
        return None
    path = socket_path()
    if not own_folder(path.parent, create=False):
        return None
    child: int | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        """Ctrl-C and termination go to the command's process (held until it is known)."""
        if child is None:
            pending.append(signum)
            return
        with contextlib.suppress(OSError):
            os.kill(child, signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            conn.connect(str(path))
            main_module = sys.modules.get("__main__")
            request = {"argv": [sys.argv[0], *argv], "cwd": os.getcwd(), "env": dict(os.environ),
                       "umask": current_umask(),
                       "main": [getattr(main_module, "__package__", None), getattr(main_module, "__file__", None)],
                       "streams": [_stream_options(s) for s in (sys.stdin, sys.stdout, sys.stderr)]}
            payload = json.dumps(request).encode("utf-8", "surrogateescape")
            socket.send_fds(conn, [_HEADER.pack(len(payload)) + payload], [0, 1, 2])
            reader = conn.makefile("rb")
            first = reader.readline().decode().split()
        except OSError:
            first = []
        if len(first) != 2 or first[0] != "pid":  # declined: stale, another environment, or gone
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if pending:  # interrupted while asking: end as the command would have
                sys.stderr.write("interrupted\n")
                return 128 + pending[0]
            return None
        child = int(first[1])
        for signum in pending:
            forward(signum, None)
        while True:
            line = reader.readline()
            if not line:
                sys.stderr.write("journeymap: the warm engine stopped before this command ended "
                                 "(journeymap warm --status)\n")
                return 1
            words = line.decode().split()
            if len(words) == 2 and words[0] == "exit":
                return int(words[1])
    finally:
        conn.close()


def _stream_options(stream: Any) -> list[Any]:
    return [getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict",
            bool(getattr(stream, "line_buffering", False))]


# -- the server half ---------------------------------------------------------------------------------------


def fingerprint(package: Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """The installed journeymap files (path, size, modification time): the warm engine serves only while
    they are what it loaded."""
    root = package or Path(__file__).resolve().parent
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            full = os.path.join(folder, name)
            try:
                info = os.stat(full)
            except OSError:
                continue
            found.append((os.path.relpath(full, root), info.st_size, info.st_mtime_ns))
    return tuple(found)


def _load_time_env(env: dict[str, str]) -> dict[str, str | None]:
    return {k: env.get(k) for k in LOAD_TIME_VARIABLES} | {k: v for k, v in env.items() if k.startswith("PYTHON")}


def preload() -> list[str]:
    """Import what commands use; the names that could not be loaded (an extra not installed)."""
    import importlib

    from journeymap.engine.stats import MODULES

    missing = []
    for name in (*PRELOAD, *MODULES):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    try:
        import ibis

        ibis.duckdb  # noqa: B018 - registers the backend (an entry-point lookup of a third of a second)
    except Exception:  # pragma: no cover - DuckDB is a core dependency
        missing.append("ibis.duckdb")
    return missing


class Engine:
    """The warm process: a listening socket, and a fork per command. One thread; a command's end (SIGCHLD)
    and a stop (SIGTERM) wake its loop through a pipe, so they are handled in the loop, never mid-step."""

    def __init__(self, path: Path, idle_seconds: float, log: Any = None) -> None:
        self.path = path
        self.idle_seconds = idle_seconds
        self.log = log or sys.stdout
        self.fingerprint = fingerprint()
        self.env = _load_time_env(dict(os.environ))
        self.children: dict[int, tuple[socket.socket, str, float]] = {}
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.stopping = False
        self.inode = 0

    def listen(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        self.listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        self.inode = self.path.stat().st_ino
        self.listener.listen(64)
        self.listener.setblocking(False)

    def serve(self) -> None:
        import selectors
        import time

        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the signal wakes the loop
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ, "accept")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        last = time.monotonic()
        try:
            while not self.stopping:
                for key, _ in selector.select(timeout=1.0):
                    if key.data == "wake":
                        while True:
                            try:
                                if not os.read(wake_r, 512):
                                    break
                            except BlockingIOError:
                                break
                    elif not self._accept_all():
                        self.stopping = True
                self._reap()
                if self.children:
                    last = time.monotonic()
                elif time.monotonic() - last > self.idle_seconds:
                    self._note(f"stopping after {self.idle_seconds / 60:g} idle minutes")
                    break
        finally:
            signal.set_wakeup_fd(-1)
            selector.close()
            os.close(wake_r)
            os.close(wake_w)
            self.close()
            self._drain()

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def _note(self, text: str) -> None:
        import datetime as dt

        print(f"{dt.datetime.now().isoformat(timespec='seconds')} {text}", file=self.log, flush=True)

    def close(self) -> None:
        """Stop listening: from now on commands run in their own processes."""
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:  # not a newer engine's socket
                self.path.unlink()
        self.listener.close()

    def _drain(self) -> None:
        """Wait for the commands still running and report their exit codes (a stop lets them finish)."""
        while self.children:
            try:
                pid, status, usage = os.wait4(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            self._report(pid, status, usage)

    def _accept_all(self) -> bool:
        """Serve every caller waiting; ``False`` when the engine must stop (its code changed)."""
        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return True
            conn.setblocking(True)
            if not self._accept(conn):
                return False

    def _accept(self, conn: socket.socket) -> bool:
        """Serve one caller; ``False`` when the engine must stop (its code changed)."""
        import time

        conn.settimeout(10)
        try:
            uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
            if uid != os.getuid():
                conn.close()
                return True
            request, fds = _receive(conn)
        except (OSError, ValueError):
            conn.close()
            return True
        if fingerprint() != self.fingerprint:
            self._note("stopping: journeymap's files changed since it started")
            _close_all(conn, fds)
            return False
        if _load_time_env(request["env"]) != self.env:
            conn.sendall(b"no environment\n")
            _close_all(conn, fds)
            return True
        conn.settimeout(None)
        pid = os.fork()
        if pid == 0:  # the command's process
            code = 2
            try:
                signal.set_wakeup_fd(-1)
                self.listener.close()
                for other, _, _ in self.children.values():
                    other.close()
                code = _run_command(conn, request, fds)
            except BaseException:  # noqa: BLE001 - nothing may escape a forked child
                import traceback

                traceback.print_exc()  # to the caller's error output once it is in place, else to the log
            os._exit(code)
        for fd in fds:
            os.close(fd)
        self.children[pid] = (conn, " ".join(request["argv"][1:2]), time.monotonic())
        return True

    def _reap(self) -> None:
        """Tell the callers of finished commands their exit codes."""
        while self.children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._report(pid, status, usage)

    def _report(self, pid: int, status: int, usage: Any) -> None:
        """Send a command's exit code (128 + N for a command killed by signal N) to its caller, and log it."""
        import time

        if pid in self.children:
            conn, command, began = self.children.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            code = 128 - code if code < 0 else code
            # logged before the caller hears: once its command has returned, the log names it
            self._note(f"pid {pid} {command}: exit {code} after {time.monotonic() - began:.3f} s, "
                       f"peak {usage.ru_maxrss / 1024:.0f} MB")
            with contextlib.suppress(OSError):
                conn.sendall(f"exit {code}\n".encode())
            conn.close()


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError("a request passes standard input, output and error")
    try:
        (size,) = _HEADER.unpack_from(data)
        body = bytearray(data[_HEADER.size:])
        while len(body) < size:
            more = conn.recv(min(1 << 20, size - len(body)))
            if not more:
                raise ValueError("the request was cut short")
            body += more
        request = json.loads(body.decode("utf-8", "surrogateescape"))
    except (struct.error, ValueError, UnicodeDecodeError):
        for fd in fds:
            os.close(fd)
        raise ValueError("not a journeymap request") from None
    return request, fds


def _close_all(conn: socket.socket, fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
    conn.close()


def _run_command(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> int:
    """In the forked child: become the caller's process, run the CLI, report the exit code."""
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    streams = request["streams"]
    sys.stdin = open(0, encoding=streams[0][0], errors=streams[0][1], closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1 if streams[1][2] else -1,  # noqa: SIM115
                      encoding=streams[1][0], errors=streams[1][1], closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding=streams[2][0], errors=streams[2][1], closefd=False)  # noqa: SIM115
    for name in ("stdin", "stdout", "stderr"):  # what some libraries write to: the same streams
        setattr(sys, f"__{name}__", getattr(sys, name))
    sys.argv = list(request["argv"])
    # the caller's __main__, as click names the program in usage messages after it ("journeymap", "python -m …")
    import types

    caller_main = types.ModuleType("__main__")
    caller_main.__package__, caller_main.__file__ = request["main"]
    sys.modules["__main__"] = caller_main
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(int(request["umask"]))
    code = 0
    try:
        os.chdir(request["cwd"])
        conn.sendall(f"pid {os.getpid()}\n".encode())
        conn.close()  # the warm process reports the exit code when this process has ended
        from journeymap.cli import main

        main()
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # noqa: BLE001 - as Python would: a traceback and exit code 1
        import traceback

        traceback.print_exception(exc)
        code = 1
    return _finish(code)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _finish(code: int) -> int:
    """What a Python process does when it ends: wait for its threads, run exit handlers, flush."""
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # prints an exit handler's error itself, as at a normal exit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: as Python reports it, exit code 120
            code = code or 120
    return code


def main() -> None:
    """The ``journeymap`` program: the command in the warm engine when one runs, else in this process."""
    code = run_warm(sys.argv[1:])
    if code is None:
        from journeymap.cli import main as run_here

        run_here()
    else:
        sys.exit(code)


# -- starting, stopping, asking ----------------------------------------------------------------------------


def status() -> dict[str, Any]:
    """Whether this user's warm engine for this installation runs: ``{"running": bool, "socket": path,
    "pid": int | None}``."""
    path = socket_path()
    pid = _pid_of(path)
    return {"running": pid is not None, "socket": str(path), "pid": pid}


def _pid_of(path: Path) -> int | None:
    """The pid of the engine listening at ``path`` (``None`` when nothing answers there)."""
    if not own_folder(path.parent, create=False):
        return None
    pidfile = path.with_suffix(".pid")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return None
    finally:
        probe.close()
    try:
        return int(pidfile.read_text())
    except (OSError, ValueError):
        return None


def start(idle_minutes: float = DEFAULT_IDLE_MINUTES, wait_seconds: float = 60.0) -> int:
    """Start the warm engine in the background (or find the running one); its pid."""
    import subprocess
    import time

    from journeymap.errors import JourneymapError

    if not available():
        raise JourneymapError("the warm engine needs Unix sockets and fork, which this system lacks")
    if not idle_minutes > 0:
        raise JourneymapError(f"--idle must be more than 0 minutes (got {idle_minutes:g})")
    path = socket_path()
    if not own_folder(path.parent, create=True):
        raise JourneymapError(f"{path.parent} must be a folder that only you can open (mode 700); "
                              "remove it or set JOURNEYMAP_WARM_DIR")
    running = _pid_of(path)
    if running is not None:
        return running
    log = path.with_suffix(".log")
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "journeymap.warm", str(idle_minutes * 60)],
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
                                   close_fds=True, cwd="/")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise JourneymapError(f"the warm engine stopped while starting; see {log}")
        if _pid_of(path) == process.pid:
            return process.pid
        time.sleep(0.05)
    process.terminate()
    raise JourneymapError(f"the warm engine did not start within {wait_seconds:g} s; see {log}")


def stop(wait_seconds: float = 10.0) -> int | None:
    """Stop the warm engine (commands running in it finish); the pid it had, or ``None`` if none ran."""
    import time

    path = socket_path()
    pid = _pid_of(path)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and _pid_of(path) is not None:
        time.sleep(0.05)
    return pid


def _serve(idle_seconds: float) -> None:
    """The background process: load, listen, serve until idle or stopped."""
    missing = preload()
    loaded_cli = [name for name in sys.modules if name == "journeymap.cli" or name.startswith("journeymap.cli.")]
    if loaded_cli:  # a command's consoles must be made in the command's process
        raise RuntimeError(f"the warm engine must not load {loaded_cli}")
    path = socket_path()
    engine = Engine(path, idle_seconds)
    pidfile = path.with_suffix(".pid")
    pidfile.write_text(str(os.getpid()))
    engine.listen()
    engine._note(f"ready, pid {os.getpid()}")
    if missing:
        print(f"not loaded (not installed): {', '.join(missing)}", flush=True)
    try:
        engine.serve()
    finally:
        try:
            if pidfile.read_text() == str(os.getpid()):
                pidfile.unlink()
        except OSError:
            pass


if __name__ == "__main__":
    _serve(float(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_IDLE_MINUTES * 60)
