"""The show engine: one thread owns the clock, the scheduler and every component; inputs arrive by inbox.

Other threads (rtmidi callbacks, the dashboard, OSC control) never call into components: they
`post_midi` or `post_command`, and the engine thread handles them at its next step. The engine
reads no clock itself: `step(now)` and `next_wakeup(now)` are driven by a real-time runner or by
a virtual-time runner in tests and replay.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

import mido

from bridge.clock.ephemera import TransportChange
from bridge.clock.follower import MidiClockFollower
from bridge.clock.source import ClockSource
from bridge.component import Component, housekeeping_due, next_in_cadence
from bridge.ratelimit import truncate
from bridge.scheduler import BeatScheduler
from bridge.telemetry import Telemetry

log = logging.getLogger(__name__)

MidiHandler = Callable[[mido.Message, float], None]
Command = Callable[[], None]
REALTIME_CLOCK_BYTES = {0xF8, 0xFA, 0xFB, 0xFC, 0xF2}
PUBLISH_INTERVAL = 0.1  # seconds between telemetry snapshots while somebody reads them (a dashboard)
UNWATCHED_PUBLISH_INTERVAL = 1.0  # ... while nobody has for WATCH_WINDOW: the stage watch's alerts still run
WATCH_WINDOW = 2.0


class Engine:
    """Clock + scheduler + components, stepped from one thread."""

    def __init__(self, clock: ClockSource, telemetry: Telemetry | None = None) -> None:
        self.clock = clock
        self.telemetry = telemetry or Telemetry()
        self.scheduler = BeatScheduler(clock)
        self.components: list[Component] = []
        self._polled: list[Component] = []  # the components with a `poll` of their own, and with a `next_wakeup`
        self._waking: list[Component] = []
        self.clock_port: str | None = None
        self._routes: dict[str, list[MidiHandler]] = {}
        self._inbox: deque[tuple[str, list[int], float]] = deque()
        self._commands: deque[Command] = deque()
        self._wake: Callable[[], None] = lambda: None
        self._next_publish = -math.inf
        # A show in real time (RealtimeRunner) publishes less often while no reader watches; in virtual time
        # (tests, replay) the cadence stays fixed, so the state read after a run is never a second old.
        self.unwatched_publish_interval = PUBLISH_INTERVAL
        self._reads_seen = -1  # telemetry.reads at the last publish
        self._last_watched = -math.inf  # when the engine last saw a reader's copy
        self.midi_errors = 0
        self.started = False

    # -- wiring (before start) ------------------------------------------------------------
    def add(self, component: Component, first: bool = False) -> Component:
        """Add a component; it gets every hook from now on. `first`: its hooks run first and it is
        closed last (a recorder that must see every other part's note-offs)."""
        if first:
            self.components.insert(0, component)
        else:
            self.components.append(component)
        # the engine steps ~60 times a second: hooks a component leaves as Component's no-ops are not called
        self._polled = [c for c in self.components if type(c).poll is not Component.poll]
        self._waking = [c for c in self.components if type(c).next_wakeup is not Component.next_wakeup]
        return component

    def route(self, port: str, handler: MidiHandler) -> None:
        """Deliver parsed messages from input `port` to `handler` (on the engine thread)."""
        self._routes.setdefault(port, []).append(handler)

    def set_waker(self, wake: Callable[[], None]) -> None:
        """Called (from any thread) when new input arrives, so a sleeping runner wakes up."""
        self._wake = wake

    # -- thread-safe entry points ------------------------------------------------------------
    def post_midi(self, port: str, data: list[int], t: float) -> None:
        """Queue raw bytes that arrived on `port` at time `t` (safe from any thread)."""
        self._inbox.append((port, data, t))
        self._wake()

    def post_command(self, command: Command) -> None:
        """Run `command` on the engine thread at the next step (safe from any thread)."""
        self._commands.append(command)
        self._wake()

    # -- the engine thread -------------------------------------------------------------------
    def start(self, now: float) -> None:
        for component in self.components:
            component.start(now)
        self.started = True
        self.telemetry.event("info", "engine", f"show started with clock source {self.clock.name!r}")

    def step(self, now: float) -> None:
        """Handle everything due at `now`: inputs, commands, transport, scheduled events, components."""
        while self._inbox:
            port, data, t = self._inbox.popleft()
            self._handle_midi(port, data, t)
        while self._commands:
            command = self._commands.popleft()
            try:
                command()
            except Exception as error:  # a bad command must not stop the show
                self.report_failure("command", error, f"command failed: {truncate(str(error), 120)}",
                                    ("bad_input", "command failed"))
        for change in self.clock.poll(now):
            self._on_transport(change)
        self.scheduler.poll(now)
        for component in self._polled:
            component.poll(now)
        if housekeeping_due(now, self._next_publish):
            self._next_publish = next_in_cadence(self._next_publish, self._publish_interval(now), now)
            self.publish(now)

    def _publish_interval(self, now: float) -> float:
        """Telemetry 10 times a second while a reader watches; once a second for nobody (an idle show's CPU).
        A dashboard that attaches gets fresh state within a second, then the fast cadence."""
        reads = self.telemetry.reads
        if reads != self._reads_seen:
            self._reads_seen, self._last_watched = reads, now
        return PUBLISH_INTERVAL if now - self._last_watched <= WATCH_WINDOW else self.unwatched_publish_interval

    def report_failure(self, what: str, error: Exception, message: str, counter: tuple[str, str]) -> None:
        """Something failed mid-show and the show goes on: traceback to the log (once a second per `what`),
        `counter` (topic, name) counted, `message` said.

        Each distinct message is said (a musician's two different mistakes are two lines); the same one
        repeated is held to once a second. The limiter bounds how many kinds it keeps.
        """
        if self.telemetry.limiter.admit(f"engine {what} traceback", "") is not None:
            log.error("%s failed", what, exc_info=error)
        self.telemetry.increment(*counter)
        self.telemetry.event_limited(message, "error", "engine", message, bad_input=False)

    def _handle_midi(self, port: str, data: list[int], t: float) -> None:
        if port == self.clock_port and data and data[0] in REALTIME_CLOCK_BYTES:
            if isinstance(self.clock, MidiClockFollower):
                self.clock.feed(data, t)
            return
        handlers = self._routes.get(port)
        if not handlers:
            return
        try:
            message = mido.Message.from_bytes(data)
        except (ValueError, TypeError, IndexError) as error:
            self.midi_errors += 1
            self.telemetry.increment("midi", "errors")
            self.telemetry.event_limited(f"corrupt midi {port}", "warning", f"midi {port}",
                                         f"dropped corrupt message {bytes(data[:16]).hex(' ')}: {error}")
            return
        for handler in handlers:
            try:
                handler(message, t)
            except Exception as error:
                log.exception("MIDI handler failed")
                self.telemetry.event("error", f"midi {port}", f"handler failed on {message}: {error}")

    def _on_transport(self, change: TransportChange) -> None:
        self.telemetry.event("info", "clock", f"transport {change.kind} at beat {change.beat:g}")
        if change.kind == "stop":
            self.panic()
        for component in self.components:
            try:
                component.on_transport(change)
            except Exception as error:
                log.exception("transport hook failed")
                self.telemetry.event("error", component.name, f"transport hook failed: {error}")

    def next_wakeup(self, now: float) -> float:
        """When `step` must run again even if no input arrives."""
        times = [self.clock.next_wakeup(now), self.scheduler.next_wakeup(now), self._next_publish]
        times.extend(component.next_wakeup(now) for component in self._waking)
        return min(times)

    def panic(self) -> None:
        """Silence every component now, the last added first: responders release their own notes before
        the ports' panic sweeps up what is left (else every sounding note got two note-offs)."""
        for component in reversed(self.components):
            try:
                component.panic()
            except Exception:
                log.exception("panic failed in %s", component.name)

    def shutdown(self) -> None:
        """Panic, then close every component (ports last to go get their note-offs first)."""
        self.panic()
        for component in reversed(self.components):
            try:
                component.close()
            except Exception:
                log.exception("close failed in %s", component.name)
        self.telemetry.event("info", "engine", "show stopped; all notes off")

    def publish(self, now: float) -> None:
        snap = self.clock.snapshot(now)
        self.telemetry.replace("clock", {
            "source": snap.source, "bpm": round(snap.bpm, 3), "beat": snap.beat,
            "bar": snap.bar, "beat_in_bar": snap.beat_in_bar, "transport": snap.transport.value,
            "status": snap.status.value, "jitter_ms_p99": round(snap.jitter_ms_p99, 3),
            "ticks": snap.ticks, "outliers": snap.outliers, "dropped_ticks": snap.dropped_ticks,
            "beats_per_bar": snap.beats_per_bar,
        })
        for component in self.components:
            try:
                component.publish(now)
            except Exception:
                log.exception("publish failed in %s", component.name)
