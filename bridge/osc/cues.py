"""User cues: when a bar/beat cue falls, which note or state cues an event fires, and the arguments they carry.

Pure functions over the set-file models, so the musical arithmetic is tested without a clock.
Positions are in beats (quarter notes since song start; bar 1 begins at beat 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from bridge.osc.config import ArgMap, BarTrigger, CueArg, CueConfig, SongSection

EPSILON = 1e-6


def bar_position(bar: int, beat: float, beats_per_bar: int) -> float:
    """Beat position of 1-based `bar` and 1-based `beat` within it."""
    return (bar - 1) * beats_per_bar + (beat - 1.0)


def _first_in_run(first_bar: int, every: int | None, last_bar: int | None, beat: float, beats_per_bar: int,
                  after: float) -> float | None:
    """Earliest position >= `after` among bars first_bar, first_bar+every, ... (<= last_bar)."""
    start = bar_position(first_bar, beat, beats_per_bar)
    if every is None:
        candidate_bar = first_bar
    else:
        step = every * beats_per_bar
        k = max(0, math.ceil((after - start) / step - EPSILON))
        candidate_bar = first_bar + k * every
    if last_bar is not None and candidate_bar > last_bar:
        return None
    position = bar_position(candidate_bar, beat, beats_per_bar)
    return position if position >= after - EPSILON else None


def next_cue_beat(trigger: BarTrigger, sections: Mapping[str, SongSection], beats_per_bar: int,
                  after: float) -> float | None:
    """The first position >= `after` at which a bar trigger fires (None: never again)."""
    if trigger.section is None:
        return _first_in_run(trigger.bar, trigger.every_bars, trigger.until_bar, trigger.beat, beats_per_bar, after)
    section = sections[trigger.section]
    last_local = min(section.bars, trigger.until_bar or section.bars)
    best: float | None = None
    for start in section.starts:
        found = _first_in_run(start + trigger.bar - 1, trigger.every_bars, start + last_local - 1, trigger.beat,
                              beats_per_bar, after)
        if found is not None and (best is None or found < best):
            best = found
    return best


def note_matches(cue: CueConfig, source: str, note: int, velocity: int) -> bool:
    """Whether a note event fires this note cue."""
    trigger = cue.note
    if trigger is None:
        return False
    return ((trigger.source == "*" or trigger.source == source)
            and trigger.notes[0] <= note <= trigger.notes[1]
            and trigger.velocity[0] <= velocity <= trigger.velocity[1])


def state_matches(cue: CueConfig, responder: str, state: str) -> bool:
    """Whether a responder state change fires this state cue."""
    trigger = cue.state
    if trigger is None:
        return False
    return (trigger.responder == "*" or trigger.responder == responder) and state in trigger.states


NATURAL_RANGE = {"velocity": (0.0, 127.0), "note": (0.0, 127.0)}


def map_arg(arg: ArgMap, context: Mapping[str, Any]) -> bool | int | float | str:
    """One mapped cue argument from the event's context (see ArgMap)."""
    value: Any = context.get(arg.map, arg.default)
    if arg.values is not None:
        value = arg.values.get(str(value), arg.default)
    elif arg.to is not None and isinstance(value, int | float) and not isinstance(value, bool):
        low, high = NATURAL_RANGE.get(arg.map, (0.0, 1.0))
        fraction = (float(value) - low) / (high - low) if high != low else 0.0
        value = arg.to[0] + fraction * (arg.to[1] - arg.to[0])
    if arg.type == "int":
        try:
            value = round(float(value))
        except (TypeError, ValueError):
            value = 0
    elif arg.type == "float":
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = 0.0
    elif arg.type == "string":
        value = str(value)
    return value


def cue_args(args: Sequence[CueArg], context: Mapping[str, Any]) -> tuple[Any, ...]:
    """Every argument of a cue: literals as given, ArgMaps filled from `context`."""
    return tuple(map_arg(a, context) if isinstance(a, ArgMap) else a for a in args)
