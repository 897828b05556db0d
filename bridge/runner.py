"""Drive an engine: in real time on its own thread, or in virtual time as fast as the CPU allows."""

from __future__ import annotations

import gc
import heapq
import math
import sys
import threading
from collections.abc import Iterable

from bridge.engine import UNWATCHED_PUBLISH_INTERVAL, Engine
from bridge.ratelimit import truncate
from bridge.realtime import ENGINE_PRIORITY, make_current_thread_realtime
from bridge.timebase import ManualTime, TimeSource, monotonic_time

# A step that raises is a bug met mid-show: the concert goes on. Only a step failing this many times in a
# row (the engine's state itself broken) stops the show, as any crash did before.
MAX_FAILED_STEPS = 50
STEP_RETRY_S = 0.001  # a failed step is tried again after this long, so a broken one cannot spin

# How long another Python thread (a model generating the rest of an answer, the dashboard) may keep
# the GIL once the engine thread has woken and wants it. Python's default is 5 ms.
GIL_SWITCH_INTERVAL = 0.0005


def freeze_heap() -> None:
    """Collect once, then hide every object alive now from Python's cycle collector (`gc.freeze`).

    A full collection walks every tracked object and holds the GIL while it does: with a model, the
    set and the MIDI stack loaded that was 30 ms in `drumbridge record` and 50 ms in a test process,
    long enough to put a drum note a third of a 16th late. Frozen objects are never walked again,
    so the collections during the show only look at what the show itself made since.
    """
    gc.collect()
    gc.freeze()


class WakeSignal:
    """A wake-up token for one sleeping thread: `set` from any thread, `wait` consumes it.

    A bare lock held while no token is pending: waiting is one `acquire` with a timeout, where
    `threading.Event.wait` builds a Condition and a waiter lock each time (the engine sleeps ~60
    times a second).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:
            pass  # a token is already pending

    def wait(self, timeout: float) -> bool:
        """Sleep until `set` or `timeout`; True (and the token consumed) when woken."""
        return self._lock.acquire(timeout=timeout)


# Every source of work wakes the engine (input, commands, a finished model piece, the drum link) or
# names its deadline (`next_wakeup`): the longest sleep is only a backstop, and each wake costs an
# idle show CPU (about 130 µs on a small VM), so it is long.
MAX_WAIT_S = 0.5


class RealtimeRunner:
    """Runs `engine.step` on a thread: sleeps until the next wakeup or until input arrives."""

    def __init__(self, engine: Engine, time_source: TimeSource = monotonic_time, max_wait: float = MAX_WAIT_S) -> None:
        self.engine = engine
        self.time = time_source
        self.max_wait = max_wait
        self._wake = WakeSignal()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.failed_steps = 0
        engine.set_waker(self._wake.set)
        engine.unwatched_publish_interval = UNWATCHED_PUBLISH_INTERVAL

    def start(self) -> None:
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        freeze_heap()
        self.engine.start(self.time())
        self._thread = threading.Thread(target=self._loop, name="drumbridge-engine", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        scheduling = make_current_thread_realtime(ENGINE_PRIORITY)
        if scheduling.startswith("fifo"):
            self.engine.telemetry.event("info", "engine", f"engine thread at real-time priority ({scheduling})")
        else:
            self.engine.telemetry.event("warning", "engine", f"engine thread at {scheduling}: notes may leave "
                                        "late while the CPU is busy")
        failures = 0  # steps in a row that raised
        try:
            while not self._stop.is_set():
                now = self.time()
                try:
                    self.engine.step(now)
                    wait = self.engine.next_wakeup(now) - self.time()
                    failures = 0
                except Exception as error:
                    failures += 1
                    if failures > MAX_FAILED_STEPS:
                        raise
                    self._step_failed(error)
                    wait = STEP_RETRY_S
                if wait > 0:
                    self._wake.wait(min(wait, self.max_wait))
        except BaseException as error:  # noqa: BLE001 - reported to the caller, show shuts down cleanly
            self.error = error
            self.engine.telemetry.event("error", "engine", f"engine thread crashed: {error!r}")
        finally:
            self._stop.set()

    def _step_failed(self, error: Exception) -> None:
        """A bug met mid-show: said, counted, and the show keeps going."""
        self.failed_steps += 1
        self.engine.report_failure("step", error, f"engine step failed: {truncate(repr(error), 120)}; the show goes on",
                                   ("engine", "failed_steps"))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the engine thread ends (or `timeout`); True if it ended."""
        return self._stop.wait(timeout)

    def stop(self) -> None:
        """Stop the thread, then panic and close every component."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.engine.shutdown()


def run_virtual(engine: Engine, time: ManualTime, until: float,
                inputs: Iterable[tuple[float, str, list[int]]] = (), start: bool = True) -> None:
    """Step `engine` in virtual time up to `until`, delivering `inputs` (time, port, bytes) when due.

    Time jumps straight from one wakeup to the next, so an hour of show runs in seconds.
    """
    pending = [(t, i, port, data) for i, (t, port, data) in enumerate(inputs)]
    heapq.heapify(pending)
    if start and not engine.started:
        engine.start(time())
    while True:
        now = time()
        while pending and pending[0][0] <= now:
            t, _i, port, data = heapq.heappop(pending)
            engine.post_midi(port, data, t)
        engine.step(now)
        wake = engine.next_wakeup(now)
        if pending:
            wake = min(wake, pending[0][0])
        if now >= until:
            return
        wake = min(wake, until) if math.isfinite(wake) else until
        time.set(max(wake, now + 1e-6))
