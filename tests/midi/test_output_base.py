"""One output contract for every kind of port: virtual and connected rtmidi outputs on real JACK, and memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bridge.midi.base import OutputBase
from bridge.midi.memory import MemoryOutput
from bridge.midi.ports import ExternalOutput, VirtualInput, VirtualOutput
from tests.midi.collect import Collected, Listener

NOTE_ON_1, NOTE_ON_10, NOTE_OFF_1 = [0x90, 60, 100], [0x99, 36, 90], [0x80, 60, 0]
RELEASE = [[0x89, 36, 0], [0xB0, 123, 0], [0xB9, 123, 0]]


class Rig:
    """An output under test plus a way to read what really left it."""

    def __init__(self, port: OutputBase, received: Callable[[int], list[list[int]]]) -> None:
        self.port = port
        self.received = received


# The JACK rigs carry the `jack` mark: it gives them conftest's rerun and no collector pause, which a
# fixture fetched with getfixturevalue would not get (conftest looks at marks and fixture names).
@pytest.fixture(params=["memory", pytest.param("virtual", marks=pytest.mark.jack),
                        pytest.param("connected", marks=pytest.mark.jack)])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "memory":
        port = MemoryOutput("mem out")
        yield Rig(port, lambda n: [data for _t, data in port.sent[:n]])
        return
    request.getfixturevalue("jack_server")
    if request.param == "virtual":
        out = VirtualOutput("drumbridge base out")
        listener = Listener("drumbridge base out")
        try:
            yield Rig(out, listener.wait_for)
        finally:
            out.close()
            listener.close()
        return
    sink = Collected()
    target = VirtualInput("drumbridge base sink", sink, latency=0.0)
    out = ExternalOutput("drumbridge base sink", client="base-sender")
    try:
        yield Rig(out, sink.wait_for)
    finally:
        out.close()
        target.close()


def test_output_counts_tracks_and_panics(rig: Rig) -> None:
    port = rig.port
    assert isinstance(port, OutputBase)
    for data in (NOTE_ON_1, NOTE_ON_10, NOTE_OFF_1):
        port.send(data)
    assert port.stats.messages == 3 and port.stats.errors == 0
    assert port.sounding.notes == {(9, 36): 1}
    assert port.panic() == 3
    assert rig.received(6) == [NOTE_ON_1, NOTE_ON_10, NOTE_OFF_1, *RELEASE]
    assert port.sounding.notes == {} and port.stats.messages == 6


def test_bad_messages_are_counted_not_sent(rig: Rig) -> None:
    port = rig.port
    for bad in ([], [300, 1, 2], [0x40, 1], "junk"):
        port.send(bad)  # type: ignore[arg-type]
    port.send(NOTE_ON_1)
    assert port.stats.errors == 4 and port.stats.messages == 1
    assert rig.received(1) == [NOTE_ON_1]


def test_closed_output_sends_its_panic_then_counts_errors(rig: Rig) -> None:
    port = rig.port
    port.send(NOTE_ON_10)
    port.close()
    assert not port.is_open
    port.send(NOTE_ON_1)
    assert port.stats.errors == 1
    assert rig.received(3) == [NOTE_ON_10, [0x89, 36, 0], [0xB9, 123, 0]]
