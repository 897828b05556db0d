"""The beat scheduler: events fire at their beat minus their latency, follow tempo changes, repeat."""

from __future__ import annotations

import pytest

from bridge.clock.internal import InternalClock
from bridge.scheduler import BeatScheduler, Moment


def running_clock(bpm: float = 120.0) -> InternalClock:
    clock = InternalClock(bpm)
    clock.start(0.0)
    return clock


def drive(scheduler: BeatScheduler, until: float) -> None:
    t = 0.0
    while t < until:
        scheduler.poll(t)
        t = min(scheduler.next_wakeup(t), until)
    scheduler.poll(until)


def test_event_fires_early_by_its_latency() -> None:
    scheduler = BeatScheduler(running_clock())
    fired: list[Moment] = []
    scheduler.schedule(4.0, fired.append, latency=0.030)
    drive(scheduler, 3.0)
    assert len(fired) == 1
    assert fired[0].actual_time == pytest.approx(2.0 - 0.030)
    assert fired[0].lateness == pytest.approx(0.0)


def test_repeating_event_and_cancel() -> None:
    scheduler = BeatScheduler(running_clock())
    beats: list[float] = []

    def every_beat(moment: Moment) -> float:
        beats.append(moment.beat)
        return moment.beat + 1

    scheduler.schedule(0.0, every_beat, tag="metro")
    drive(scheduler, 2.1)
    assert beats == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert scheduler.cancel("metro") == 1
    drive(scheduler, 4.0)
    assert beats == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_tempo_change_moves_pending_events() -> None:
    clock = running_clock(120.0)
    scheduler = BeatScheduler(clock)
    fired: list[Moment] = []
    scheduler.schedule(4.0, fired.append)
    scheduler.poll(1.0)
    clock.set_bpm(60.0, 1.0)  # beat 2 at t=1; beat 4 is now two seconds later
    drive(scheduler, 4.0)
    assert fired[0].actual_time == pytest.approx(3.0)


def test_failing_action_is_counted_not_raised() -> None:
    scheduler = BeatScheduler(running_clock())

    def broken(_moment: Moment) -> None:
        raise RuntimeError("sink gone")

    scheduler.schedule(1.0, broken)
    drive(scheduler, 1.0)
    assert scheduler.errors == 1


def test_nothing_fires_while_stopped() -> None:
    clock = InternalClock(120.0)
    scheduler = BeatScheduler(clock)
    fired: list[Moment] = []
    scheduler.schedule(0.5, fired.append)
    scheduler.poll(10.0)
    assert fired == []
    assert scheduler.next_wakeup(10.0) == float("inf")


def test_next_wakeup_sees_a_later_beat_with_a_longer_latency_behind_many_events() -> None:
    scheduler = BeatScheduler(running_clock())
    for k in range(20):
        scheduler.schedule(4.0 + k * 0.001, lambda m: None)  # many events just before beat 4.02
    scheduler.schedule(4.05, lambda m: None, latency=0.5)  # later beat, but due half a second earlier
    assert scheduler.next_wakeup(0.0) == pytest.approx(4.05 * 0.5 - 0.5)


def test_events_due_in_one_poll_fire_in_beat_order_whatever_their_latency() -> None:
    scheduler = BeatScheduler(running_clock())
    order: list[float] = []
    for beat, latency in [(4.5, 0.0), (4.0, 0.2), (4.25, 0.05), (4.0, 0.0)]:
        scheduler.schedule(beat, lambda m: order.append(m.beat), latency=latency)
    scheduler.poll(10.0)  # all four are overdue: beat order, ties in the order they were scheduled
    assert order == [4.0, 4.0, 4.25, 4.5]


def test_cancelled_events_leave_the_count_and_the_wakeup() -> None:
    scheduler = BeatScheduler(running_clock())
    scheduler.schedule(2.0, lambda m: None, latency=0.1, tag="answer")
    scheduler.schedule(3.0, lambda m: None, latency=0.1, tag="answer")
    scheduler.schedule(8.0, lambda m: None)
    assert len(scheduler) == 3
    assert scheduler.cancel("answer") == 2
    assert len(scheduler) == 1
    assert scheduler.next_wakeup(0.0) == pytest.approx(4.0)
    assert scheduler.poll(4.0) == 1 and len(scheduler) == 0
