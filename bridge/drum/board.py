"""The conversation with the drum board over its serial link: hello, boot and reboot, calibration push,
heartbeat, status, acks, a board that stops answering, and a board whose protocol we refuse.

`Drum` owns one `BoardSession` and asks it whether strikes may go out (`link_state`, `refused`);
everything here runs on the engine thread.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from bridge.component import housekeeping_due, next_in_cadence
from bridge.drum import protocol as p
from bridge.drum.config import DrumConfig
from bridge.drum.motor_state import MotorState
from bridge.drum.silence import SilenceWatch
from bridge.drum.transport import DrumLink, LinkEvent
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource

HELLO_RETRY = 1.0  # seconds: resend HELLO until the board answers (an Uno's bootloader eats ~1.5 s)
BOOT_GRACE = 2.5  # seconds: a boot notice this soon after the port opened is the reset-on-open, not a crash
SILENT_BOARD = 3.0  # seconds without any answer after connecting before it is reported as an error


class BoardSession:
    """Keeps the board's protocol state for one link, and the count of everything that went wrong with it."""

    def __init__(self, config: DrumConfig, transport: DrumLink, telemetry: Telemetry, time_source: TimeSource,
                 motors: list[MotorState], note_map: p.NoteMap) -> None:
        self.config = config
        self.transport = transport
        self.telemetry = telemetry
        self.time = time_source
        self.motors = motors
        self.note_map = note_map
        self.parser = p.ReplyParser()
        self.hello: p.Hello | None = None
        self.boot: p.Boot | None = None
        self.board_status: p.Status | None = None
        self.refused: tuple[int, str] | None = None  # (protocol, firmware) of a board we refuse to drive
        self.errors = 0
        self.last_error = ""
        self.reboots = 0
        self.heartbeats = 0
        self.last_heartbeat: float | None = None
        self.last_reply: float | None = None
        self.boot_grace = BOOT_GRACE
        self.silence = SilenceWatch()
        self.pending_tests: deque[int] = deque()
        self._silent = False  # the open port's board stopped answering (or never did): link_state "silent"
        self._silence_reported = False
        self._heard_this_connection = False
        self._connected_at = -math.inf
        self._next_heartbeat = math.inf
        self._next_hello = math.inf
        self._next_status = math.inf

    @property
    def link_state(self) -> str:
        """The transport's state, except an open port whose board is refused or not answering."""
        if self.transport.state != "connected":
            return self.transport.state
        return "refused" if self.refused else "silent" if self._silent else "connected"

    def start(self, now: float) -> None:
        self.transport.start()
        self._next_heartbeat = now
        self.service(now)

    def send_command(self, data: bytes) -> bool:
        """Send a rig command (test, calibration, save, status); an error when no board can take it."""
        if self.link_state not in ("connected", "silent"):
            state = "not connected" if self.link_state != "refused" else "refused (unknown protocol)"
            self.error(f"drum board {state}; command dropped")
            return False
        return self.transport.send(data)

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
        self.telemetry.event("error", "drum", message)

    def state(self, now: float) -> dict[str, Any]:
        """The link's part of the `drum` telemetry topic."""
        hello, status = self.hello, self.board_status
        return {
            "link_state": self.link_state,
            "port": self.transport.device,
            "serial": self.config.serial,
            "firmware": None if hello is None else hello.version,
            "driver": None if hello is None else hello.driver,
            "heartbeat_age_ms": None if self.last_heartbeat is None else round((now - self.last_heartbeat) * 1e3, 1),
            "reply_age_ms": None if self.last_reply is None else round((now - self.last_reply) * 1e3, 1),
            "errors": self.errors,
            "reboots": self.reboots,
            "last_reset": None if self.boot is None else "+".join(self.boot.reset_causes),
            "last_error": self.last_error or self.transport.stats.last_error,
            "bytes_written": self.transport.stats.bytes_written,
            "board": None if status is None else {"flags": list(status.flags), **status.counters},
        }

    # -- timers ------------------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        """Link events, silence, heartbeat, hello retries and status requests that are due."""
        self.service(now)
        if self.transport.state == "connected" and self.silence.expired(now):
            self._on_silence()
        if housekeeping_due(now, self._next_heartbeat):
            if self.transport.state == "connected" and self.transport.send(bytes((p.ACTIVE_SENSING,))):
                self.heartbeats += 1
                self.last_heartbeat = now
            self._next_heartbeat = next_in_cadence(self._next_heartbeat, p.HEARTBEAT_INTERVAL_S, now)
        if self.transport.state == "connected":
            if now >= self._next_hello and self.hello is None:
                self.transport.send(p.hello())
                self._next_hello = now + HELLO_RETRY
                if not self._silence_reported and now - self._connected_at >= SILENT_BOARD:
                    self._silence_reported = self._silent = True
                    self.error(f"no answer from {self.transport.device} for {SILENT_BOARD:g} s: is the drumbridge "
                               "firmware flashed (make -C firmware flash) and the baud rate right?")
            if now >= self._next_status:
                if not self.refused and self.transport.send(p.status_get()):
                    self.silence.asked(now)
                self._next_status = now + self.config.status_interval_ms / 1000.0

    def next_wakeup(self) -> float:
        """The next timer due while a board is connected; none while searching (the link's reader
        wakes the engine when a board turns up)."""
        if self.transport.state != "connected":
            return math.inf
        return min(self._next_heartbeat, self._next_status, self._next_hello if self.hello is None else math.inf,
                   self.silence.deadline())

    def service(self, now: float | None = None) -> None:
        """Handle what the link saw (connects, disconnects, replies); safe to call any time on the engine thread."""
        now = self.time() if now is None else now
        for event in self.transport.take_events():
            self._on_event(event, now)

    # -- what the link says ------------------------------------------------------------------------
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
            self.pending_tests.clear()
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
                self.error(f"bad bytes from the board: {self.parser.last_error}")

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
        if ack.command == p.CMD_TEST_STRIKE and self.pending_tests:
            motor = self.pending_tests.popleft()
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
            self.error(f"board refused command 0x{ack.command:02x}: {ack.meaning}")

    def _check_protocol(self, protocol: int, version: str) -> bool:
        """False (and the board refused: no notes, no calibration, no commands) for a protocol we do not know."""
        if protocol == p.PROTOCOL_VERSION:
            self.refused = None
            self.silence.arm()
            return True
        if self.refused != (protocol, version):
            self.refused = (protocol, version)
            self.error(f"refusing to drive the board on {self.transport.device}: it speaks drum protocol "
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
            self.error(f"the board has {board_motors} motors; the set file maps notes to motor(s) "
                       f"{', '.join(map(str, missing))}: set [drum] motor_count and the map to match")
        if self.config.map_given() and not missing:
            self.transport.send(p.map_set(self.note_map))
        for state in self.motors[:board_motors]:
            if state.host_owned and state.calibration is not None:  # set file, or drum.calibrate at run time
                self.transport.send(p.cal_set(state.motor, state.calibration))
            else:  # the board's own (EEPROM) timings: read them for the latency
                self.transport.send(p.cal_get(state.motor))
