"""The drum link's byte protocol, mirrored from firmware/drumbridge/src/protocol.h: one table, pure encode/decode.

Plain MIDI note-on bytes strike motors (so hairless-midiserial and the Arduino MIDI library still
work); Active Sensing (0xFE) is the heartbeat; SysEx `F0 7D <command> <data…> F7` carries
hello/version, the boot notice, calibration, the note map, status counters and test strikes.
Every data byte is 7-bit; 14-bit values are two bytes low-7-bits first, 32-bit counters five.
Change a value here only together with the firmware header and PROTOCOL.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROTOCOL_VERSION = 1
BAUD = 115200

NOTE_OFF = 0x80
NOTE_ON = 0x90
SYSEX_START = 0xF0
SYSEX_END = 0xF7
ACTIVE_SENSING = 0xFE
HEARTBEAT_INTERVAL_S = 0.100  # host sends 0xFE this often
HEARTBEAT_TIMEOUT_MS = 300  # firmware: all motors off after this long without a byte
REPLY_TIMEOUT_MS = 1000  # host: link lost when a request waits this long with no byte from the board
SYSEX_ID = 0x7D

# host -> firmware
CMD_HELLO = 0x01
CMD_CAL_GET = 0x02
CMD_CAL_SET = 0x03
CMD_SAVE = 0x04
CMD_STATUS_GET = 0x05
CMD_STATUS_CLEAR = 0x06
CMD_TEST_STRIKE = 0x07
CMD_PANIC = 0x08
CMD_MAP_GET = 0x09
CMD_MAP_SET = 0x0A
CMD_DEFAULTS = 0x0B

# firmware -> host
REPLY_HELLO = 0x41
REPLY_CAL = 0x42
REPLY_STATUS = 0x45
REPLY_MAP = 0x49
REPLY_ACK = 0x60
NOTICE_BOOT = 0x70

ACK_OK = 0x00
ACK_NAMES = {
    0x00: "ok", 0x01: "bad length", 0x02: "bad motor", 0x03: "bad value", 0x04: "unknown command",
    0x05: "busy (EEPROM save in progress)", 0x06: "refused: too soon after the last strike",
    0x07: "refused: would exceed max on-time",
}
ACK_REFUSED = (0x06, 0x07)

DRIVER_NAMES = {0x00: "hbridge", 0x01: "shield-v1"}
RESET_CAUSES = ((0x01, "power-on"), (0x02, "external"), (0x04, "brown-out"), (0x08, "watchdog"))
EEPROM_STATES = {0x00: "loaded", 0x01: "blank (defaults)", 0x02: "bad checksum (defaults)",
                 0x03: "old layout (defaults)"}

CAL_WIRE_LEN = 15
CAL_MAX_PHASE_MS = 1000  # forward, pause, back, latency, max_on
CAL_MAX_INTERVAL_MS = 10000
VEL_MODES = ("time", "pwm", "both", "fixed")
VEL_CURVES = ("linear", "quadratic")

MAP_SLOTS = 8
MAP_WIRE_LEN = 1 + 2 * MAP_SLOTS
CHANNEL_OMNI = 0x7F
MAP_EMPTY = 0x7F

STATUS_FLAGS = ((0x01, "heartbeat_seen"), (0x02, "heartbeat_lost"), (0x04, "fault"), (0x08, "saving"))
STATUS_COUNTERS = ("uptime_ms", "bytes_rx", "notes", "strikes", "refused_too_soon", "refused_max_on",
                   "parse_errors", "heartbeat_losses", "cutoffs", "tx_dropped")

DEFAULT_MOTOR_COUNT = 4
DEFAULT_MAP = {36: 0, 38: 1}  # General MIDI kick and snare, as the firmware ships


class ProtocolError(ValueError):
    """Bytes from the board that do not follow the protocol."""


# ---- value types -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    """One motor's strike timings and protection limits, as the firmware stores them."""

    forward_ms: int = 30
    pause_ms: int = 20
    back_ms: int = 30
    latency_ms: int = 15
    min_interval_ms: int = 90
    max_on_ms: int = 100
    vel_mode: str = "time"
    vel_floor_pct: int = 40
    vel_curve: str = "linear"

    def validate(self) -> None:
        """Raise ValueError naming the first field the firmware would refuse."""
        for name in ("forward_ms", "pause_ms", "back_ms", "latency_ms", "max_on_ms"):
            value = getattr(self, name)
            if not 0 <= value <= CAL_MAX_PHASE_MS:
                raise ValueError(f"{name} must be 0..{CAL_MAX_PHASE_MS}, got {value}")
        if self.max_on_ms == 0:
            raise ValueError("max_on_ms must be at least 1")
        if not 0 <= self.min_interval_ms <= CAL_MAX_INTERVAL_MS:
            raise ValueError(f"min_interval_ms must be 0..{CAL_MAX_INTERVAL_MS}, got {self.min_interval_ms}")
        if self.vel_mode not in VEL_MODES:
            raise ValueError(f"vel_mode must be one of {', '.join(VEL_MODES)}, got {self.vel_mode!r}")
        if self.vel_curve not in VEL_CURVES:
            raise ValueError(f"vel_curve must be one of {', '.join(VEL_CURVES)}, got {self.vel_curve!r}")
        if not 0 <= self.vel_floor_pct <= 100:
            raise ValueError(f"vel_floor_pct must be 0..100, got {self.vel_floor_pct}")


