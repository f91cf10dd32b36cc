"""Benchmark: render a 200-step × 20-lane journey map to HTML (target: under 1 s).

Builds the journey in memory (no files), renders it several times and prints a
Markdown table row with the median time and the peak Python memory of one render.
``--pdf`` also times the A3 PDF once (WeasyPrint is far slower than the HTML).

    python benchmarks/render_bench.py [--steps 200] [--runs 7] [--pdf]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

from journeymap.model.types import CustomLane, Emotion, Journey, Kpi, LaneItem, PainPoint, Settings, Stage, Step
from journeymap.model.workspace import Workspace
from journeymap.render import render_html, render_pdf

N_CUSTOM_LANES = 6  # + 14 standard lanes = 20


def build_workspace(n_steps: int, n_stages: int = 10) -> Workspace:
    """A workspace holding one journey with every lane of every step filled."""
    stages = [Stage(id=f"fase-{k}", name=f"Fase {k + 1}") for k in range(n_stages)]
    per = -(-n_steps // n_stages)

    def items(text: str) -> list[LaneItem]:
        return [LaneItem(text=text), LaneItem(text=f"{text} (interview)", provenance="reported")]

    steps = [
        Step(
            id=f"stap-{i}", name=f"Stap {i + 1}: klant doet iets", stage=f"fase-{i // per}", channel="web",
            actions=items("Klikt door"), motivations=items("Wil snel klaar zijn"), questions=items("Klopt de prijs?"),
            expectations=items("Duidelijkheid"), received=items("Een lange pagina"),
            emotion=Emotion(score=((i * 7) % 9 - 4) / 2, word=f"gevoel {i}"),
            pain_points=[PainPoint(text="Traag", severity="high")] if i % 4 == 0 else [],
            moment_of_truth=1 + i % 5, frontstage=items("Website"), backstage=items("Orderverwerking"),
            systems=["ERP", "CRM"], owner="Team Web", kpis=[Kpi(name="Conversie", target=0.4)],
            lanes={f"extra-{k}": items(f"Notitie {k}") for k in range(N_CUSTOM_LANES)},
        )
        for i in range(n_steps)
    ]
    journey = Journey(id="groot", title="Grote reis", stages=stages, steps=steps,
                      lanes=[CustomLane(id=f"extra-{k}", name=f"Extra {k}") for k in range(N_CUSTOM_LANES)])
    return Workspace(root=Path.cwd(), settings=Settings(language="nl"), journeys={"groot": journey})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF once")
    args = parser.parse_args()

    ws = build_workspace(args.steps)
    render_html(ws, "groot")  # warm-up: template compilation is a one-off cost
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        html = render_html(ws, "groot")
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    render_html(ws, "groot")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pdf_cell = ""
    if args.pdf:
        start = time.perf_counter()
        pdf = render_pdf(ws, "groot")
        pdf_cell = f" {time.perf_counter() - start:.1f} s ({len(pdf) / 1e6:.1f} MB) |"
    print("| case | HTML median | min–max | peak Python memory | HTML size |" + (" PDF |" if args.pdf else ""))
    print("| --- | --- | --- | --- | --- |" + (" --- |" if args.pdf else ""))
    print(f"| {args.steps} steps × {14 + N_CUSTOM_LANES} lanes, {args.runs} runs, {platform.python_version()} "
          f"| {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms "
          f"| {peak / 1e6:.1f} MB | {len(html) / 1e6:.2f} MB |{pdf_cell}")


if __name__ == "__main__":
    main()
