"""The drum as an engine component: notes in (scheduled or now), strikes out over the serial link.

Runs on the engine thread only. It keeps the link's protocol state (handshake, calibration push,
reboot detection), sends the heartbeat, compensates each motor's mechanical latency by asking the
scheduler to dispatch that much early, and publishes the `drum` telemetry topic.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import mido

from bridge.clock.ephemera import TransportChange
from bridge.commands import Commands
from bridge.component import Component
from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig
from bridge.drum.silence import SilenceWatch
from bridge.drum.transport import DrumLink, LinkEvent
from bridge.scheduler import BeatScheduler, Moment
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

HELLO_RETRY = 1.0  # seconds: resend HELLO until the board answers (an Uno's bootloader eats ~1.5 s)
BOOT_GRACE = 2.5  # seconds: a boot notice this soon after the port opened is the reset-on-open, not a crash
SILENT_BOARD = 3.0  # seconds without any answer after connecting before it is reported as an error
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


@dataclass
class MotorState:
    """Per-motor runtime state for telemetry and the host-side re-strike guard."""

    motor: int
    voice: str
    calibration: p.Calibration | None = None  # as last known (set file or read from the board)
    host_owned: bool = False  # set by the set file or drum.calibrate: pushed on every (re)connect
    last_hit_beat: float | None = None
    last_hit_time: float | None = None
    strikes: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        self.recent: deque[float] = deque()

    @property
    def latency(self) -> float:
        cal = self.calibration or p.Calibration()
        return cal.latency_ms / 1000.0


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
        self.parser = p.ReplyParser()
        self.hit_listeners: list[Callable[[DrumHit], None]] = []
        self.hello: p.Hello | None = None
        self.boot: p.Boot | None = None
        self.board_status: p.Status | None = None
        self.errors = 0
        self.dropped_notes = 0
        self.unmapped = 0
        self.late = 0
        self.reboots = 0
        self.heartbeats = 0
        self.last_heartbeat: float | None = None
        self.last_reply: float | None = None
        self._next_heartbeat = math.inf
        self._next_hello = math.inf
        self._next_status = math.inf
        self._heard_this_connection = False
        self._connected_at = -math.inf
        self._silence_reported = False
        self.silence = SilenceWatch()
        self._silent = False  # the open port's board stopped answering (or never did): link_state "silent"
        self.refused: tuple[int, str] | None = None  # (protocol, firmware) of a board we refuse to drive
        self.boot_grace = BOOT_GRACE
        self._held: list[tuple[float, int, int, int]] = []  # live notes held back: (send time, seq, note, velocity)
        self._held_seq = itertools.count()
        self._pending_tests: deque[int] = deque()
        self._pending_cal: dict[int, p.Calibration] = {}
        self.last_error = ""

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, now: float) -> None:
        self.transport.start()
        self._next_heartbeat = now
        self.service(now)

    def close(self) -> None:
        self.transport.close()

    def panic(self) -> None:
        """Cancel pending strikes and tell the board to stop every motor."""
        self.scheduler.cancel("drum")
        self._held.clear()
        if self.transport.state == "connected" and not self.refused:
            self.transport.send(p.panic())

    def on_transport(self, change: TransportChange) -> None:
        if change.kind == "stop":
            self.scheduler.cancel("drum")

    @property
    def link_state(self) -> str:
        """The transport's state, except an open port whose board is refused or not answering."""
        if self.transport.state != "connected":
            return self.transport.state
        return "refused" if self.refused else "silent" if self._silent else "connected"

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
        if self.refused or not self.transport.send(p.note_on(note, velocity, self.out_channel)):
            self.dropped_notes += 1
            return False
        state.strikes += 1
        state.last_hit_time = now
        state.last_hit_beat = beat
        state.recent.append(now)
        if notify:
            self._notify(DrumHit(state.voice, motor, note, velocity, beat))
        return True

    def _notify(self, hit: DrumHit) -> None:
        for listener in self.hit_listeners:
            try:
                listener(hit)
            except Exception as error:  # noqa: BLE001 - a broken listener must not stop strikes
                self._error(f"hit listener failed: {error}")

    # -- rig commands ----------------------------------------------------------------------------
    def test(self, motor: int, velocity: int = 100) -> None:
        """Test-strike `motor` through the board's SysEx (bypasses the note map)."""
        self._check_motor(motor)
        if self._send(p.test_strike(int(motor), int(velocity))):
            self._pending_tests.append(int(motor))

    def calibrate(self, motor: int, forward_ms: int | None = None, pause_ms: int | None = None,
                  back_ms: int | None = None, latency_ms: int | None = None, save: bool = False) -> None:
        """Change a motor's timings (given fields only), push them, and optionally save to EEPROM."""
        self._check_motor(motor)
        state = self.motors[int(motor)]
        changes = {k: int(v) for k, v in (("forward_ms", forward_ms), ("pause_ms", pause_ms),
                                          ("back_ms", back_ms), ("latency_ms", latency_ms)) if v is not None}
        cal = p.Calibration(**{**(state.calibration or p.Calibration()).__dict__, **changes})
        cal.validate()
        state.calibration = cal
        state.host_owned = True
        self._send(p.cal_set(int(motor), cal))
        if save:
            self._send(p.save())

    def save(self) -> None:
        """Write the board's current calibration and map to its EEPROM."""
        self._send(p.save())

    def reconnect(self) -> None:
        """Drop the port and find the board again."""
        self.transport.reconnect()

    def register_commands(self, commands: Commands) -> None:
        """Add drum.* to the show's command registry."""
        register = commands.register
        register("drum.reconnect", self.reconnect, "close the drum's serial port and find the board again")
        register("drum.test", self.test, "test-strike MOTOR at VELOCITY (1..127) through the board")
        register("drum.calibrate", self.calibrate,
                 "set MOTOR's forward/pause/back/latency ms (given ones only); save=True writes EEPROM")
        register("drum.save", self.save, "save the board's calibration and note map to EEPROM")
        register("drum.status", self.request_status, "read the board's counters now")

    def request_status(self) -> None:
        self._send(p.status_get())

    def _check_motor(self, motor: int) -> None:
        if not 0 <= int(motor) < len(self.motors):
            raise ValueError(f"motor {motor} does not exist (0..{len(self.motors) - 1})")

    def _send(self, data: bytes) -> bool:
        if self.link_state not in ("connected", "silent"):
            state = "not connected" if self.link_state != "refused" else "refused (unknown protocol)"
            self._error(f"drum board {state}; command dropped")
            return False
        return self.transport.send(data)

    # -- link protocol -----------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        self.service(now)
        if self.transport.state == "connected" and self.silence.expired(now):
            self._on_silence()
        while self._held and self._held[0][0] <= now:
            _when, _seq, note, velocity = heapq.heappop(self._held)
            self.hit_now(note, velocity)
        if now >= self._next_heartbeat:
            if self.transport.state == "connected" and self.transport.send(bytes((p.ACTIVE_SENSING,))):
                self.heartbeats += 1
                self.last_heartbeat = now
            # keep the cadence; after a stall, restart it from now instead of catching up in a burst
            self._next_heartbeat += p.HEARTBEAT_INTERVAL_S
            if self._next_heartbeat <= now:
                self._next_heartbeat = now + p.HEARTBEAT_INTERVAL_S
        if self.transport.state == "connected":
            if now >= self._next_hello and self.hello is None:
                self.transport.send(p.hello())
                self._next_hello = now + HELLO_RETRY
                if not self._silence_reported and now - self._connected_at >= SILENT_BOARD:
                    self._silence_reported = self._silent = True
                    self._error(f"no answer from {self.transport.device} for {SILENT_BOARD:g} s: is the drumbridge "
                                "firmware flashed (make -C firmware flash) and the baud rate right?")
            if now >= self._next_status:
                if not self.refused and self.transport.send(p.status_get()):
                    self.silence.asked(now)
                self._next_status = now + self.config.status_interval_ms / 1000.0
        cutoff = now - 60.0
        for state in self.motors:
            while state.recent and state.recent[0] < cutoff:
                state.recent.popleft()

    def next_wakeup(self, now: float) -> float:
        times = [self._next_heartbeat, self._held[0][0] if self._held else math.inf]
        if self.transport.state == "connected":
            times += [self._next_status, self._next_hello if self.hello is None else math.inf,
                      self.silence.deadline()]
        return min(times)

    def service(self, now: float | None = None) -> None:
        """Handle what the link saw (connects, disconnects, replies); safe to call any time on the engine thread."""
        now = self.time() if now is None else now
        for event in self.transport.take_events():
            self._on_event(event, now)

    def _on_event(self, event: LinkEvent, now: float) -> None:
        if event.kind == "connected":
            self.telemetry.event("info", "drum", f"board port {event.device} open; saying hello")
            self.hello = None
            self._heard_this_connection = False
            self._connected_at = now
            self._silence_reported = False
            self.silence.reset()
            self.refused = None
            self.parser = p.ReplyParser()
            self.transport.send(p.hello())
            self._next_hello = now + HELLO_RETRY
            self._next_status = now + self.config.status_interval_ms / 1000.0
        elif event.kind == "disconnected":
            self.errors += 1
            self.hello = None
            self._pending_tests.clear()
            self.telemetry.event("warning", "drum", f"board lost on {event.device}: {event.message}; "
                                 "notes are dropped until it is back")
        else:
            errors_before = self.parser.errors
            self.silence.heard()
            for reply in self.parser.feed(event.data):
                self.last_reply = now
                self._silent = False
                self._on_reply(reply, now)
            if self.parser.errors > errors_before:
                self._error(f"bad bytes from the board: {self.parser.last_error}")

    def _on_reply(self, reply: p.Reply, now: float) -> None:
        if isinstance(reply, p.Boot):
            self._on_boot(reply, now)
        elif isinstance(reply, p.Hello):
            first = self.hello is None
            self.hello = reply
            if not self._check_protocol(reply.protocol, reply.version):
                return
            if first and not self._heard_this_connection:
                self._heard_this_connection = True
                self.telemetry.event("info", "drum", f"board firmware {reply.version} ({reply.driver}, "
                                     f"{reply.motors} motors) on {self.transport.device}")
                self._push_config()
        elif isinstance(reply, p.CalReply):
            if 0 <= reply.motor < len(self.motors) and not self.motors[reply.motor].host_owned:
                self.motors[reply.motor].calibration = reply.calibration
        elif isinstance(reply, p.Status):
            self.board_status = reply
        elif isinstance(reply, p.Ack):
            self._on_ack(reply)

    def _on_boot(self, boot: p.Boot, now: float) -> None:
        self.boot = boot
        self.hello = p.Hello(boot.protocol, boot.version, boot.motors, boot.driver)
        if not self._check_protocol(boot.protocol, boot.version):
            return
        causes = "+".join(boot.reset_causes)
        if self._heard_this_connection and now - self._connected_at > self.boot_grace:
            self.reboots += 1
            self.telemetry.event_limited("drum reboot", "warning", "drum", f"board rebooted ({causes}; EEPROM "
                                         f"{boot.eeprom}); pushing calibration again", bad_input=False)
        else:
            self.telemetry.event_limited("drum boot", "info", "drum", f"board booted ({causes}; EEPROM "
                                         f"{boot.eeprom}), firmware {boot.version}", bad_input=False)
        self._heard_this_connection = True
        self._push_config()

    def _on_ack(self, ack: p.Ack) -> None:
        if ack.command == p.CMD_TEST_STRIKE and self._pending_tests:
            motor = self._pending_tests.popleft()
            if ack.code in p.ACK_REFUSED:
                self.motors[motor].refused += 1
                self.telemetry.event("warning", "drum", f"test strike on motor {motor} {ack.meaning}")
                return
            if ack.ok:
                self.motors[motor].strikes += 1
                self.motors[motor].last_hit_time = self.time()
                return
        if ack.command == p.CMD_SAVE and ack.ok:
            self.telemetry.event("info", "drum", "calibration saved to the board's EEPROM")
        elif not ack.ok:
            self._error(f"board refused command 0x{ack.command:02x}: {ack.meaning}")

    def _check_protocol(self, protocol: int, version: str) -> bool:
        """False (and the board refused: no notes, no calibration, no commands) for a protocol we do not know."""
        if protocol == p.PROTOCOL_VERSION:
            self.refused = None
            self.silence.arm()
            return True
        if self.refused != (protocol, version):
            self.refused = (protocol, version)
            self._error(f"refusing to drive the board on {self.transport.device}: it speaks drum protocol "
                        f"{protocol} (firmware {version}), this drumbridge speaks protocol {p.PROTOCOL_VERSION}; "
                        "no notes or calibration are sent. Flash the matching firmware (make -C firmware flash) "
                        "or run the drumbridge that matches the board")
        return False

    def _on_silence(self) -> None:
        """The board stopped answering: drop the port and find it again, as on an unplug."""
        self._silent = True
        self.silence.reset()
        timeout = self.silence.timeout
        self.telemetry.event("warning", "drum", f"board silent for {timeout:.1f} s: reconnecting")
        self.transport.reconnect(f"board silent for {timeout:.1f} s")

    def _push_config(self) -> None:
        """Send the set file's map and timings; read the calibration of motors the set file leaves alone."""
        board_motors = self.hello.motors if self.hello is not None else len(self.motors)
        missing = sorted({m for m in self.note_map.notes.values() if m >= board_motors})
        if missing:
            self._error(f"the board has {board_motors} motors; the set file maps notes to motor(s) "
                        f"{', '.join(map(str, missing))}: set [drum] motor_count and the map to match")
        if self.config.map_given() and not missing:
            self.transport.send(p.map_set(self.note_map))
        for state in self.motors[:board_motors]:
            if state.host_owned and state.calibration is not None:  # set file, or drum.calibrate at run time
                self.transport.send(p.cal_set(state.motor, state.calibration))
            else:  # the board's own (EEPROM) timings: read them for the latency
                self.transport.send(p.cal_get(state.motor))

    def _error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
        self.telemetry.event("error", "drum", message)

    # -- telemetry -------------------------------------------------------------------------------
    def publish(self, now: float) -> None:
        board = self.board_status
        self.telemetry.replace("drum", {
            "link_state": self.link_state,
            "port": self.transport.device,
            "serial": self.config.serial,
            "firmware": None if self.hello is None else self.hello.version,
            "driver": None if self.hello is None else self.hello.driver,
            "heartbeat_age_ms": None if self.last_heartbeat is None else round((now - self.last_heartbeat) * 1e3, 1),
            "reply_age_ms": None if self.last_reply is None else round((now - self.last_reply) * 1e3, 1),
            "errors": self.errors,
            "dropped_notes": self.dropped_notes,
            "unmapped_notes": self.unmapped,
            "late_notes": self.late,
            "reboots": self.reboots,
            "last_reset": None if self.boot is None else "+".join(self.boot.reset_causes),
            "last_error": self.last_error or self.transport.stats.last_error,
            "bytes_written": self.transport.stats.bytes_written,
            "board": None if board is None else {"flags": list(board.flags), **board.counters},
            "motors": [{
                "motor": s.motor, "voice": s.voice,
                "last_hit": s.last_hit_beat if s.last_hit_beat is not None else s.last_hit_time,
                "hits_per_min": len(s.recent), "strikes": s.strikes, "refused": s.refused,
                "latency_ms": None if s.calibration is None else s.calibration.latency_ms,
            } for s in self.motors],
        })
