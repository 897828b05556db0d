"""Reading rtmidi inputs from one Python thread, never from the MIDI system's own thread.

python-rtmidi runs an input callback on the thread that received the message; on JACK that is the
server's real-time process thread, and the callback must take the GIL there. Whenever another
Python thread holds the GIL for a few milliseconds, the JACK cycle waits for it: the server
times the client out (`Jack::MidiBufferMixdown - invalid source buffer`) and every client of the
graph misses messages. Without a callback rtmidi queues messages lock-free on its thread; this
poller drains those queues. Our rtmidi build (scripts/rtmidi-drumbridge.patch) counts up one eventfd
for every message any input queues: the poller sleeps on it and wakes only when there is something
to read, so an idle show costs it nothing and input is read as soon as it is queued.
With a stock rtmidi (no eventfd) it drains the queues every `period` s instead. Arrival times stay
honest because `ArrivalSmoother` anchors the driver's own message spacing to the earliest arrival
seen, and the poll adds at most one period of reaction delay.
On the timer, after `quiet_after` s with no message on any input (no clock running: Live stopped, or
an internal clock show between calls) it polls every `quiet_period` s instead, after `idle_after` s every
`idle_period` s, and goes back to `period` with the first message; a running MIDI clock (a tick every
21 ms at 120 BPM) keeps it at `period`. A later poll delays the first message after a silence, not
its time: `ArrivalSmoother` places it by the driver's own spacing from the messages before.
"""

from __future__ import annotations

import ctypes
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

from bridge.midi.api import rtmidi_extension
from bridge.realtime import POLLER_PRIORITY, make_current_thread_realtime

Event = tuple[list[int], float]
OnMessage = Callable[[Event], None]

PERIOD = 0.001
QUIET_PERIOD = 0.002  # the first message after a silence (Live's Start) is stamped at most this late
QUIET_AFTER = 0.5
IDLE_PERIOD = 0.01  # after IDLE_AFTER s of silence: 100 wake-ups a second instead of 500 (an idle show's CPU)
IDLE_AFTER = 10.0
NOTIFIED_BACKSTOP_S = 1.0  # with the eventfd: a pass at least this often, whatever happens


def rtmidi_input_fd() -> int | None:
    """The eventfd our rtmidi build counts up for each queued input message; None for a stock rtmidi."""
    function = rtmidi_extension("drumbridge_rtmidi_input_fd", ctypes.c_int, [])
    if function is None:
        return None
    fd = int(function())
    return fd if fd >= 0 else None


class InputPoller:
    """Drains the queues of registered rtmidi inputs on a daemon thread that runs while any is registered."""

    def __init__(self, period: float = PERIOD, quiet_period: float = QUIET_PERIOD,
                 quiet_after: float = QUIET_AFTER, idle_period: float = IDLE_PERIOD,
                 idle_after: float = IDLE_AFTER, notify_fd: int | None = -1) -> None:
        """`notify_fd`: the eventfd to sleep on; -1 finds our rtmidi build's, None polls on a timer."""
        self.period = period
        self.quiet_period = quiet_period
        self.quiet_after = quiet_after
        self.idle_period = idle_period
        self.idle_after = idle_after
        self._inputs: dict[int, tuple[Any, OnMessage]] = {}
        self._lock = threading.Lock()  # held for each pass, so `remove` returns only when the handle is free
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.handler_errors = 0
        self.quiet = False  # no input for quiet_after s (on the timer: polling every quiet_period)
        self.last_handler_error: str | None = None
        self.notify_fd = rtmidi_input_fd() if notify_fd == -1 else notify_fd
        self.passes = 0  # passes over the inputs: how often the poller woke

    def add(self, rt: Any, on_message: OnMessage) -> None:
        """Deliver every message `rt` receives to `on_message`, on the poller's thread."""
        with self._lock:
            self._inputs[id(rt)] = (rt, on_message)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="midi input poller", daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, rt: Any) -> None:
        """Stop reading `rt`; once this returns the poller never touches it again (it may be deleted)."""
        with self._lock:
            self._inputs.pop(id(rt), None)

    def drain(self) -> int:
        """One pass over every input; the number of messages delivered."""
        delivered = 0
        self.passes += 1
        with self._lock:
            for rt, on_message in list(self._inputs.values()):
                while (event := rt.get_message()) is not None:
                    delivered += 1
                    try:
                        on_message(event)
                    except Exception as error:  # a broken handler must not stop the other ports' input
                        self.handler_errors += 1
                        self.last_handler_error = f"{type(error).__name__}: {error}"
        return delivered

    def _run(self) -> None:
        make_current_thread_realtime(POLLER_PRIORITY)
        last_message = time.monotonic()
        fd, waiter = self.notify_fd, None
        if fd is not None:
            waiter = select.poll()
            waiter.register(fd, select.POLLIN)
        while True:
            with self._lock:
                idle = not self._inputs
            if idle:
                self._wake.clear()
                self._wake.wait(1.0)
                continue
            now = time.monotonic()
            if self.drain():
                last_message = now
            silence = now - last_message
            self.quiet = silence >= self.quiet_after
            if waiter is None or fd is None:
                time.sleep(self.period_after(silence))
                continue
            until_quiet = self.quiet_after - silence  # wake once more when the inputs turn quiet
            waiter.poll(1000 * (until_quiet if until_quiet > 0 else NOTIFIED_BACKSTOP_S))
            try:
                os.read(fd, 8)  # reset the count before the pass: a message queued after it wakes us again
            except BlockingIOError:
                pass

    def period_after(self, silence: float) -> float:
        """How long to sleep between passes after `silence` s without input."""
        if silence < self.quiet_after:
            return self.period
        return self.quiet_period if silence < self.idle_after else self.idle_period


POLLER = InputPoller()
"""The process's one poller: one thread and one wake-up per period for all inputs together."""
