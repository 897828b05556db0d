"""Recording a live show: ports that copy every incoming message to a recorder, which writes it on the engine thread."""

from __future__ import annotations

import threading
from collections import deque

from bridge.clock.source import ClockSource
from bridge.component import Component
from bridge.midi.factory import InputPort, OutputPort, PortFactory, PortName
from bridge.midi.ports import RawHandler
from bridge.record.format import Message, end_line, header_line, message_line
from bridge.record.sink import LineSink
from bridge.telemetry import Telemetry


class Recorder(Component):
    """Collects (port, bytes, time) from any thread; on the engine thread stamps the beat and writes a line.

    A disk that fails (full, read-only) stops the recording, never the show: one error, and the record
    keeps every whole line written before it.
    """

    name = "recorder"

    def __init__(self, out: LineSink, set_text: str, set_path: str) -> None:
        self.out = out
        self.clock: ClockSource | None = None
        self.telemetry: Telemetry | None = None
        self.messages = 0
        self._queue: deque[tuple[str, list[int], float]] = deque()
        self._t0: float | None = None
        self._lock = threading.Lock()
        self._last = 0.0
        if not out.write([header_line(set_text, set_path)]):
            error = out.error
            raise OSError(error.errno if error else 5, error.strerror if error else "write failed")

    @property
    def failed(self) -> OSError | None:
        """The write error that stopped the recording, if any."""
        return self.out.error

    def capture(self, port: str, data: list[int], t: float) -> None:
        """Called on the port's thread for every incoming message."""
        if self.out.error is None:
            self._queue.append((port, list(data), t))

    def start(self, now: float) -> None:
        self._t0 = now

    def poll(self, now: float) -> None:
        if self._t0 is None:
            return
        self._last = max(self._last, now - self._t0)
        lines = []
        while self._queue:
            port, data, t = self._queue.popleft()
            beat = self.clock.beat_at(t) if self.clock is not None else None
            # the time the message arrived (what the live engine used), not when this poll ran:
            # ticks handled in one step must not share a time in the record
            lines.append(message_line(Message(t - self._t0, beat, port, tuple(data))))
        if lines and self.out.error is None:
            if self.out.write(lines):
                self.messages += len(lines)
            else:
                self._report()

    def _report(self) -> None:
        """Say once, clearly, that recording stopped; the show goes on."""
        self._queue.clear()
        self.messages = max(0, self.out.lines - 1)
        message = (f"cannot write {self.out.path}: {self.out.error.strerror if self.out.error else 'error'}; "
                   f"recording stopped after {self.messages} messages (the record keeps them), the show goes on")
        if self.telemetry is not None:
            self.telemetry.event("error", "recorder", message)

    def close(self) -> None:
        with self._lock:
            if self.out.closed:
                return
            if self._t0 is not None:
                self.poll(self._t0 + self._last)
            if self.out.error is None and not self.out.write([end_line(self._last)]):
                self._report()
            self.out.close()


class RecordingPorts:
    """A port factory that hands every incoming message to `recorder` before the show sees it."""

    def __init__(self, ports: PortFactory, recorder: Recorder) -> None:
        self.ports = ports
        self.recorder = recorder

    def open_input(self, name: PortName, handler: RawHandler) -> InputPort:
        def tap(port: str, data: list[int], t: float) -> None:
            self.recorder.capture(port, data, t)
            handler(port, data, t)
        return self.ports.open_input(name, tap)

    def open_output(self, name: PortName) -> OutputPort:
        return self.ports.open_output(name)
