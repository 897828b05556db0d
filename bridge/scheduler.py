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
from dataclasses import dataclass, field

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


@dataclass(order=True)
class _Event:
    beat: float
    seq: int
    action: Action = field(compare=False)
    latency: float = field(compare=False, default=0.0)
    tag: str | None = field(compare=False, default=None)
    cancelled: bool = field(compare=False, default=False)


class BeatScheduler:
    """A queue of actions at musical positions, dispatched early by each event's latency."""

    def __init__(self, clock: ClockSource) -> None:
        self.clock = clock
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self.dispatched = 0
        self.errors = 0
        self.max_lateness = 0.0

    def schedule(self, beat: float, action: Action, latency: float = 0.0, tag: str | None = None) -> _Event:
        """Run `action` when the clock reaches `beat`, `latency` seconds early."""
        if latency < 0 or not math.isfinite(beat):
            raise ValueError(f"bad event: beat={beat}, latency={latency}")
        event = _Event(beat, next(self._seq), action, latency, tag)
        heapq.heappush(self._queue, event)
        return event

    def cancel(self, tag: str) -> int:
        """Cancel every pending event with `tag`; return how many."""
        count = 0
        for event in self._queue:
            if event.tag == tag and not event.cancelled:
                event.cancelled = True
                count += 1
        return count

    def __len__(self) -> int:
        return sum(1 for event in self._queue if not event.cancelled)

    def _dispatch_time(self, event: _Event) -> float:
        return self.clock.time_at(event.beat) - event.latency

    def poll(self, now: float) -> int:
        """Fire every event whose dispatch time has come; return how many fired."""
        fired = 0
        # Events are ordered by beat; latencies are small, so scan the head of the queue only
        # as far as a beat that is certainly in the future even for the largest latency.
        while self._queue:
            due: list[_Event] = []
            horizon_skipped: list[_Event] = []
            while self._queue:
                head = self._queue[0]
                if head.cancelled:
                    heapq.heappop(self._queue)
                    continue
                when = self._dispatch_time(head)
                if when <= now:
                    due.append(heapq.heappop(self._queue))
                elif self.clock.time_at(head.beat) - _MAX_LATENCY > now:
                    break
                else:
                    horizon_skipped.append(heapq.heappop(self._queue))
            for event in horizon_skipped:
                heapq.heappush(self._queue, event)
            if not due:
                break
            for event in due:
                fired += 1
                self._fire(event, now)
        return fired

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
        best = math.inf
        for event in sorted(self._queue):  # by beat; stop once no later event can be dispatched earlier
            if self.clock.time_at(event.beat) - _MAX_LATENCY > best:
                break
            if not event.cancelled:
                best = min(best, self._dispatch_time(event))
        return best


_MAX_LATENCY = 1.0  # seconds; sink latencies beyond this are refused by the set file
