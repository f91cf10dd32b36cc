"""Workshop mode's shared state: a timer everyone in the room sees, and dot-voting on the ideas.

The ideas themselves are the journey's opportunities (in its YAML file, like every other part of the map);
the timer and the dots are the state of one session in the room, so they live in the running app only and
end with it. Each person has ``dots`` votes per round to put on ideas (several on one if they like); the
facilitator (an editor) starts a new round, which clears the votes, and starts or stops the timer. Every
change is a ``workshop`` live event, so the open workshop pages update at once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from journeymap.server.errors import ApiError

DEFAULT_DOTS = 3


@dataclass
class Session:
    """One journey's workshop: the timer and this round's votes (user name → idea id → dots)."""

    dots: int = DEFAULT_DOTS
    ends_at: dt.datetime | None = None
    seconds: int = 0
    started_by: str | None = None
    votes: dict[str, Counter[str]] = field(default_factory=dict)

    def as_json(self, user: str, now: dt.datetime | None = None) -> dict[str, Any]:
        now = now or dt.datetime.now(dt.UTC)
        timer = None
        if self.ends_at is not None:
            timer = {"ends_at": self.ends_at.isoformat().replace("+00:00", "Z"), "seconds": self.seconds,
                     "remaining": max(0.0, round((self.ends_at - now).total_seconds(), 1)),
                     "started_by": self.started_by}
        total: Counter[str] = Counter()
        for mine in self.votes.values():
            total.update(mine)
        own = self.votes.get(user, Counter())
        return {"timer": timer, "dots": self.dots, "votes": dict(sorted(total.items())),
                "mine": dict(sorted(own.items())), "left": self.dots - sum(own.values()),
                "voters": sorted(name for name, mine in self.votes.items() if sum(mine.values()))}


class Workshops:
    """The workshop sessions of every journey in this app (thread-safe)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, journey_id: str) -> Session:
        with self._lock:
            return self._sessions.setdefault(journey_id, Session())

    def start_timer(self, journey_id: str, seconds: int, by: str) -> Session:
        with self._lock:
            s = self._sessions.setdefault(journey_id, Session())
            s.seconds, s.started_by = seconds, by
            s.ends_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
            return s

    def stop_timer(self, journey_id: str) -> Session:
        with self._lock:
            s = self._sessions.setdefault(journey_id, Session())
            s.ends_at, s.seconds, s.started_by = None, 0, None
            return s

    def new_round(self, journey_id: str, dots: int) -> Session:
        with self._lock:
            s = self._sessions.setdefault(journey_id, Session())
            s.dots, s.votes = dots, {}
            return s

    def vote(self, journey_id: str, user: str, idea: str, ideas: set[str]) -> Session:
        """Put one of ``user``'s dots on ``idea`` (one of ``ideas``, the journey's opportunities)."""
        if idea not in ideas:
            from journeymap.errors import suggest

            raise ApiError(404, f"no idea {idea!r} on this journey; {suggest(idea, ideas)}")
        with self._lock:
            s = self._sessions.setdefault(journey_id, Session())
            mine = s.votes.setdefault(user, Counter())
            if sum(mine.values()) >= s.dots:
                raise ApiError(409, f"all your {s.dots} dots are placed; take one back first", code="no_dots_left")
            mine[idea] += 1
            return s

    def unvote(self, journey_id: str, user: str, idea: str) -> Session:
        """Take one of ``user``'s dots back from ``idea``."""
        with self._lock:
            s = self._sessions.setdefault(journey_id, Session())
            mine = s.votes.get(user, Counter())
            if mine[idea] <= 0:
                raise ApiError(409, f"you have no dot on {idea!r}", code="no_dot")
            mine[idea] -= 1
            if not mine[idea]:
                del mine[idea]
            return s
