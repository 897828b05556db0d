"""Plain-text lines for each answer, for terminals without the dashboard (next to the beat lines)."""

from __future__ import annotations

import sys
from typing import TextIO

from bridge.responders.answer import AnswerRecord
from bridge.responders.responder import Responder


class AnswerPrinter:
    """Prints `drums: answer 3 from bar 5: model, 14 notes, 12.3 ms, 48.1 ms early` as each answer completes."""

    def __init__(self, beats_per_bar: int, stream: TextIO = sys.stdout) -> None:
        self.beats_per_bar = beats_per_bar
        self.stream = stream

    def attach(self, responders: list[Responder]) -> None:
        for responder in responders:
            responder.answer_listeners.append(self)

    def __call__(self, record: AnswerRecord) -> None:
        bar = int(record.start_beat // self.beats_per_bar) + 1
        timing = ""
        if record.gen_ms is not None and record.margin_ms is not None:
            timing = f", {record.gen_ms:.1f} ms, {record.margin_ms:.1f} ms early"
        self.stream.write(f"{record.responder}: answer {record.index} from bar {bar}: {record.source}, "
                          f"{len(record.answer.notes)} notes{timing}\n")
        self.stream.flush()
