"""The OSC namespace written once: what drumbridge sends and what it accepts, for docs, OSCQuery and tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bridge.commands import CommandSpec

READ, WRITE = 1, 2  # OSCQuery ACCESS values: 1 = the value is sent by us, 2 = we accept it

TRANSPORT_WORDS = ("start", "stop", "continue")
RESPONDER_STATES = ("idle", "listening", "generating", "responding")

Range = dict[str, Any] | None  # an OSCQuery RANGE item: {"MIN": .., "MAX": ..} or {"VALS": [...]}, None = unranged

# OSC types, ranges and whether the node has a readable current value, per responder control verb.
# A verb not listed here takes one float per remaining command parameter, unranged and write-only.
RESPONDER_CONTROLS: dict[str, tuple[str, tuple[Range, ...], bool]] = {
    "mute": ("T", (None,), True),
    "temperature": ("f", ({"MIN": 0.05, "MAX": 4.0},), True),
    "temperature_step": ("f", ({"MIN": -1.0, "MAX": 1.0},), False),
    "humanize": ("f", ({"MIN": 0.0, "MAX": 1.0},), True),
    "loop": ("T", (None,), True),
    "mutate": ("", (), False),
    "panic": ("", (), False),
    "bars": ("ii", ({"MIN": 1, "MAX": 16}, {"MIN": 1, "MAX": 16}), True),
    "model": ("s", (None,), True),
}
# Commands whose current value can be read back (OSCQuery VALUE), see bridge/osc/oscquery_values.py.
READABLE_COMMANDS = {"tempo"}
# Other commands whose arguments have known types (the rest take one float per parameter).
COMMAND_TYPES: dict[str, tuple[str, tuple[Range, ...]]] = {
    "tempo": ("f", ({"MIN": 20.0, "MAX": 400.0},)),
    "drum.test": ("ii", ({"MIN": 0, "MAX": 15}, {"MIN": 1, "MAX": 127})),
    "drum.calibrate": ("iiiiiT", ({"MIN": 0, "MAX": 15}, {"MIN": 0, "MAX": 255}, {"MIN": 0, "MAX": 255},
                                  {"MIN": 0, "MAX": 255}, {"MIN": 0, "MAX": 255}, None)),
}


@dataclass(frozen=True)
class AddressSpec:
    """One OSC address: its type tags, direction (OSCQuery ACCESS) and when it is sent or what it does."""

    path: str  # after the prefix, e.g. "/clock/beat"
    types: str  # OSC type tags without the comma; "" for none
    access: int
    description: str
    kind: str = ""  # the target's `send` family for outgoing addresses
    ranges: tuple[Range, ...] = ()  # one per type tag, or () when no argument is ranged


def output_addresses(voices: Iterable[str] = (), responders: Iterable[str] = (),
                     cues: Iterable[tuple[str, str]] = ()) -> list[AddressSpec]:
    """Addresses sent to targets; `cues` are (address, type tags) pairs from the set file."""
    out = [
        AddressSpec("/clock/beat", "ii", READ, "bar and beat (both 1-based) on every quarter note", "clock",
                    ranges=({"MIN": 1}, {"MIN": 1})),
        AddressSpec("/clock/bpm", "f", READ, "tempo, on change and once per bar", "clock",
                    ranges=({"MIN": 20.0, "MAX": 400.0},)),
        AddressSpec("/clock/transport", "s", READ, "start / stop / continue, on change", "clock",
                    ranges=({"VALS": list(TRANSPORT_WORDS)},)),
    ]
    out += [AddressSpec(f"/drum/{v}", "f", READ, f"{v} hit, velocity 0..1", "drum") for v in sorted(set(voices))]
    for name in sorted(set(responders)):
        out.append(AddressSpec(f"/responder/{name}/state", "s", READ, f"{name}'s state, on change", "responder",
                               ranges=({"VALS": list(RESPONDER_STATES)},)))
        out.append(AddressSpec(f"/responder/{name}/note", "if", READ,
                               f"{name}'s answer notes: note, velocity 0..1 (targets with send = notes)", "notes"))
    out += [AddressSpec(address, types, READ, "user cue from the set file", "cue") for address, types in cues]
    return out


def control_addresses(commands: Iterable[CommandSpec], responders: Iterable[str] = (),
                      cues: Iterable[str] = ()) -> list[AddressSpec]:
    """Addresses the control port accepts, for the commands registered in this show."""
    names = {spec.name: spec for spec in commands}
    out: list[AddressSpec] = []
    if "panic" in names:
        out.append(AddressSpec("/panic", "", WRITE, names["panic"].help))
    if "transport" in names:
        out += [AddressSpec(f"/transport/{a}", "", WRITE, f"{a} the internal clock")
                for a in ("start", "stop", "continue")]
    if "osc.cue" in names:
        out += [AddressSpec(f"/cue/{c}", "", WRITE, "fire this cue now") for c in sorted(set(cues))]
    for responder in sorted(set(responders)):
        for spec in sorted(names.values(), key=lambda s: s.name):
            if not spec.name.startswith("responder.") or not spec.params:
                continue
            verb = spec.name.split(".", 1)[1]
            types, ranges, readable = RESPONDER_CONTROLS.get(verb, ("f" * (len(spec.params) - 1), (), False))
            values = ", ".join(spec.params[1:]) or "none"
            out.append(AddressSpec(f"/responder/{responder}/{verb}", types, WRITE | (READ if readable else 0),
                                   f"{spec.help} (values: {values})", ranges=ranges))
            if verb == "mute":
                out.append(AddressSpec(f"/responder/{responder}/unmute", "", WRITE, f"unmute {responder}"))
    known = {"panic", "transport", "osc.cue"}
    for spec in sorted(names.values(), key=lambda s: s.name):
        if spec.name in known or spec.name.startswith("responder."):
            continue
        types, ranges = COMMAND_TYPES.get(spec.name, ("f" * len(spec.params), ()))
        access = WRITE | (READ if spec.name in READABLE_COMMANDS else 0)
        out.append(AddressSpec("/" + spec.name.replace(".", "/"), types, access,
                               f"{spec.help} (arguments: {', '.join(spec.params) or 'none'})", ranges=ranges))
    return out
