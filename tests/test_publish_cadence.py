"""Telemetry goes out 10 times a second while somebody reads it, once a second in a real-time show nobody watches."""

from __future__ import annotations

from bridge.clock.internal import InternalClock
from bridge.component import Component
from bridge.engine import PUBLISH_INTERVAL, UNWATCHED_PUBLISH_INTERVAL, Engine
from bridge.runner import RealtimeRunner, run_virtual
from bridge.timebase import ManualTime


class Counting(Component):
    """Remembers when it was asked to publish."""

    name = "counting"

    def __init__(self) -> None:
        self.times: list[float] = []

    def publish(self, now: float) -> None:
        self.times.append(now)


def engine_with_counter() -> tuple[Engine, Counting, ManualTime]:
    engine = Engine(InternalClock(120.0))
    counting = Counting()
    engine.add(counting)
    return engine, counting, ManualTime(0.0)


def test_unwatched_the_engine_publishes_once_a_second_and_a_reader_brings_back_ten() -> None:
    engine, counting, time = engine_with_counter()
    RealtimeRunner(engine, time)  # a real-time show: what the runner sets up, without its thread
    assert engine.unwatched_publish_interval == UNWATCHED_PUBLISH_INTERVAL == 1.0
    run_virtual(engine, time, 10.0)
    quiet = [t for t in counting.times if t > 3.0]  # past the start-up window in which it counts as watched
    assert 6 <= len(quiet) <= 8
    engine.telemetry.get("clock")  # a dashboard (or OSCQuery) reads
    before = len(counting.times)
    run_virtual(engine, time, 12.0)
    assert len(counting.times) - before >= 1.0 / PUBLISH_INTERVAL  # at most one slow interval, then the fast cadence
    watched = [t for t in counting.times if t > 11.0]
    assert len(watched) >= 9


def test_in_virtual_time_the_cadence_stays_fixed() -> None:
    """Tests and replays read state after a run: it is never a second old."""
    engine, counting, time = engine_with_counter()
    run_virtual(engine, time, 10.0)
    assert len([t for t in counting.times if t > 3.0]) >= 69
