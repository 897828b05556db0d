"""Replay a record in virtual time: the same show, on in-memory ports, with modelled generation time.

Inputs are delivered at their recorded times; the model runs for real but is taken to finish
`gen_ms` after the call closed, so deadlines are met or missed the same way on every run and on
every machine. What comes out (answers and every outgoing message of every responder) is returned
with a digest, so two replays can be compared at a glance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.midi.factory import MemoryPorts
from bridge.record.format import Record
from bridge.responders.responder import AnswerRecord
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


def replay(record: Record, gen_ms: float = 5.0, seed: int | None = None) -> ReplayResult:
    """Run `record` in virtual time and collect what the responders played."""
    config = with_seed(parse_set(record.set_text, record.set_path or "<record>"), seed)
    time = ManualTime(0.0)  # the engine starts at 0, as the recorded show did; earlier messages arrive at once
    ports = MemoryPorts(time)
    show = Show(config, ports, time)
    result = ReplayResult()

    def on_answer(answer: AnswerRecord) -> None:
        result.late += answer.late
        result.answers.append({"responder": answer.responder, "index": answer.index,
                               "beat": answer.start_beat, "source": answer.source,
                               "late": answer.late, "phrase": answer.answer.to_json()})

    def tap(port: str, send: Callable[[list[int]], None]) -> Callable[[list[int]], None]:
        def sending(data: list[int]) -> None:
            t = time()
            result.messages.append({"t": round(t, 9), "beat": round(show.clock.beat_at(t), 6), "port": port,
                                    "data": list(data)})
            send(data)
        return sending

    for responder in show.responders:
        responder.use_worker(VirtualWorker(fixed_cost(gen_ms)))
        responder.answer_listeners.append(on_answer)
        responder.send = tap(responder.config.output_port, responder.send)
    inputs = [(m.t, m.port, list(m.data)) for m in record.messages]
    run_virtual(show.engine, time, record.end, inputs)
    show.engine.shutdown()
    return result
