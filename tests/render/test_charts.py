"""The charts drawn as a reader sees them: labels off the curves and inside the drawing, lines where the legend
shows lines, loop arcs that do not pile up, funnel names that keep their first letter.

Geometry is read back from the SVG the renderer wrote (paths parsed and sampled here, text extents from the font
metrics), not from the renderer's own placement code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from journeymap.model.workspace import Workspace, load_workspace
from journeymap.render import charts
from journeymap.render.curve import legend_swatch
from journeymap.render.paging import paged_layout, parse_paper
from journeymap.render.textfit import text_width
from journeymap.render.view import build_view
from journeymap.results import Flow, FunnelStep, MapOverlay, MeasuredEmotion
from journeymap.templates import LANGUAGES, TEMPLATES, init_workspace

SVG = "{http://www.w3.org/2000/svg}"
Pt = tuple[float, float]


def path_points(d: str, per_segment: int = 24) -> list[Pt]:
    """Sample an SVG path of M, L, H, V, C and Q commands (absolute), as the charts write them."""
    tokens = re.findall(r"[MLHVCQZ]|-?[\d.]+", d)
    out: list[Pt] = []
    pos: Pt = (0.0, 0.0)
    i, cmd = 0, ""
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd == "Z":
                continue
        nums = []
        need = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4}[cmd]
        nums = [float(x) for x in tokens[i:i + need]]
        i += need
        if cmd in "ML":
            new = (nums[0], nums[1])
            if cmd == "L":
                out += [(pos[0] + (new[0] - pos[0]) * k / per_segment, pos[1] + (new[1] - pos[1]) * k / per_segment)
                        for k in range(per_segment + 1)]
            pos = new
            out.append(pos)
        elif cmd in "HV":
            new = (nums[0], pos[1]) if cmd == "H" else (pos[0], nums[0])
            out += [(pos[0] + (new[0] - pos[0]) * k / per_segment, pos[1] + (new[1] - pos[1]) * k / per_segment)
                    for k in range(per_segment + 1)]
            pos = new
        else:
            ctrl = [(nums[k], nums[k + 1]) for k in range(0, len(nums), 2)]
            pts = [pos, *ctrl]
            for k in range(per_segment + 1):
                t = k / per_segment
                if cmd == "C":
                    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
                    u = 1 - t
                    out.append((u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                                u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3))
                else:
                    (x0, y0), (x1, y1), (x2, y2) = pts
                    u = 1 - t
                    out.append((u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2))
            pos = pts[-1]
    return out


def text_box(el: ET.Element) -> tuple[float, float, float, float]:
    """The extent of an SVG text (DejaVu metrics, ascent 0.76 em, descent 0.24 em)."""
    size = float(el.get("font-size", "11"))
    bold = el.get("font-weight") in ("600", "700", "bold")
    w = text_width(el.text or "", size, bold)
    x, y = float(el.get("x", "0")), float(el.get("y", "0"))
    anchor = el.get("text-anchor", "start")
    x0 = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
    return x0, y - 0.76 * size, x0 + w, y + 0.24 * size


@pytest.fixture(scope="module")
def starters(tmp_path_factory: pytest.TempPathFactory) -> list[Workspace]:
    root = tmp_path_factory.mktemp("charts")
    return [load_workspace(init_workspace(root / f"{t}-{lang}", t, lang)) for t in TEMPLATES for lang in LANGUAGES]


def curves_of(ws: Workspace, overlay: MapOverlay | None = None) -> list[ET.Element]:
    """The emotion lane of each printed A3 page of the map."""
    view = build_view(ws, next(iter(ws.journeys)), overlay)
    layout = paged_layout(view.columns, parse_paper("A3"))
    return [ET.fromstring(str(charts.emotion_curve(view, view.columns[a:b], layout.colw_for(b - a), 150)))
            for a, b in layout.runs]


def test_emotion_labels_cover_no_curve_and_stay_inside(starters: list[Workspace]) -> None:
    checked = 0
    for ws in starters:
        for svg in curves_of(ws):
            _, _, width, height = (float(v) for v in svg.get("viewBox", "").split())
            lines = [p for el in svg.iter(f"{SVG}path") if "halo" not in (el.get("class") or "")
                     and el.get("stroke") not in (None, "#ffffff") for p in path_points(el.get("d", ""))]
            for el in svg.iter(f"{SVG}text"):
                if (el.get("class") or "") not in ("emotion-word", "peak-end-label", "n-label"):
                    continue
                x0, y0, x1, y1 = text_box(el)
                assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, (el.text, (x0, y0, x1, y1))
                crossing = [p for p in lines if x0 + 1 < p[0] < x1 - 1 and y0 + 1 < p[1] < y1 - 1]
                assert crossing == [], f"{el.text!r} in {ws.root.name} lies on a curve"
                checked += 1
    assert checked > 50


def test_peak_and_end_rings_are_whole(starters: list[Workspace]) -> None:
    rings = 0
    for ws in starters:
        for svg in curves_of(ws):
            _, _, width, height = (float(v) for v in svg.get("viewBox", "").split())
            for c in svg.iter(f"{SVG}circle"):
                if c.get("class") == "peak-end-ring":
                    cx, cy, r = (float(c.get(k, "0")) for k in ("cx", "cy", "r"))
                    assert r - 1 <= cx <= width - r + 1 and r - 1 <= cy <= height - r + 1
                    rings += 1
    assert rings >= len(starters) * 2 - 2  # a peak and an end on every map (one may be both)


def test_persona_curves_are_lines_with_markers_as_the_legend_shows(make_ws: Callable[..., Workspace]) -> None:
    # Anna has scores on steps 1, 2 and 4 (a line 1–2, dotted across step 3 to 4) and on step 8 (three unscored
    # steps on: no line invents her feeling over that stretch, a marker only); Bram only on step 5 (a marker).
    scores = {1: {"anna": 1}, 2: {"anna": -1}, 4: {"anna": 0.5}, 5: {"bram": -2}, 8: {"anna": 2}}
    steps = "\n".join(
        f"  - {{id: s{k}, name: S{k}, stage: a, channel: web, emotion: {{score: 0}}"
        + (", persona_emotions: {" + ", ".join(f"{p}: {{score: {v}}}" for p, v in scores[k].items()) + "}"
           if k in scores else "") + "}" for k in range(1, 9))
    personas = {"personas/anna.yaml": "id: anna\nname: Anna\n", "personas/bram.yaml": "id: bram\nname: Bram\n"}
    ws = make_ws({**personas, "journeys/j.yaml": f"id: j\ntitle: J\npersonas: [anna, bram]\n"
                  f"stages: [{{id: a, name: A}}]\nsteps:\n{steps}\n"})
    view = build_view(ws, "j")
    svg = ET.fromstring(str(charts.emotion_curve(view, view.columns, 200, 150)))
    groups = {g.get("data-persona"): g for g in svg.iter(f"{SVG}g") if g.get("class") == "persona-curve"}
    anna = [p.get("class") or "line" for p in groups["anna"].iter(f"{SVG}path")]
    assert anna == ["line", "gap"]  # 1–2 solid, 2–4 dotted; nothing towards 8
    assert [p.get("class") for p in groups["bram"].iter(f"{SVG}path")] == []
    markers = [(c.get("data-persona"), float(c.get("r", "0"))) for c in svg.iter(f"{SVG}circle")
               if c.get("class") == "persona-point"]
    assert sorted(p for p, _ in markers) == ["anna"] * 4 + ["bram"] and all(r >= 4 for _, r in markers)
    for kind in ("assumed", "persona", "measured"):  # the legend's sample: a line and its marker, as drawn
        swatch = ET.fromstring(str(legend_swatch(kind, "#7c3aed")))
        assert [el.tag.replace(SVG, "") for el in swatch][0] == "path" and len(list(swatch)) == 2


def test_measured_curve_stands_out_on_a_halo(starters: list[Workspace]) -> None:
    ws = starters[0]
    view = build_view(ws, next(iter(ws.journeys)))
    ids = [c.step.id for c in view.steps if c.step][:4]
    overlay = MapOverlay(emotions={sid: MeasuredEmotion(0.5 - k, 40 + k) for k, sid in enumerate(ids)})
    svg = curves_of(ws, overlay)[0]
    paths = {p.get("class"): p for p in svg.iter(f"{SVG}path")}
    curve, halo = paths["measured-curve"], paths["measured-halo"]
    assert curve.get("d") == halo.get("d")
    assert float(curve.get("stroke-width", "0")) >= 2.5 and float(halo.get("stroke-width", "0")) > 5
    order = [p.get("class") for p in svg.iter(f"{SVG}path")]
    assert order.index("measured-halo") < order.index("measured-curve")


def test_loop_arcs_get_their_own_levels_and_their_labels_do_not_overlap(make_ws: Callable[..., Workspace]) -> None:
    stages = ", ".join(f"{{id: s{k}, name: Fase {k}}}" for k in range(5))
    steps = "\n".join(f"  - {{id: x{k}, name: Stap {k}, stage: s{k}, channel: web}}" for k in range(5))
    ws = make_ws({"journeys/j.yaml": f"id: j\ntitle: J\nstages: [{stages}]\nsteps:\n{steps}\n"})
    flows = [Flow(f"s{k}", f"s{k + 1}", 1000 - 100 * k) for k in range(4)]
    loops = [Flow("s2", "s1", 300), Flow("s3", "s1", 200), Flow("s3", "s0", 150), Flow("s4", "s2", 90),
             Flow("s4", "s0", 40, designed=False), Flow("s2", "s0", 120)]
    svg = ET.fromstring(str(charts.sankey(build_view(ws, "j"), flows + loops)))
    arcs = [p for p in svg.iter(f"{SVG}path") if "backward" in (p.get("class") or "")]
    assert len(arcs) == len(loops)
    bottoms = []
    for arc in arcs:
        pts = path_points(arc.get("d", ""))
        depth = max(y for _, y in pts)
        span = (min(x for x, _ in pts), max(x for x, _ in pts))
        bottoms.append((depth, span))
    for i, (d1, (a1, b1)) in enumerate(bottoms):  # arcs whose spans overlap run at different depths
        for d2, (a2, b2) in bottoms[i + 1:]:
            if a1 < b2 and a2 < b1:
                assert abs(d1 - d2) >= 10
    labels = [(float(r.get("x", "0")), float(r.get("y", "0")), float(r.get("width", "0")), float(r.get("height", "0")))
              for g in svg.iter(f"{SVG}g") if g.get("class") == "arc-label" for r in g.iter(f"{SVG}rect")]
    assert len(labels) == len(loops)
    for i, (x1, y1, w1, h1) in enumerate(labels):
        for x2, y2, w2, h2 in labels[i + 1:]:
            assert not (x1 < x2 + w2 and x2 < x1 + w1 and y1 < y2 + h2 and y2 < y1 + h1)
    height = float(svg.get("height", "0"))
    assert all(y + h <= height for _, y, _, h in labels)


def test_funnel_names_keep_their_first_letter(make_ws: Callable[..., Workspace]) -> None:
    long = "Ontvangt de orderbevestiging en de factuur per e-mail met alle details van de bestelling"
    ws = make_ws({"journeys/j.yaml": "id: j\ntitle: J\nstages: [{id: a, name: A}]\nsteps:\n"
                  f"  - {{id: s1, name: {long}, stage: a, channel: web}}\n  - {{id: s2, name: Betaalt, stage: a, channel: web}}\n"})
    svg = ET.fromstring(str(charts.funnel(build_view(ws, "j"), [FunnelStep("s1", 900, 1.0, 1.0),
                                                                  FunnelStep("s2", 450, 0.5, 0.5)])))
    names = [t for g in svg.iter(f"{SVG}g") for t in g.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert [n.text for n in names][1] == "Betaalt"
    first = names[0].text or ""
    assert first.endswith("…") and long.startswith(first[:-1].rstrip())  # shortened at the end, the start intact
    for n in names:
        x0, _, x1, _ = text_box(n)
        assert x0 >= 0, n.text
    width = float(svg.get("width", "0"))
    assert all(text_box(t)[2] <= width + 1 for t in svg.iter(f"{SVG}text"))
