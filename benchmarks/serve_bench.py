"""Web app benchmark (issue 11): the living-map page once its data is cached, 50 concurrent viewers, saving an edit.

    python benchmarks/serve_bench.py --customers 100000            # builds a demo workspace first
    python benchmarks/serve_bench.py --workspace path/to/big-shop   # e.g. the 17 M-event store

The server runs as ``journeymap serve`` in its own process (one uvicorn worker, as a team would run it) on
127.0.0.1; the load comes from this process with httpx, bounded in count and time. Measured:

* ``first_map_s``: the first GET of the living-map page (measures the journey on the events and renders);
* ``cached_map_s``: the median of the next 10 GETs of the same page (the data is cached per store version);
* ``viewers_p50_ms`` / ``viewers_p95_ms``: 50 viewers at once, each on its own keep-alive connection, opening
  the journeys list, the editor's journey JSON and the living-map page ``--rounds`` times (latency per request,
  all requests counted). The viewers are a small asyncio HTTP/1.1 client: httpx's async client spent about
  5 ms of CPU per request here, four times what the server spent, so on 2 cores its figures measured the load
  generator (``--httpx`` measures with it anyway). ``viewers_server_cpu_s`` and ``viewers_client_cpu_s``
  show who used the CPU;
* ``save_p50_ms`` / ``save_p95_ms``: 30 saves of one edited field (PUT with If-Match), one after the other,
  each a revision with its semantic diff (git commits off);
* ``server_peak_rss_mb``: the server process's peak resident memory; ``load_average`` when it ended;
* with ``--live N``: ``live_p50_ms`` / ``live_p95_ms`` / ``live_max_ms``, how long after one browser saw its edit
  saved the other browser showed it, over N edits made in turn in two Chromium pages on the editor (playwright,
  the system's ``chromium``). Both times are the pages' own ``Date.now()`` in one browser: the editor's
  ``#save-state`` turning to "saved" with the new revision, and the other page's field holding the new text,
  each seen at the next animation frame (≤ 17 ms late).

Targets from the issue: cached living map ≤ 1 s, 50 viewers p95 ≤ 300 ms on 2 cores, a save ≤ 200 ms, two
browsers on the same map see each other's saved changes within a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_mb(pid: int) -> float | None:
    """The server process's peak resident memory (VmHWM, Linux), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", type=Path, help="an existing workspace with events (else a demo is built)")
    ap.add_argument("--customers", type=int, default=20_000, help="demo size when no --workspace is given")
    ap.add_argument("--journey", default="webshop")
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--httpx", action="store_true", help="viewers with httpx's async client (CPU-heavy)")
    ap.add_argument("--live", type=int, default=0, metavar="N",
                    help="also time N edits seen by a second browser (needs playwright and chromium)")
    args = ap.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.2f}", file=sys.stderr)

    tmp = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    try:
        if args.workspace:
            root = args.workspace.resolve()
        else:
            from journeymap import api

            root = tmp / "shop"
            t0 = time.perf_counter()
            api.demo(root, customers=args.customers, lang="en")
            print(f"demo workspace: {args.customers} customers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        db_url = f"sqlite:///{tmp / 'bench-app.sqlite'}"  # never the workspace's own app database
        env = {**os.environ, "JOURNEYMAP_DATABASE_URL": db_url}
        exe = [sys.executable, "-m", "journeymap"]
        subprocess.run([*exe, "users", "add", "bench", "--role", "editor", "-w", str(root)], input="bench-password\n",
                       text=True, env=env, check=True, capture_output=True)
        token = subprocess.run([*exe, "tokens", "create", "bench", "-w", str(root)], text=True, env=env, check=True,
                               capture_output=True).stdout.strip()
        port = _port()
        server = subprocess.Popen([*exe, "serve", "-w", str(root), "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            out = run(f"http://127.0.0.1:{port}", token, args, server.pid)
            out["server_peak_rss_mb"] = _peak_mb(server.pid)
            out["load_average"] = [round(x, 2) for x in os.getloadavg()]
            print(json.dumps(out, indent=2))
        finally:
            server.terminate()
            server.wait(30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(base: str, token: str, args: argparse.Namespace, server_pid: int) -> dict[str, object]:
    h = {"Authorization": f"Bearer {token}"}
    out: dict[str, object] = {}
    with httpx.Client(base_url=base, headers=h, timeout=600) as c:
        for _ in range(100):
            try:
                if c.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        page = f"/journeys/{args.journey}/map.html"
        t0 = time.perf_counter()
        assert c.get(page).status_code == 200
        out["first_map_s"] = round(time.perf_counter() - t0, 3)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            r = c.get(page)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200
        out["cached_map_s"] = round(statistics.median(times), 4)
        out["map_page_bytes"] = len(r.content)
        c.get(f"/api/v1/journeys/{args.journey}/health")

        urls = ["/", f"/api/v1/journeys/{args.journey}", page]
        client0, server0 = time.process_time(), _cpu_s(server_pid)
        viewers = _viewers if args.httpx else _raw_viewers
        latencies = asyncio.run(viewers(base, h, urls, args.viewers, args.rounds))
        out["viewers_server_cpu_s"] = round(_cpu_s(server_pid) - server0, 2)
        out["viewers_client_cpu_s"] = round(time.process_time() - client0, 2)
        out["viewer_requests"] = len(latencies)
        out["viewers_p50_ms"] = round(_p(latencies, 0.5) * 1000, 1)
        out["viewers_p95_ms"] = round(_p(latencies, 0.95) * 1000, 1)

        saves = []
        for i in range(30):
            got = c.get(f"/api/v1/journeys/{args.journey}")
            doc = got.json()
            doc["title"] = f"Benchmark title {i}"
            t0 = time.perf_counter()
            r = c.put(f"/api/v1/journeys/{args.journey}", json=doc, headers={"If-Match": got.headers["etag"]})
            saves.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
        out["save_p50_ms"] = round(_p(saves, 0.5) * 1000, 1)
        out["save_p95_ms"] = round(_p(saves, 0.95) * 1000, 1)
        if args.live:
            out.update(live(base, args.journey, args.live))
        restore = c.get(f"/api/v1/journeys/{args.journey}/revisions").json()[-1]["number"]
        c.post(f"/api/v1/journeys/{args.journey}/revisions/{restore}/restore")  # the workspace as it was
    return out


async def _raw_viewers(base: str, headers: dict[str, str], urls: list[str], viewers: int, rounds: int) \
        -> list[float]:
    """Each viewer on one keep-alive HTTP/1.1 connection: send a GET, read the status line, the headers and
    exactly Content-Length bytes (or the chunks), check the status is 200."""
    host, port = base.removeprefix("http://").split(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    latencies: list[float] = []

    async def viewer() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for _ in range(rounds):
                for url in urls:
                    t0 = time.perf_counter()
                    writer.write(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
                    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                    status = int(head[0].split()[1])
                    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
                    if "content-length" in fields:
                        await reader.readexactly(int(fields["content-length"]))
                    else:  # chunked
                        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                            await reader.readexactly(size + 2)
                        await reader.readuntil(b"\r\n")
                    latencies.append(time.perf_counter() - t0)
                    assert status == 200, (url, status)
        finally:
            writer.close()

    await asyncio.gather(*(viewer() for _ in range(viewers)))
    return latencies


async def _viewers(base: str, headers: dict[str, str], urls: list[str], viewers: int, rounds: int) -> list[float]:
    latencies: list[float] = []

    async def viewer(client: httpx.AsyncClient) -> None:
        for _ in range(rounds):
            for url in urls:
                t0 = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200, (url, r.status_code)

    limits = httpx.Limits(max_connections=viewers)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120, limits=limits) as client:
        await asyncio.gather(*(viewer(client) for _ in range(viewers)))
    return latencies


_WATCH = """() => {
  window.__seen = {};
  const look = () => {
    const box = document.querySelector('input[data-path="stages.0.name"]');
    if (box && !(box.value in window.__seen)) window.__seen[box.value] = Date.now();
    requestAnimationFrame(look);
  };
  look();
}"""


def live(base: str, journey: str, edits: int) -> dict[str, object]:
    """Two browsers on the editor; each edit is made in one and timed until the other shows it."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    field = 'input[data-path="stages.0.name"]'
    delays: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        pages = []
        for _ in range(2):
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            page.goto(base + "/")
            page.fill("input[name=name]", "bench")
            page.fill("input[name=password]", "bench-password")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            page.goto(f"{base}/journeys/{journey}")
            page.wait_for_selector(field)
            page.evaluate(_WATCH)
            pages.append(page)
        pages[0].wait_for_timeout(500)  # the live streams are open
        for i in range(edits):
            writer, reader = pages[i % 2], pages[(i + 1) % 2]
            before = writer.inner_text("#save-state")
            text = f"Live edit {i}"
            writer.fill(field, text)
            writer.press(field, "Tab")
            saved = writer.wait_for_function(
                "(before) => { const s = document.getElementById('save-state');"
                " return s.classList.contains('ok') && s.textContent !== before && Date.now(); }", arg=before,
                polling="raf", timeout=10_000).json_value()
            shown = reader.wait_for_function("(text) => window.__seen[text]", arg=text, polling="raf",
                                             timeout=10_000).json_value()
            delays.append(float(shown) - float(saved))
            writer.evaluate("document.activeElement.blur()")  # a page whose user is typing is not redrawn
        browser.close()
    return {"live_edits": edits, "live_p50_ms": round(_p(delays, 0.5), 1), "live_p95_ms": round(_p(delays, 0.95), 1),
            "live_max_ms": round(max(delays), 1)}


if __name__ == "__main__":
    main()
