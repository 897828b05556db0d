"""Our rtmidi build puts all of a process's JACK ports made under one client name on one JACK client.

JACK wakes every client once a period; a show with a client per port woke eight times a period
(the 64-frame rig's idle CPU). Ports join and leave the shared client while it runs; a port name
the client already has gets a client of its own, as every port had before.
"""

from __future__ import annotations

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.jack_server import JackServer
from bridge.midi.ports import ExternalInput, VirtualInput, VirtualOutput, list_ports
from bridge.setfile import parse_set
from bridge.show import Show
from bridge.timebase import monotonic_time
from tests.midi.collect import heard_output
from tests.waiting import wait_until

pytestmark = pytest.mark.jack
SET = """
[clock]
source = "midi"
[[responders]]
name = "drums"
model = "builtin:drums"
[[responders]]
name = "keys"
model = "builtin:drums"
"""


def jack_names(port: str) -> list[str]:
    """Full JACK names (client:port) of every port named `port`, sources and destinations."""
    listing = list_ports()
    return [name for name in listing["sources"] + listing["destinations"] if name.split(":", 1)[1] == port]


def clients_of(ports: list[str]) -> set[str]:
    return {jack_names(port)[0].split(":", 1)[0] for port in ports if jack_names(port)}


def test_every_port_of_a_show_is_on_one_jack_client(jack_server: JackServer) -> None:
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time)
    try:
        names = [p.name for p in [*show.port_set.inputs, *show.port_set.outputs]]
        assert len(names) >= 5  # clock in, two responders' inputs and outputs
        assert all(len(jack_names(name)) == 1 for name in names), {name: jack_names(name) for name in names}
        assert len(clients_of(names)) == 1, {name: jack_names(name) for name in names}
    finally:
        show.port_set.close()


def test_a_port_name_the_shared_client_has_already_gets_a_client_of_its_own(jack_server: JackServer) -> None:
    first, second = VirtualOutput("shared twin"), VirtualOutput("shared twin")
    try:
        twins = jack_names("shared twin")
        assert len(twins) == 2 and len({name.split(":")[0] for name in twins}) == 2, twins
        listeners = [ExternalInput(name, monotonic_time, client="twin-listener") for name in twins]
        try:
            for out, note in ((first, 60), (second, 61)):
                wait_until(lambda out=out, note=note: out.send([0x90, note, 100]) or
                           any(data == [0x90, note, 100] for listener in listeners for data, _ in listener.received))
            heard = [{data[1] for data, _ in listener.received} for listener in listeners]
            assert sorted(heard, key=sorted) == [{60}, {61}], heard  # each twin reaches its own listener only
        finally:
            for listener in listeners:
                listener.close()
    finally:
        first.close()
        second.close()


def test_ports_join_and_leave_the_shared_client_while_another_one_plays(jack_server: JackServer) -> None:
    """More ports come and go than the client's table has places (128): leaving frees a place for good."""
    with heard_output("shared steady", "steady-listener") as (out, listener):
        for round_ in range(70):
            churn_out = VirtualOutput(f"shared churn out {round_}")
            churn_in = VirtualInput(f"shared churn in {round_}", lambda *_: None)
            churn_out.send([0x90, 60, 100])
            if round_ == 0:
                assert clients_of([churn_out.name, churn_in.name]) == clients_of([out.name]), "not on the shared client"
            churn_in.close()
            churn_out.close()
            out.send([0x90, round_, 100])
        assert jack_names("shared churn out 69") == []  # a port that left is gone from JACK
        notes = wait_until(lambda: len([d for d, _ in listener.received if d[0] == 0x90]) >= 70 and
                           [d[1] for d, _ in listener.received if d[0] == 0x90], timeout=5.0)
        assert notes == list(range(70))  # the steady port played on, nothing lost or doubled
