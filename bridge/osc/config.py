"""The `[osc]` table of a set file: targets, sections, cues and the control port, as frozen validated models."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from bridge.config_base import Section

NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"  # safe inside an OSC address (no spaces, no pattern characters)
ADDRESS_PATTERN = r"^/[^\s#*,?\[\]{}]*$"

# What a target can ask for; "notes" (every answer note of every responder) is off unless asked.
SendKind = Literal["clock", "drum", "responder", "notes", "cue"]
DEFAULT_SEND: tuple[SendKind, ...] = ("clock", "drum", "responder", "cue")


class OscTargetConfig(Section):
    """One OSC receiver (VDMX on this machine, a second video machine on the LAN)."""

    name: str = Field(min_length=1, pattern=NAME_PATTERN)
    host: str = Field(min_length=1, description="IP address or host name (resolved off the engine thread)")
    port: int = Field(ge=1, le=65535)
    prefix: str = Field("/drumbridge", pattern=ADDRESS_PATTERN)
    latency_ms: float = Field(0.0, ge=0.0, le=1000.0,
                              description="send this much early to hide the receiver's own video latency")
    send: tuple[SendKind, ...] = Field(DEFAULT_SEND, description="which message families this target gets")
    bundles: bool = Field(False, description="wrap each message in an OSC bundle whose time tag is the "
                                             "musical time it belongs to (for receivers that honour time tags)")


class ArgMap(Section):
    """A cue argument taken from the event that fired the cue (velocity, note, bar, state, ...)."""

    map: Literal["velocity", "note", "bar", "beat", "beat_in_bar", "bpm", "state", "source"]
    to: tuple[float, float] | None = Field(
        None, description="scale linearly into this range (velocity and note come as 0..127)")
    values: dict[str, int | float | str] | None = Field(
        None, description="look the value up in this table (e.g. a responder state → a number)")
    type: Literal["int", "float", "string"] | None = Field(None, description="convert the result")
    default: int | float | str = Field(0, description="used when the event has no such value (cue fired by hand)")


def _arg_kind(value: Any) -> str:
    return "mapped" if isinstance(value, dict | ArgMap) else "literal"


# A literal (sent as given) or a table mapping a value of the triggering event; one clear error either way.
CueArg = Annotated[Annotated[ArgMap, Tag("mapped")] | Annotated[bool | int | float | str, Tag("literal")],
                   Discriminator(_arg_kind)]


class BarTrigger(Section):
    """Fire at a bar/beat: once at a bar, every N bars, optionally within a section."""

    bar: int = Field(1, ge=1, description="first bar (1-based; within the section when one is named)")
    every_bars: int | None = Field(None, ge=1, description="repeat every N bars after `bar`")
    until_bar: int | None = Field(None, ge=1, description="last bar it may fire on (same numbering as `bar`)")
    beat: float = Field(1.0, ge=1.0, description="beat within the bar, 1-based (1.5 = the and of one)")
    section: str | None = Field(None, description="name of an [[osc.sections]] entry")

    @model_validator(mode="after")
    def _order(self) -> BarTrigger:
        if self.until_bar is not None and self.until_bar < self.bar:
            raise ValueError(f"until_bar ({self.until_bar}) is before bar ({self.bar})")
        return self


class NoteTrigger(Section):
    """Fire on a note from a MIDI input port or a responder's answer, within a note and velocity range."""

    source: str = Field("*", min_length=1, description="input port name, responder name, or * for any")
    notes: tuple[int, int] = Field((0, 127), description="lowest and highest note, inclusive")
    velocity: tuple[int, int] = Field((1, 127), description="lowest and highest velocity, inclusive")

    @field_validator("notes", "velocity")
    @classmethod
    def _range(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if not (0 <= low <= high <= 127):
            raise ValueError(f"must be [low, high] with 0 <= low <= high <= 127, got {list(value)}")
        return value


class StateTrigger(Section):
    """Fire when a responder enters a state."""

    responder: str = Field("*", min_length=1, description="responder name, or * for any")
    states: tuple[str, ...] = Field(min_length=1, description="states that fire it, e.g. [\"responding\"]")


class CueConfig(Section):
    """A user cue: one trigger (`at`, `note` or `state`) and the OSC message it sends."""

    name: str = Field(min_length=1, pattern=NAME_PATTERN)
    address: str | None = Field(None, pattern=ADDRESS_PATTERN,
                                description="address after the target prefix; default /cue/<name>")
    args: tuple[CueArg, ...] = ()
    targets: tuple[str, ...] | None = Field(None, description="target names; default every target sending cues")
    at: BarTrigger | None = None
    note: NoteTrigger | None = None
    state: StateTrigger | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> CueConfig:
        given = [k for k in ("at", "note", "state") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"cue {self.name!r}: give one trigger, not {' and '.join(given)}")
        return self

    @property
    def osc_address(self) -> str:
        """The address sent, after the target's prefix."""
        return self.address or f"/cue/{self.name}"


class SongSection(Section):
    """A named part of the song (verse, chorus) at one or more start bars, for bar cues inside it."""

    name: str = Field(min_length=1, pattern=NAME_PATTERN)
    starts: tuple[int, ...] = Field(min_length=1, description="1-based bars where the section begins")
    bars: int = Field(ge=1, description="length in bars")

    @field_validator("starts")
    @classmethod
    def _positive(cls, starts: tuple[int, ...]) -> tuple[int, ...]:
        if any(s < 1 for s in starts):
            raise ValueError("start bars are 1-based")
        return tuple(sorted(starts))


class OscListenConfig(Section):
    """OSC control in: mute, panic, temperature, cues, transport. Localhost unless the set file opens it."""

    host: str = Field("127.0.0.1", min_length=1, description="an IP address of this machine; 0.0.0.0 opens "
                                                          "control to the LAN")
    port: int = Field(9001, ge=1, le=65535)
    prefix: str = Field("/drumbridge", pattern=ADDRESS_PATTERN)
    oscquery_port: int | None = Field(None, ge=1, le=65535,
                                      description="serve the OSCQuery JSON description over HTTP here")
    allow_calibration: bool = Field(False, description="let OSC control change motor calibration and write "
                                                       "the board's EEPROM (drum/calibrate, drum/save)")
    advertise: bool = Field(True, description="announce the OSCQuery server with Bonjour/Zeroconf on the "
                                              "listen host's interface (needs the zeroconf package)")

    @field_validator("host")
    @classmethod
    def _address(cls, host: str) -> str:
        # An address, not a name: binding must not wait on DNS when the show starts.
        if host == "localhost":
            return "127.0.0.1"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"must be an IP address such as 127.0.0.1 or 0.0.0.0, got {host!r}") from None
        return host


class OscConfig(Section):
    """OSC out (targets, cues) and OSC control in."""

    targets: tuple[OscTargetConfig, ...] = ()
    sections: tuple[SongSection, ...] = ()
    cues: tuple[CueConfig, ...] = ()
    listen: OscListenConfig | None = None

    @model_validator(mode="after")
    def _references(self) -> OscConfig:
        problems: list[str] = []
        for kind, names in (("target", [t.name for t in self.targets]), ("section", [s.name for s in self.sections]),
                            ("cue", [c.name for c in self.cues])):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                problems.append(f"{kind} names must be unique; repeated: {', '.join(repeated)}")
        targets = {t.name for t in self.targets}
        sections = {s.name for s in self.sections}
        for cue in self.cues:
            unknown = [t for t in cue.targets or () if t not in targets]
            if unknown:
                problems.append(f"cue {cue.name!r}: unknown target(s) {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(targets)) or 'none'}")
            if cue.at is not None and cue.at.section is not None and cue.at.section not in sections:
                problems.append(f"cue {cue.name!r}: unknown section {cue.at.section!r}; "
                                f"known: {', '.join(sorted(sections)) or 'none'}")
        if problems:
            raise ValueError("; ".join(problems))
        return self
