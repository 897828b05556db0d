"""One bus where every engine stage publishes its state and events, for the dashboard, logs and remote attach.

Publishers write plain JSON-able dicts under a topic ("clock", "ports", "responder.drums", ...),
shaped as the TypedDicts in bridge/telemetry_types.py say;
readers take a consistent `snapshot()` copy. Publishing never blocks on a reader: subscribers
get events through their own bounded queues, and a slow one loses old events, not the show.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bridge.ratelimit import RateLimiter

log = logging.getLogger("drumbridge")

LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class LogEvent:
    """A warning, error or notable event from one engine stage."""

    time: float  # wall-clock seconds (time.time()), for humans
    level: str
    source: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "level": self.level, "source": self.source, "message": self.message}


@dataclass
class Telemetry:
    """Latest state per topic, counters, and a ring of recent log events."""

    log_size: int = 500
    _state: dict[str, dict[str, Any]] = field(default_factory=dict)
    _events: deque[LogEvent] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _subscribers: list[queue.Queue[LogEvent]] = field(default_factory=list)
    _version: int = 0
    reads: int = 0  # copies taken by readers (`get`, `snapshot`): the engine publishes often only while watched
    limiter: RateLimiter = field(default_factory=RateLimiter)  # for repeated error kinds (`event_limited`)

    def __post_init__(self) -> None:
        self._events = deque(maxlen=self.log_size)

    def publish(self, topic: str, **fields: Any) -> None:
        """Merge `fields` into the state of `topic`."""
        with self._lock:
            self._state.setdefault(topic, {}).update(fields)
            self._version += 1

    def replace(self, topic: str, state: dict[str, Any]) -> None:
        """Set the whole state of `topic`."""
        with self._lock:
            self._state[topic] = dict(state)
            self._version += 1

    def increment(self, topic: str, counter: str, by: int = 1) -> int:
        """Add to a counter in `topic` and return its new value."""
        with self._lock:
            state = self._state.setdefault(topic, {})
            state[counter] = state.get(counter, 0) + by
            self._version += 1
            return state[counter]

    def event(self, level: str, source: str, message: str) -> LogEvent:
        """Record a log event (also sent to Python logging) and hand it to subscribers."""
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}")
        item = LogEvent(time.time(), level, source, message)
        log.log(getattr(logging, level.upper()), "%s: %s", source, message)
        with self._lock:
            self._events.append(item)
            self._version += 1
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.put_nowait(item)
            except queue.Full:
                try:
                    sub.get_nowait()
                    sub.put_nowait(item)
                except (queue.Empty, queue.Full):
                    pass
        return item

    def event_limited(self, kind: str, level: str, source: str, message: str,
                      bad_input: bool = True) -> LogEvent | None:
        """`event` at most once a second per `kind`, text truncated, with how many were held back.

        Bad input is also counted under the "bad_input" topic (never as commands).
        """
        if bad_input:
            self.increment("bad_input", kind)
        text = self.limiter.admit(kind, message)
        return None if text is None else self.event(level, source, text)

    def subscribe(self, maxsize: int = 1000) -> queue.Queue[LogEvent]:
        """A queue that receives every later log event."""
        sub: queue.Queue[LogEvent] = queue.Queue(maxsize=maxsize)
        with self._lock:
            self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: queue.Queue[LogEvent]) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def get(self, topic: str) -> dict[str, Any]:
        """A copy of one topic's state (empty when never published)."""
        with self._lock:
            self.reads += 1
            return copy.deepcopy(self._state.get(topic, {}))

    def fields(self, topic: str, *keys: str) -> dict[str, Any]:
        """Some top-level fields of one topic, not copied: for scalars read on the engine thread 10 times a second."""
        with self._lock:
            state = self._state.get(topic, {})
            return {key: state.get(key) for key in keys}

    def snapshot(self) -> dict[str, Any]:
        """A consistent deep copy of every topic plus the recent log, JSON-able."""
        with self._lock:
            self.reads += 1
            version, state, events = self._version, copy.deepcopy(self._state), list(self._events)
        return {"version": version, "state": state, "log": [e.to_dict() for e in events]}  # lock not held

    def recent(self, level: str | None = None) -> list[LogEvent]:
        """Recent log events, optionally only those at `level` or above."""
        with self._lock:
            events = list(self._events)
        if level is None:
            return events
        floor = LEVELS.index(level)
        return [e for e in events if LEVELS.index(e.level) >= floor]
