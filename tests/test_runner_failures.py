"""A bug met mid-show (a step that raises) is said and counted and the show goes on; a step that always
fails stops it."""

from __future__ import annotations

from bridge.component import Component
from bridge.midi.factory import MemoryPorts
from bridge.runner import MAX_FAILED_STEPS, RealtimeRunner
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.waiting import wait_until

SET = '[clock]\nsource = "internal"\nbpm = 400\n'


class Faulty(Component):
    """Raises on its first `times` polls, then works (counts the polls that did)."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.polls = 0

    def poll(self, now: float) -> None:
        if self.times > 0:
            self.times -= 1
            raise ZeroDivisionError("float division by zero")
        self.polls += 1


def running(times: int) -> tuple[Show, RealtimeRunner, Faulty]:
    show = Show(parse_set(SET), MemoryPorts(monotonic_time), monotonic_time)
    faulty = Faulty(times)
    show.engine.add(faulty)
    runner = RealtimeRunner(show.engine, monotonic_time)
    runner.start()
    return show, runner, faulty


def test_a_step_that_raises_once_is_reported_and_the_show_keeps_time() -> None:
    show, runner, faulty = running(times=1)
    try:
        wait_until(lambda: faulty.polls > 20 and show.clock.beat_at(monotonic_time()) > 2.0, timeout=10.0)
        assert runner.running and runner.error is None
    finally:
        runner.stop()
    assert runner.failed_steps == 1
    said = [e.message for e in show.telemetry.recent("error")]
    assert said == ["engine step failed: ZeroDivisionError('float division by zero'); the show goes on"]
    assert show.telemetry.get("engine")["failed_steps"] == 1


def test_a_step_that_never_stops_failing_ends_the_show_with_the_error() -> None:
    show, runner, _faulty = running(times=10 ** 9)
    try:
        wait_until(lambda: not runner.running, timeout=10.0)
    finally:
        runner.stop()
    assert isinstance(runner.error, ZeroDivisionError)
    assert runner.failed_steps == MAX_FAILED_STEPS
    assert any("engine thread crashed" in e.message for e in show.telemetry.recent("error"))
