"""The drum as an engine component: notes in (scheduled or now), strikes out over the serial link.

Runs on the engine thread only. Strikes are sent early by each motor's mechanical latency (the
scheduler dispatches them that much ahead); the conversation with the board (handshake, calibration
push, reboots, heartbeat) is the `BoardSession`'s. Publishes the `drum` telemetry topic.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mido

from bridge.clock.ephemera import TransportChange
from bridge.commands import Commands
from bridge.component import Component
from bridge.drum import protocol as p
from bridge.drum.board import BoardSession
from bridge.drum.config import DrumConfig
from bridge.drum.motor_state import MotorState
from bridge.drum.rig import RigCommands
from bridge.drum.transport import DrumLink
from bridge.scheduler import BeatScheduler, Moment
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

__all__ = ["Drum", "DrumHit", "MotorState"]
LATE_LIMIT = 0.050  # seconds: a scheduled strike dispatched later than this is dropped, not played off-beat
GM_DRUM_CHANNEL = 9


@dataclass(frozen=True)
class DrumHit:
    """A strike that was scheduled or sent: handed to hit listeners (OSC, recorder)."""

    voice: str
    motor: int
    note: int
    velocity: int
    beat: float | None  # musical position it lands on (None for live input outside a running clock)


class Drum(Component):
    """The robot drum. Public API for other parts of the show (all on the engine thread):

    - `play(note, velocity, beat)`: strike `note` so the stick lands on musical position `beat`
      (sent early by the motor's latency through the scheduler);
    - `hit_now(note, velocity)`: strike as soon as possible (live input);
    - `hit_listeners`: callables receiving a `DrumHit` per note: for `play` when it is scheduled (ahead of
      its beat, so OSC can send early for the video), for `hit_now` when it is sent (OSC hooks in here).
    """

    name = "drum"

    def __init__(self, config: DrumConfig, scheduler: BeatScheduler, transport: DrumLink,
                 telemetry: Telemetry, time_source: TimeSource) -> None:
        self.config = config
        self.scheduler = scheduler
        self.transport = transport
        self.telemetry = telemetry
        self.time = time_source
        self.note_map = config.note_map()
        self.out_channel = GM_DRUM_CHANNEL if config.channel is None else config.channel - 1
        self.motors = [MotorState(m, config.voice(m)) for m in range(config.motor_count)]
        for m in config.motors:
            if m.timings_given():
                self.motors[m.motor].calibration = m.calibration()
                self.motors[m.motor].host_owned = True
        self.board = BoardSession(config, transport, telemetry, time_source, self.motors, self.note_map)
        self.rig = RigCommands(self.board, self.motors)
        self.hit_listeners: list[Callable[[DrumHit], None]] = []
        self.dropped_notes = 0
        self.unmapped = 0
        self.late = 0
        self._held: list[tuple[float, int, int, int]] = []  # live notes held back: (send time, seq, note, velocity)
        self._held_seq = itertools.count()

    # -- what the board session knows --------------------------------------------------------------
    @property
    def link_state(self) -> str:
        """The transport's state, except an open port whose board is refused or not answering."""
        return self.board.link_state

    @property
    def errors(self) -> int:
        return self.board.errors

    @property
    def last_error(self) -> str:
        return self.board.last_error

    @property
    def reboots(self) -> int:
        return self.board.reboots

    def service(self, now: float | None = None) -> None:
        """Handle what the link saw (connects, disconnects, replies); safe to call any time on the engine thread."""
        self.board.service(now)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, now: float) -> None:
        self.board.start(now)

    def close(self) -> None:
        self.transport.close()

    def panic(self) -> None:
        """Cancel pending strikes and tell the board to stop every motor."""
        self.scheduler.cancel("drum")
        self._held.clear()
        if self.transport.state == "connected" and not self.board.refused:
            self.transport.send(p.panic())

    def on_transport(self, change: TransportChange) -> None:
        if change.kind == "stop":
            self.scheduler.cancel("drum")

    # -- notes -----------------------------------------------------------------------------------
    def motor_for(self, note: int) -> int | None:
        """The motor `note` strikes, or None when the map does not list it."""
        return self.note_map.notes.get(note)

    def play(self, note: int, velocity: int, beat: float) -> bool:
        """Strike `note` so it lands at `beat`: scheduled early by the motor's latency. False if unmapped."""
        motor = self.motor_for(note)
        if motor is None or velocity <= 0:
            self.unmapped += motor is None
            return False
        velocity = min(int(velocity), 127)
        state = self.motors[motor]

        def strike(moment: Moment) -> None:
            if moment.lateness > LATE_LIMIT:
                self.late += 1
                self.dropped_notes += 1
                return
            self._strike(motor, note, velocity, moment.actual_time, beat, notify=False)

        self.scheduler.schedule(beat, strike, latency=state.latency, tag="drum")
        # listeners hear it now, ahead of the beat, so OSC can apply its own look-ahead for the video
        self._notify(DrumHit(state.voice, motor, note, velocity, beat))
        return True

    def hit_now(self, note: int, velocity: int) -> bool:
        """Strike `note` at once (live input); False when unmapped, refused or dropped."""
        motor = self.motor_for(note)
        if motor is None or velocity <= 0:
            self.unmapped += motor is None
            return False
        now = self.time()
        beat = None
        if self.scheduler.clock.transport.value != "stopped":
            beat = self.scheduler.clock.beat_at(now + self.motors[motor].latency)
        return self._strike(motor, note, min(int(velocity), 127), now, beat)

    def on_midi(self, message: mido.Message, t: float) -> None:
        """Handler for the drum input port: note-ons strike now (Ableton's Track Delay hides the latency).

        With `align_live`, faster motors are held back so every motor lands the same (largest) latency
        after its note arrived: one Track Delay value then fits them all.
        """
        if message.type != "note_on" or message.velocity == 0:
            return
        if self.config.channel is not None and message.channel != self.config.channel - 1:
            return
        motor = self.motor_for(message.note)
        hold = 0.0 if motor is None or not self.config.align_live else self.live_latency() - self.motors[motor].latency
        if hold > 0.0005:
            heapq.heappush(self._held, (t + hold, next(self._held_seq), message.note, message.velocity))
        else:
            self.hit_now(message.note, message.velocity)

    def live_latency(self) -> float:
        """Seconds from a live note to the stick on the skin: the largest latency of the mapped motors."""
        return max((self.motors[m].latency for m in set(self.note_map.notes.values())), default=0.0)

    def _strike(self, motor: int, note: int, velocity: int, now: float, beat: float | None,
                notify: bool = True) -> bool:
        state = self.motors[motor]
        cal = state.calibration or p.Calibration()
        if state.last_hit_time is not None and now - state.last_hit_time < cal.min_interval_ms / 1000.0 - 1e-9:
            state.refused += 1  # the board would refuse it too (motor protection)
            return False
        if self.board.refused or not self.transport.send(p.note_on(note, velocity, self.out_channel)):
            self.dropped_notes += 1
            return False
        state.hit(now, beat)
        if notify:
            self._notify(DrumHit(state.voice, motor, note, velocity, beat))
        return True

    def _notify(self, hit: DrumHit) -> None:
        for listener in self.hit_listeners:
            try:
                listener(hit)
            except Exception as error:  # noqa: BLE001 - a broken listener must not stop strikes
                self._error(f"hit listener failed: {error}")

    # -- rig commands (drum.*) ----------------------------------------------------------------------
    def reconnect(self) -> None:
        """Drop the port and find the board again."""
        self.transport.reconnect()

    def register_commands(self, commands: Commands) -> None:
        """Add drum.* to the show's command registry."""
        self.rig.register(commands, self.reconnect)

    def _error(self, message: str) -> None:
        self.board.error(message)

    # -- timers ----------------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        self.board.poll(now)
        while self._held and self._held[0][0] <= now:
            _when, _seq, note, velocity = heapq.heappop(self._held)
            self.hit_now(note, velocity)
        cutoff = now - 60.0
        for state in self.motors:
            while state.recent and state.recent[0] < cutoff:
                state.recent.popleft()

    def next_wakeup(self, now: float) -> float:
        return min(self.board.next_wakeup(), self._held[0][0] if self._held else math.inf)

    # -- telemetry -------------------------------------------------------------------------------
    def publish(self, now: float) -> None:
        self.telemetry.replace("drum", {
            **self.board.state(now),
            "dropped_notes": self.dropped_notes,
            "unmapped_notes": self.unmapped,
            "late_notes": self.late,
            "motors": [{
                "motor": s.motor, "voice": s.voice,
                "last_hit": s.last_hit_beat if s.last_hit_beat is not None else s.last_hit_time,
                "hits_per_min": len(s.recent), "strikes": s.strikes, "refused": s.refused,
                "latency_ms": None if s.calibration is None else s.calibration.latency_ms,
            } for s in self.motors],
        })