@dataclass(frozen=True)
class NoteMap:
    """Which note strikes which motor (at most MAP_SLOTS notes), and the channel listened to."""

    notes: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_MAP))
    channel: int | None = None  # 0..15, None = omni


@dataclass(frozen=True)
class Hello:
    """The board's identity: answer to HELLO."""

    protocol: int
    version: str
    motors: int
    driver: str


@dataclass(frozen=True)
class Boot:
    """Sent once after every reset: identity, why it reset, and what EEPROM held."""

    protocol: int
    version: str
    reset_causes: tuple[str, ...]
    eeprom: str
    motors: int
    driver: str


@dataclass(frozen=True)
class CalReply:
    motor: int
    calibration: Calibration


@dataclass(frozen=True)
class MapReply:
    note_map: NoteMap


@dataclass(frozen=True)
class Status:
    """The firmware's flags, active motors and counters."""

    flags: tuple[str, ...]
    active_motors: tuple[int, ...]
    counters: dict[str, int]


@dataclass(frozen=True)
class Ack:
    """The answer to every command that returns no data."""

    command: int
    code: int

    @property
    def ok(self) -> bool:
        return self.code == ACK_OK

    @property
    def meaning(self) -> str:
        return ACK_NAMES.get(self.code, f"code 0x{self.code:02x}")


Reply = Hello | Boot | CalReply | MapReply | Status | Ack


# ---- 7-bit packing -------------------------------------------------------------------------------
def pack14(value: int) -> bytes:
    """A 0..16383 value as two 7-bit bytes, low first."""
    if not 0 <= value < 1 << 14:
        raise ValueError(f"{value} does not fit in 14 bits")
    return bytes((value & 0x7F, value >> 7))


def unpack14(data: bytes) -> int:
    return (data[0] & 0x7F) | ((data[1] & 0x7F) << 7)


def unpack32(data: bytes) -> int:
    return sum((data[i] & 0x7F) << (7 * i) for i in range(5)) & 0xFFFFFFFF


def pack32(value: int) -> bytes:
    return bytes((value >> (7 * i)) & 0x7F for i in range(5))


def _version(data: bytes) -> str:
    return f"{data[0]}.{data[1]}.{data[2]}"


# ---- host -> firmware ----------------------------------------------------------------------------
def sysex(command: int, data: bytes = b"") -> bytes:
    """One framed SysEx message to the board."""
    if any(b > 0x7F for b in data) or command > 0x7F:
        raise ValueError("SysEx data bytes must be 0..127")
    return bytes((SYSEX_START, SYSEX_ID, command)) + data + bytes((SYSEX_END,))


def note_on(note: int, velocity: int, channel: int = 9) -> bytes:
    """A plain MIDI note-on (channel 0..15; 9 is the General MIDI drum channel)."""
    if not (0 <= note <= 127 and 1 <= velocity <= 127 and 0 <= channel <= 15):
        raise ValueError(f"bad note-on: note={note} velocity={velocity} channel={channel}")
    return bytes((NOTE_ON | channel, note, velocity))


def encode_calibration(cal: Calibration) -> bytes:
    cal.validate()
    return (pack14(cal.forward_ms) + pack14(cal.pause_ms) + pack14(cal.back_ms) + pack14(cal.latency_ms)
            + pack14(cal.min_interval_ms) + pack14(cal.max_on_ms)
            + bytes((VEL_MODES.index(cal.vel_mode), cal.vel_floor_pct, VEL_CURVES.index(cal.vel_curve))))


def decode_calibration(data: bytes) -> Calibration:
    if len(data) != CAL_WIRE_LEN:
        raise ProtocolError(f"calibration is {CAL_WIRE_LEN} bytes, got {len(data)}")
    if data[12] >= len(VEL_MODES) or data[14] >= len(VEL_CURVES):
        raise ProtocolError(f"calibration has unknown velocity mode/curve {data[12]}/{data[14]}")
    return Calibration(unpack14(data[0:2]), unpack14(data[2:4]), unpack14(data[4:6]), unpack14(data[6:8]),
                       unpack14(data[8:10]), unpack14(data[10:12]), VEL_MODES[data[12]], data[13],
                       VEL_CURVES[data[14]])


def encode_map(note_map: NoteMap) -> bytes:
    if len(note_map.notes) > MAP_SLOTS:
        raise ValueError(f"the board holds at most {MAP_SLOTS} notes, got {len(note_map.notes)}")
    out = bytearray((CHANNEL_OMNI if note_map.channel is None else note_map.channel,))
    for note, motor in sorted(note_map.notes.items()):
        out += bytes((note, motor))
    while len(out) < MAP_WIRE_LEN:
        out += bytes((0, MAP_EMPTY))
    return bytes(out)


