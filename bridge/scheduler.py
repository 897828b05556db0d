"""Dispatch events in musical time: each event names a beat and its sink's latency, and fires that early.

The scheduler never sleeps and never reads the time itself: the engine calls `poll(now)` and asks
`next_wakeup(now)`. Dispatch times are recomputed from the clock's latest prediction at each poll,
so a tempo change moves every pending event with it and nothing drifts.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from bridge.clock.source import ClockSource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Moment:
    """When an event was meant to fire and when it did: lateness is visible to the callback."""

    beat: float
    desired_time: float  # the clock's time for `beat`, minus the latency
    actual_time: float

    @property
    def lateness(self) -> float:
        return self.actual_time - self.desired_time


# A callback may return a beat to be called again at (a repeating event), or None.
Action = Callable[[Moment], "float | None"]


@dataclass(eq=False)
class _Event:
    beat: float
    seq: int
    action: Action
    latency: float = 0.0
    tag: str | None = None
    cancelled: bool = False


# Heap entries: (beat, seq, event). Ties on beat break on seq, so events themselves are never compared.
_Entry = tuple[float, int, _Event]


class BeatScheduler:
    """A queue of actions at musical positions, dispatched early by each event's latency.

    Events wait in one heap per latency (a set has a handful of sink latencies). Within a heap the
    earliest beat is also the earliest dispatch time, so a step looks only at each heap's head.
    """

    def __init__(self, clock: ClockSource) -> None:
        self.clock = clock
        self._heaps: dict[float, list[_Entry]] = {}
        self._seq = itertools.count()
        self._pending = 0
        self.dispatched = 0
        self.errors = 0
        self.max_lateness = 0.0

    def schedule(self, beat: float, action: Action, latency: float = 0.0, tag: str | None = None) -> _Event:
        """Run `action` when the clock reaches `beat`, `latency` seconds early."""
        if latency < 0 or not math.isfinite(beat):
            raise ValueError(f"bad event: beat={beat}, latency={latency}")
        event = _Event(beat, next(self._seq), action, latency, tag)
        heapq.heappush(self._heaps.setdefault(latency, []), (beat, event.seq, event))
        self._pending += 1
        return event

    def cancel(self, tag: str) -> int:
        """Cancel every pending event with `tag`; return how many."""
        count = 0
        for heap in self._heaps.values():
            for _beat, _seq, event in heap:
                if event.tag == tag and not event.cancelled:
                    event.cancelled = True
                    count += 1
        self._pending -= count
        return count

    def __len__(self) -> int:
        return self._pending

    def _dispatch_time(self, event: _Event) -> float:
        return self.clock.time_at(event.beat) - event.latency

    def _heads(self) -> list[tuple[list[_Entry], _Event]]:
        """Each non-empty heap with its first live event; cancelled heads are dropped on the way."""
        heads = []
        for heap in self._heaps.values():
            while heap and heap[0][2].cancelled:
                heapq.heappop(heap)
            if heap:
                heads.append((heap, heap[0][2]))
        return heads

    def poll(self, now: float) -> int:
        """Fire every event whose dispatch time has come, in beat order; return how many fired."""
        fired = 0
        while True:
            due: list[_Entry] = []
            for heap in self._heaps.values():
                while heap:
                    event = heap[0][2]
                    if event.cancelled:
                        heapq.heappop(heap)
                    elif self._dispatch_time(event) <= now:
                        due.append(heapq.heappop(heap))
                    else:
                        break
            if not due:
                return fired
            due.sort(key=lambda entry: (entry[0], entry[1]))
            for _beat, _seq, event in due:
                self._pending -= 1
                fired += 1
                self._fire(event, now)

    def _fire(self, event: _Event, now: float) -> None:
        moment = Moment(event.beat, self._dispatch_time(event), now)
        self.max_lateness = max(self.max_lateness, moment.lateness)
        self.dispatched += 1
        try:
            again = event.action(moment)
        except Exception:  # a broken sink must not stop the clock
            self.errors += 1
            log.exception("scheduled action at beat %.3f failed", event.beat)
            return
        if again is not None:
            if again <= event.beat:
                log.error("repeating action at beat %.3f asked for beat %.3f; dropped", event.beat, again)
                return
            self.schedule(again, event.action, event.latency, event.tag)

    def next_wakeup(self, now: float) -> float:
        """The earliest dispatch time among pending events (inf when none can be predicted)."""
        return min((self._dispatch_time(head) for _heap, head in self._heads()), default=math.inf)
