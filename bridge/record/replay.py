"""Replay a record in virtual time: the same show, on in-memory ports, with modelled generation time.

Inputs are delivered at their recorded times; the model runs for real but is taken to finish
`gen_ms` after the call closed, so deadlines are met or missed the same way on every run and on
every machine. What comes out (answers and every outgoing message of every responder) is returned
with a digest, so two replays can be compared at a glance.
"""

from __future__ import annotations

import hashlib
import json
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.midi.factory import MemoryPorts, OutputPort, PortFactory, PortName, as_spec
from bridge.record.format import Record
from bridge.responders.answer import AnswerRecord
from bridge.responders.worker import VirtualWorker, fixed_cost
from bridge.runner import run_virtual
from bridge.setfile import ShowConfig, parse_set
from bridge.show import Show
from bridge.timebase import ManualTime


@dataclass
class ReplayResult:
    """Everything the responders played, in order."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # {"t", "beat", "port", "data"}
    late: int = 0

    def lines(self) -> list[str]:
        """JSON Lines: answers then outgoing messages (the file `--out` writes)."""
        return [json.dumps({"answer": a}, sort_keys=True) for a in self.answers] + \
               [json.dumps({"out": m}, sort_keys=True) for m in self.messages]

    @property
    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.lines()).encode()).hexdigest()


def with_seed(config: ShowConfig, seed: int | None) -> ShowConfig:
    """The show with every responder's seed replaced (to hear what another seed would have played)."""
    if seed is None:
        return config
    responders = [r.model_copy(update={"seed": seed}) for r in config.responders]
    return config.model_copy(update={"responders": responders})


def offline(config: ShowConfig) -> ShowConfig:
    """The show with nothing that reaches outside this process: no OSC targets or control port, no drum serial.

    A replay is a rehearsal tool: it must not cue the video machine or strike the drum unless asked (--live).
    """
    osc = config.osc.model_copy(update={"targets": (), "cues": (), "listen": None})
    return config.model_copy(update={"osc": osc, "drum": None})


class PacedTime(ManualTime):
    """Virtual time that waits for the wall clock before each jump: a replay at the recorded speed (--live)."""

    def __init__(self, start: float = 0.0) -> None:
        super().__init__(start)
        self._origin = _time.monotonic() - start

    def set(self, t: float) -> None:
        while (wait := self._origin + t - _time.monotonic()) > 0:
            _time.sleep(min(wait, 0.05))  # real time is the point of a live replay
        super().set(t)


def replay(record: Record, gen_ms: float = 5.0, seed: int | None = None, live: bool = False,
           live_ports: Callable[[ManualTime], PortFactory] | None = None) -> ReplayResult:
    """Run `record` in virtual time and collect what the responders' ports played (panic and cuts included).

    Offline (the default) nothing leaves this process: in-memory MIDI ports, no OSC targets, no drum.
    `live` keeps the set's OSC targets and drum, runs at the recorded speed, and plays on
    `live_ports(time)` (real MIDI ports) when given.
    """
    config = with_seed(parse_set(record.set_text, record.set_path or "<record>"), seed)
    if not live:
        config = offline(config)
    # the engine starts at 0, as the recorded show did; earlier messages arrive at once
    time: ManualTime = PacedTime(0.0) if live else ManualTime(0.0)
    ports: PortFactory = MemoryPorts(time) if not (live and live_ports) else live_ports(time)
    result = ReplayResult()
    outputs = {r.output_port for r in config.responders}
    open_output = ports.open_output

    def open_tapped(spec: PortName) -> OutputPort:
        """Every message the port sends (answers, cuts, panic at Stop), as a synth on it hears them."""
        port = open_output(spec)
        name = as_spec(spec).name
        if name in outputs:
            send = port.send

            def sending(data: list[int]) -> None:
                t = time()
                result.messages.append({"t": round(t, 9), "beat": round(show.clock.beat_at(t), 6), "port": name,
                                        "data": list(data)})
                send(data)
            port.send = sending  # type: ignore[method-assign]
        return port
    ports.open_output = open_tapped  # type: ignore[method-assign, assignment]
    show = Show(config, ports, time, workers=lambda _name: VirtualWorker(fixed_cost(gen_ms)))

    def on_answer(answer: AnswerRecord) -> None:
        result.late += answer.late
        result.answers.append({"responder": answer.responder, "index": answer.index,
                               "beat": answer.start_beat, "source": answer.source,
                               "late": answer.late, "phrase": answer.answer.to_json()})

    for responder in show.responders:
        responder.answer_listeners.append(on_answer)
    inputs = [(m.t, m.port, list(m.data)) for m in record.messages]
    run_virtual(show.engine, time, record.end, inputs)
    show.engine.shutdown()
    return result
