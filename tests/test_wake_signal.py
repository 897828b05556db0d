"""The engine thread's wake-up token: a set before the wait is not lost, many sets are one wake-up."""

from __future__ import annotations

import threading

from bridge.runner import WakeSignal


def test_a_wake_before_the_wait_is_kept_and_consumed_once() -> None:
    wake = WakeSignal()
    wake.set()
    wake.set()  # input from two ports during one step: one wake-up is enough
    assert wake.wait(5.0) is True
    assert wake.wait(0.0) is False  # consumed: the next sleep is a real one


def test_a_wait_times_out_without_a_wake() -> None:
    assert WakeSignal().wait(0.01) is False


def test_a_wake_from_another_thread_ends_the_wait() -> None:
    wake, woken = WakeSignal(), threading.Event()

    def sleeper() -> None:
        if wake.wait(10.0):
            woken.set()

    thread = threading.Thread(target=sleeper)
    thread.start()
    wake.set()
    thread.join(timeout=10.0)
    assert woken.is_set()
