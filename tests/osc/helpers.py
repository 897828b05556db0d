"""Shared pieces of the OSC tests: a UDP receiver read in virtual time, set-file text for a show."""

from __future__ import annotations

import math
import socket
from dataclasses import dataclass

from pythonosc.osc_packet import OscPacket

from bridge.engine import Engine
from bridge.midi.factory import MemoryPorts
from bridge.responders.loader import with_models
from bridge.responders.worker import VirtualWorker
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.telemetry import Telemetry
from bridge.timebase import ManualTime, TimeSource
from tests.responders.fakes import ToyDrums


@dataclass(frozen=True)
class Received:
    """One OSC message as a real UDP socket got it, with the (virtual) time it was there."""

    time: float
    address: str
    args: tuple[object, ...]
    time_tag: float | None  # Unix seconds of the enclosing bundle; None for a bare message


class UdpReceiver:
    """A real UDP socket on loopback; `drain(now)` reads whatever has arrived (loopback delivery is immediate)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]
        self.messages: list[Received] = []

    def drain(self, now: float) -> None:
        while True:
            try:
                data = self.socket.recv(65536)
            except BlockingIOError:
                return
            is_bundle = data.startswith(b"#bundle")
            for timed in OscPacket(data).messages:
                tag = timed.time if is_bundle else None
                self.messages.append(Received(now, timed.message.address, tuple(timed.message.params), tag))

    def at(self, address: str) -> list[Received]:
        return [m for m in self.messages if m.address == address]

    def close(self) -> None:
        self.socket.close()


def run_capturing(engine: Engine, time: ManualTime, until: float, receivers: list[UdpReceiver],
                  inputs: list[tuple[float, str, list[int]]] = ()) -> None:  # type: ignore[assignment]
    """Step `engine` in virtual time to `until`, delivering `inputs` (time, port, bytes) when due and
    reading every receiver after each step."""
    pending = sorted(inputs, key=lambda item: item[0])
    if not engine.started:
        engine.start(time())
    while True:
        now = time()
        while pending and pending[0][0] <= now:
            t, port, data = pending.pop(0)
            engine.post_midi(port, data, t)
        engine.step(now)
        for receiver in receivers:
            receiver.drain(now)
        if now >= until:
            return
        wake = engine.next_wakeup(now)
        if pending:
            wake = min(wake, pending[0][0])
        wake = min(wake, until) if math.isfinite(wake) else until
        time.set(max(wake, now + 1e-6))


def make_show(text: str, time_source: TimeSource | None = None) -> tuple[Show, ManualTime | TimeSource]:
    """A show from set-file text on in-memory MIDI ports (virtual time unless a time source is given).

    Responders can use model "test:toy" (a seeded toy drum model, answering on a virtual-time worker).
    """
    clock_time = time_source or ManualTime()
    return Show(parse_set(text), MemoryPorts(clock_time), clock_time, Telemetry(),
                models=with_models({"test:toy": ToyDrums}), workers=lambda _name: VirtualWorker()), clock_time


def one_target_set(port: int, rest: str = "", source: str = "internal", send: list[str] | None = None) -> str:
    """Set-file text: a `source` clock and one OSC target "v" on 127.0.0.1:`port` (sending `send`), then `rest`."""
    sends = "" if send is None else f"send = {send!r}\n".replace("'", '"')
    return (f'[clock]\nsource = "{source}"\n[[osc.targets]]\nname = "v"\nhost = "127.0.0.1"\nport = {port}\n'
            f"{sends}{rest}")
