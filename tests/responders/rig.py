"""A show with responders on in-memory ports, run in virtual time (120 BPM internal clock: beat b at START + b/2 s)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bridge.midi.factory import MemoryPorts
from bridge.responders.answer import AnswerRecord
from bridge.responders.loader import with_models
from bridge.responders.responder import Responder
from bridge.responders.worker import ModelledCost, VirtualWorker
from bridge.runner import run_virtual
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import ManualTime

SECONDS_PER_BEAT = 0.5
START = 1 / 48  # the internal clock's first beat lands on its first tick after the start tick


def set_text(model: str = "test:toy", **keys: object) -> str:
    """A set file with one responder `drums` (and whatever keys are given)."""
    keys.setdefault("groove", "none")  # the plain grid unless a test asks for a groove
    lines = ['[clock]', 'source = "internal"', 'bpm = 120.0', '', '[[responders]]', 'name = "drums"',
             f'model = "{model}"']
    for key, value in keys.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"


def note(beat: float, pitch: int = 38, velocity: int = 90, length_beats: float = 0.1,
         port: str = "drumbridge drums in") -> list[tuple[float, str, list[int]]]:
    """A played note as run_virtual inputs (time, port, bytes)."""
    t = START + beat * SECONDS_PER_BEAT
    return [(t, port, [0x99, pitch, velocity]), (t + length_beats * SECONDS_PER_BEAT, port, [0x89, pitch, 0])]


def cc(beat: float, control: int, value: int, port: str = "drumbridge drums in") -> list[tuple[float, str, list[int]]]:
    return [(START + beat * SECONDS_PER_BEAT, port, [0xB0, control, value])]


@dataclass
class Rig:
    """One show in virtual time, with everything the tests look at."""

    show: Show
    time: ManualTime
    ports: MemoryPorts
    answers: list[AnswerRecord] = field(default_factory=list)
    states: list[tuple[float, str]] = field(default_factory=list)

    @property
    def responder(self) -> Responder:
        return self.show.responders[0]

    @property
    def sent(self) -> list[tuple[float, list[int]]]:
        return self.ports.outputs["drumbridge drums out"].sent

    def beat(self, t: float) -> float:
        return self.show.clock.beat_at(t)

    def run(self, until_beat: float, inputs: Iterable[tuple[float, str, list[int]]] = ()) -> None:
        until = START + until_beat * SECONDS_PER_BEAT
        run_virtual(self.show.engine, self.time, until, sorted(inputs, key=lambda x: x[0]))

    def note_ons(self) -> list[tuple[float, int]]:
        """(beat, pitch) of every note-on sent."""
        return [(round(self.beat(t), 6), d[1]) for t, d in self.sent if d[0] & 0xF0 == 0x90 and d[2] > 0]


def make_rig(text: str, cost: ModelledCost | None = None, generators: dict[str, Callable] | None = None,
             worker: object | None = None) -> Rig:
    """Build the show from set-file text; `cost` models generation time (VirtualWorker), or pass `worker`."""
    time = ManualTime()
    ports = MemoryPorts(time)
    show = Show(parse_set(text), ports, time, models=with_models(generators or {}),
                workers=lambda _name: worker if worker is not None else VirtualWorker(cost))  # type: ignore[return-value]
    rig = Rig(show, time, ports)
    for responder in show.responders:
        responder.answer_listeners.append(rig.answers.append)
        responder.add_state_listener(lambda name, state: rig.states.append((round(rig.beat(time()), 3), state)))
    return rig
