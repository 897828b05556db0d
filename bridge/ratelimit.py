"""Rate-limited log lines: a repeated error kind is written at most once per interval, with a count.

A flood of bad input (malformed OSC, corrupt MIDI, a board's boot-notice storm, a peer guessing tokens)
must not flood the log or the dashboard. `RateLimiter.admit` says whether a line of one kind may go out
now and gives its text, truncated, with how many like it were held back since the last one. Time is
injected, so tests run it in virtual time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bridge.timebase import TimeSource, monotonic_time

MAX_CHARS = 200  # longest message text written, however long the input that caused it
MAX_KINDS = 256  # distinct kinds remembered; later new kinds share one slot


def truncate(text: str, max_chars: int = MAX_CHARS) -> str:
    """`text` cut to `max_chars`, saying how long it was."""
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… ({len(text)} chars)"


@dataclass
class KindCount:
    """What happened to one kind of line: when it last went out, how many since, how many in all."""

    last: float = float("-inf")
    held: int = 0
    total: int = 0


class RateLimiter:
    """At most one line per `interval` seconds per kind; thread-safe."""

    def __init__(self, time_source: TimeSource = monotonic_time, interval: float = 1.0,
                 max_chars: int = MAX_CHARS) -> None:
        self.time = time_source
        self.interval = interval
        self.max_chars = max_chars
        self.kinds: dict[str, KindCount] = {}
        self._lock = threading.Lock()

    def admit(self, kind: str, message: str) -> str | None:
        """The line to write for one more `kind` event now, or None while that kind is held back."""
        now = self.time()
        with self._lock:
            if kind not in self.kinds and len(self.kinds) >= MAX_KINDS:
                kind = "(other)"
            count = self.kinds.setdefault(kind, KindCount())
            count.total += 1
            if now - count.last < self.interval:
                count.held += 1
                return None
            held, count.held, count.last = count.held, 0, now
        text = truncate(message, self.max_chars)
        return f"{text} (+{held} more like this)" if held else text

    def total(self, kind: str) -> int:
        """How many `kind` events were seen, written or not."""
        with self._lock:
            count = self.kinds.get(kind)
            return count.total if count else 0


class RateLimitFilter(logging.Filter):
    """A logging filter that passes a record through a `RateLimiter` (kind = logger name + call site)."""

    def __init__(self, limiter: RateLimiter, only_paths: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.limiter = limiter
        self.only_paths = only_paths

    def filter(self, record: logging.LogRecord) -> bool:
        if self.only_paths and not any(part in record.pathname for part in self.only_paths):
            return True
        text = self.limiter.admit(f"{record.name}:{record.pathname}:{record.lineno}", record.getMessage())
        if text is None:
            return False
        record.msg, record.args = text, None
        return True
