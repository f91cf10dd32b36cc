"""Small geometry for the inline SVG charts: numbers, smooth curves, and labels placed where nothing is drawn.

Labels are placed, not just put next to their point: each label tries a few spots (above, below, beside
its point) and takes the one that covers the fewest curve samples, markers and earlier labels and stays
inside the chart. That is what keeps an emotion word off the curve it describes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]

NEGATIVE, NEUTRAL, POSITIVE = (220, 38, 38), (234, 179, 8), (22, 163, 74)


def num(v: float) -> str:
    """A coordinate with at most one decimal: ``12``, ``12.5``."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def score_colour(score: float) -> str:
    """Red (−2) through amber (0) to green (+2)."""
    a, b, f = (NEGATIVE, NEUTRAL, (score + 2) / 2) if score < 0 else (NEUTRAL, POSITIVE, score / 2)
    f = min(max(f, 0.0), 1.0)
    r, g, bl = (round(a[i] + (b[i] - a[i]) * f) for i in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def smooth_segments(points: Sequence[Point]) -> list[Segment]:
    """Cubic Bézier segments of a Catmull-Rom spline through ``points``."""
    out: list[Segment] = []
    for i in range(1, len(points)):
        p0 = points[i - 2] if i >= 2 else points[i - 1]
        p1, p2 = points[i - 1], points[i]
        p3 = points[i + 1] if i + 1 < len(points) else p2
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append((p1, c1, c2, p2))
    return out


def smooth_path(points: Sequence[Point]) -> str:
    """A Catmull-Rom spline through ``points`` as an SVG path (straight when only two)."""
    if not points:
        return ""
    d = [f"M{num(points[0][0])},{num(points[0][1])}"]
    for _, c1, c2, p2 in smooth_segments(points):
        d.append(f"C{num(c1[0])},{num(c1[1])} {num(c2[0])},{num(c2[1])} {num(p2[0])},{num(p2[1])}")
    return " ".join(d)


def bezier_point(seg: Segment, t: float) -> Point:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = seg
    u = 1 - t
    return (u ** 3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t ** 3 * x3,
            u ** 3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y3)


def sample_curve(points: Sequence[Point], spacing: float = 2.0) -> list[Point]:
    """Points along the smooth curve through ``points``, about ``spacing`` px apart."""
    if len(points) == 1:
        return [points[0]]
    out: list[Point] = []
    for seg in smooth_segments(points):
        length = math.dist(seg[0], seg[3]) + 1
        n = max(int(length / spacing), 2)
        out += [bezier_point(seg, k / n) for k in range(n + 1)]
    return out


def sample_line(a: Point, b: Point, spacing: float = 2.0) -> list[Point]:
    n = max(int(math.dist(a, b) / spacing), 1)
    return [(a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n + 1)]


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: a label's extent or a marker's."""

    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, p: Point, pad: float = 0.0) -> bool:
        return self.x0 - pad <= p[0] <= self.x1 + pad and self.y0 - pad <= p[1] <= self.y1 + pad

    def overlap(self, other: Box) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def inside(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


BIN = 16.0  # px: curve samples are kept in vertical strips, so a label only looks at the strips it spans


@dataclass
class Obstacles:
    """What a label must not cover: sampled curve points, marker boxes, and the labels already placed."""

    markers: list[Box] = field(default_factory=list)
    labels: list[Box] = field(default_factory=list)
    strips: dict[int, list[Point]] = field(default_factory=dict)

    def add_points(self, points: Iterable[Point]) -> None:
        for p in points:
            self.strips.setdefault(int(p[0] // BIN), []).append(p)

    def points_in(self, box: Box, pad: float = 1.5) -> int:
        first, last = int((box.x0 - pad) // BIN), int((box.x1 + pad) // BIN)
        return sum(1 for k in range(first, last + 1) for p in self.strips.get(k, ()) if box.contains(p, pad))

    def cost(self, box: Box, bounds: Box) -> float:
        cost = 0.0 if box.inside(bounds) else 10_000.0
        cost += self.points_in(box)
        cost += sum(20.0 for m in self.markers if box.overlap(m) > 0)
        cost += sum(200.0 for lab in self.labels if box.overlap(lab) > 0)
        return cost


def place(candidates: Iterable[Box], obstacles: Obstacles, bounds: Box) -> Box:
    """The first of ``candidates`` with the lowest cost (earlier candidates are preferred on a tie);
    the chosen box joins ``obstacles.labels``."""
    best: Box | None = None
    best_cost = math.inf
    for box in candidates:
        cost = obstacles.cost(box, bounds)
        if cost < best_cost - 1e-9:
            best, best_cost = box, cost
        if best_cost == 0:
            break
    assert best is not None, "no candidate to place"
    obstacles.labels.append(best)
    return best