def decode_map(data: bytes) -> NoteMap:
    if len(data) != MAP_WIRE_LEN:
        raise ProtocolError(f"note map is {MAP_WIRE_LEN} bytes, got {len(data)}")
    notes = {data[1 + 2 * i]: data[2 + 2 * i] for i in range(MAP_SLOTS) if data[2 + 2 * i] != MAP_EMPTY}
    return NoteMap(notes, None if data[0] == CHANNEL_OMNI else data[0])


def hello() -> bytes:
    return sysex(CMD_HELLO)


def cal_get(motor: int) -> bytes:
    return sysex(CMD_CAL_GET, bytes((motor,)))


def cal_set(motor: int, cal: Calibration) -> bytes:
    return sysex(CMD_CAL_SET, bytes((motor,)) + encode_calibration(cal))


def save() -> bytes:
    return sysex(CMD_SAVE)


def status_get() -> bytes:
    return sysex(CMD_STATUS_GET)


def status_clear() -> bytes:
    return sysex(CMD_STATUS_CLEAR)


def test_strike(motor: int, velocity: int) -> bytes:
    if not 1 <= velocity <= 127:
        raise ValueError(f"velocity must be 1..127, got {velocity}")
    return sysex(CMD_TEST_STRIKE, bytes((motor, velocity)))


def panic() -> bytes:
    return sysex(CMD_PANIC)


def map_get() -> bytes:
    return sysex(CMD_MAP_GET)


def map_set(note_map: NoteMap) -> bytes:
    return sysex(CMD_MAP_SET, encode_map(note_map))


def defaults() -> bytes:
    return sysex(CMD_DEFAULTS)


# ---- firmware -> host ----------------------------------------------------------------------------
def decode_reply(command: int, data: bytes) -> Reply:
    """One SysEx body from the board (after F0 7D, before F7) as a value; ProtocolError if malformed."""
    def need(n: int, what: str) -> None:
        if len(data) != n:
            raise ProtocolError(f"{what} reply must carry {n} data bytes, got {len(data)}")

    if command == REPLY_HELLO:
        need(6, "hello")
        return Hello(data[0], _version(data[1:4]), data[4], DRIVER_NAMES.get(data[5], f"driver {data[5]}"))
    if command == NOTICE_BOOT:
        need(8, "boot notice")
        causes = tuple(name for bit, name in RESET_CAUSES if data[4] & bit) or ("unknown",)
        return Boot(data[0], _version(data[1:4]), causes, EEPROM_STATES.get(data[5], f"state {data[5]}"),
                    data[6], DRIVER_NAMES.get(data[7], f"driver {data[7]}"))
    if command == REPLY_CAL:
        need(1 + CAL_WIRE_LEN, "calibration")
        return CalReply(data[0], decode_calibration(data[1:]))
    if command == REPLY_MAP:
        need(MAP_WIRE_LEN, "note map")
        return MapReply(decode_map(data))
    if command == REPLY_STATUS:
        need(2 + 5 * len(STATUS_COUNTERS), "status")
        flags = tuple(name for bit, name in STATUS_FLAGS if data[0] & bit)
        active = tuple(m for m in range(7) if data[1] & (1 << m))
        counters = {name: unpack32(data[2 + 5 * i:7 + 5 * i]) for i, name in enumerate(STATUS_COUNTERS)}
        return Status(flags, active, counters)
    if command == REPLY_ACK:
        need(2, "ack")
        return Ack(data[0], data[1])
    raise ProtocolError(f"unknown reply 0x{command:02x}")


class ReplyParser:
    """Splits the byte stream from the board into replies; garbage between frames is counted, not fatal."""

    MAX_FRAME = 128

    def __init__(self) -> None:
        self._frame: bytearray | None = None
        self.errors = 0
        self.last_error = ""
        self.foreign = 0  # bytes outside our SysEx frames (the board only ever sends SysEx)

    def feed(self, data: bytes) -> list[Reply]:
        """Every complete reply in `data` (partial frames wait for the next call)."""
        replies: list[Reply] = []
        for byte in data:
            if byte >= 0xF8:  # realtime bytes may appear anywhere and carry nothing for us
                continue
            if byte == SYSEX_START:
                if self._frame is not None:
                    self._error("frame cut short by a new F0")
                self._frame = bytearray()
            elif byte == SYSEX_END and self._frame is not None:
                frame, self._frame = bytes(self._frame), None
                reply = self._decode(frame)
                if reply is not None:
                    replies.append(reply)
            elif self._frame is not None:
                if byte > 0x7F:
                    self._error(f"status byte 0x{byte:02x} inside a frame")
                    self._frame = None
                elif len(self._frame) >= self.MAX_FRAME:
                    self._error("frame too long")
                    self._frame = None
                else:
                    self._frame.append(byte)
            else:
                self.foreign += 1
        return replies

    def _decode(self, frame: bytes) -> Reply | None:
        if len(frame) < 2 or frame[0] != SYSEX_ID:
            self._error(f"SysEx not from a drumbridge board: {frame[:4].hex(' ')}")
            return None
        try:
            return decode_reply(frame[1], frame[2:])
        except ProtocolError as error:
            self._error(str(error))
            return None

    def _error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
