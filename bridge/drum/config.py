"""The `[drum]` set-file section: serial port, where notes come from, the note → motor map and timings."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from bridge.config_base import Section
from bridge.drum.protocol import (
    CAL_MAX_INTERVAL_MS,
    CAL_MAX_PHASE_MS,
    DEFAULT_MAP,
    DEFAULT_MOTOR_COUNT,
    MAP_SLOTS,
    VEL_CURVES,
    VEL_MODES,
    Calibration,
    NoteMap,
)
from bridge.midi.spec import PortSpec, existing

# Arduino (2341, 2a03), CH340 clones (1a86:7523), FTDI (0403); "*" matches any product id.
DEFAULT_USB_IDS = ("2341:*", "2a03:*", "1a86:7523", "0403:*")
_USB_ID = re.compile(r"^[0-9a-fA-F]{4}:([0-9a-fA-F]{4}|\*)$")


class MotorConfig(Section):
    """One motor: the notes that strike it and, optionally, its timings (pushed to the board on connect)."""

    motor: int = Field(ge=0, le=15, description="motor index on the board (0 = first H-bridge channel)")
    name: str = Field("", pattern=r"^[A-Za-z0-9_.-]*$", description="voice name for telemetry and OSC")
    notes: list[int] = Field(default_factory=list, description="MIDI notes that strike this motor")
    forward_ms: int | None = Field(None, ge=0, le=CAL_MAX_PHASE_MS, description="drive toward the skin")
    pause_ms: int | None = Field(None, ge=0, le=CAL_MAX_PHASE_MS, description="coast with the stick down")
    back_ms: int | None = Field(None, ge=0, le=CAL_MAX_PHASE_MS, description="drive back")
    latency_ms: int | None = Field(None, ge=0, le=CAL_MAX_PHASE_MS,
                                   description="command → stick on skin; notes are sent this much early")
    min_interval_ms: int | None = Field(None, ge=0, le=CAL_MAX_INTERVAL_MS,
                                        description="strikes closer than this are refused")
    max_on_ms: int | None = Field(None, ge=1, le=CAL_MAX_PHASE_MS, description="longest drive the board allows")
    vel_mode: str | None = Field(None, description=f"one of {', '.join(VEL_MODES)}")
    vel_floor_pct: int | None = Field(None, ge=0, le=100)
    vel_curve: str | None = Field(None, description=f"one of {', '.join(VEL_CURVES)}")

    @field_validator("notes")
    @classmethod
    def _notes_in_range(cls, notes: list[int]) -> list[int]:
        bad = [n for n in notes if not 0 <= n <= 127]
        if bad:
            raise ValueError(f"notes must be 0..127, got {bad}")
        return notes

    @field_validator("vel_mode")
    @classmethod
    def _vel_mode(cls, value: str | None) -> str | None:
        if value is not None and value not in VEL_MODES:
            raise ValueError(f"expected one of {', '.join(VEL_MODES)}")
        return value

    @field_validator("vel_curve")
    @classmethod
    def _vel_curve(cls, value: str | None) -> str | None:
        if value is not None and value not in VEL_CURVES:
            raise ValueError(f"expected one of {', '.join(VEL_CURVES)}")
        return value

    def timings_given(self) -> bool:
        """True when the set file gives any timing, so the board's calibration is overridden."""
        return any(getattr(self, k) is not None for k in Calibration.__dataclass_fields__)

    def calibration(self, base: Calibration | None = None) -> Calibration:
        """The given timings over `base` (the firmware defaults when None)."""
        values = {k: getattr(self, k) for k in Calibration.__dataclass_fields__ if getattr(self, k) is not None}
        return Calibration(**{**(base or Calibration()).__dict__, **values})


class DrumConfig(Section):
    """The robot drum: an Arduino on USB serial that strikes motors on MIDI notes."""

    serial: str = Field("auto", min_length=1, description='"auto" (find the board by USB id) or a device path')
    baud: int = Field(115200, ge=300, le=2_000_000)
    input: str = Field("drumbridge drum in", min_length=1,
                       description="virtual MIDI port Live sends drum notes to, or the name of a responder")
    channel: int | None = Field(None, ge=1, le=16,
                                description="MIDI channel 1..16 listened to and sent on; omitted = any in, 10 out")
    connect: str | None = Field(None, min_length=1,
                                description="read drum notes from this existing MIDI port (exact name or a unique "
                                            "part) instead of creating the virtual port `input`")
    usb_ids: list[str] = Field(default_factory=lambda: list(DEFAULT_USB_IDS),
                               description='"VID:PID" (hex, PID may be *) accepted by serial = "auto"')
    serial_number: str = Field("", description="with serial = auto: only the board with this USB serial number")
    motor_count: int = Field(DEFAULT_MOTOR_COUNT, ge=1, le=7)
    align_live: bool = Field(True, description="hold live notes for faster motors so all land the largest "
                                               "latency after the note (one Track Delay fits every motor)")
    status_interval_ms: int = Field(1000, ge=100, le=60000, description="how often board counters are read")
    motors: list[MotorConfig] = Field(default_factory=list,
                                      description="note map and timings; omitted = board defaults (36 → 0, 38 → 1)")

    @field_validator("usb_ids")
    @classmethod
    def _usb_ids(cls, ids: list[str]) -> list[str]:
        bad = [i for i in ids if not _USB_ID.match(i)]
        if bad:
            raise ValueError(f'USB ids look like "2341:0043" or "2341:*", got {bad}')
        return [i.lower() for i in ids]

    @model_validator(mode="after")
    def _map_fits(self) -> DrumConfig:
        seen_motors: set[int] = set()
        seen_notes: dict[int, int] = {}
        for m in self.motors:
            if m.motor >= self.motor_count:
                raise ValueError(f"motor {m.motor} does not exist: motor_count is {self.motor_count}")
            if m.motor in seen_motors:
                raise ValueError(f"motor {m.motor} is listed twice")
            seen_motors.add(m.motor)
            for note in m.notes:
                if note in seen_notes:
                    raise ValueError(f"note {note} maps to both motor {seen_notes[note]} and motor {m.motor}")
                seen_notes[note] = m.motor
        if len(seen_notes) > MAP_SLOTS:
            raise ValueError(f"the board maps at most {MAP_SLOTS} notes; {len(seen_notes)} given")
        return self

    @property
    def input_spec(self) -> PortSpec:
        """Where live drum notes come from: the existing port `connect`, else the virtual port `input`."""
        return existing(self.connect, self.input)

    def note_map(self) -> NoteMap:
        """The note → motor map (the board's defaults when no motor lists notes)."""
        notes = {n: m.motor for m in self.motors for n in m.notes}
        channel = None if self.channel is None else self.channel - 1
        return NoteMap(notes or dict(DEFAULT_MAP), channel)

    def map_given(self) -> bool:
        """True when the set file defines the map, so it is pushed to the board."""
        return any(m.notes for m in self.motors) or self.channel is not None

    def motor(self, index: int) -> MotorConfig | None:
        return next((m for m in self.motors if m.motor == index), None)

    def voice(self, index: int) -> str:
        """The name shown for motor `index` (kick/snare for the GM defaults)."""
        m = self.motor(index)
        if m is not None and m.name:
            return m.name
        if not any(m.notes for m in self.motors):  # the board's GM defaults
            return {0: "kick", 1: "snare"}.get(index, f"motor{index}")
        return f"motor{index}"
