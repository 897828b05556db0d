"""Our rtmidi build puts all of a process's JACK ports made under one client name on one JACK client.

JACK wakes every active client once a period; a show with a client per port woke seven times a
period (the 64-frame rig's idle CPU). A port name the client already has gets a client of its own,
as every port had before. A port that closes while the client lives is parked, not unregistered
(libjack's jack_port_unregister races its own notification thread): disconnected, silent, and taken
again by the next port of its name and direction. The client goes, parked ports with it, with its
last object.
"""

from __future__ import annotations

import pytest

from bridge.midi.factory import RtMidiPorts
from bridge.midi.jack_server import JackServer, jack_lsp
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
    """The JACK clients the first port of each name in `ports` is on (names not in JACK left out)."""
    found = (jack_names(port) for port in ports)
    return {names[0].split(":", 1)[0] for names in found if names}


def connections(full_name: str) -> list[str]:
    """The ports `full_name` is connected to, as `jack_lsp -c` lists them."""
    result = jack_lsp("-c")
    assert result is not None, "jack_lsp comes with jackd2"
    found, peers = False, []
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            found = line == full_name
        elif found:
            peers.append(line.strip())
    return peers


def test_every_port_of_a_show_is_on_one_jack_client(jack_server: JackServer) -> None:
    show = Show(parse_set(SET), RtMidiPorts(monotonic_time), monotonic_time)
    try:
        names = [p.name for p in [*show.port_set.inputs, *show.port_set.outputs]]
        assert len(names) >= 5  # clock in, two responders' inputs and outputs
        assert all(len(jack_names(name)) == 1 for name in names), {name: jack_names(name) for name in names}
        assert len(clients_of(names)) == 1, {name: jack_names(name) for name in names}
    finally:
        show.port_set.close()
    assert [name for name in names if jack_names(name)] == []  # the client went with the show's last port


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


def test_a_port_closed_while_the_client_lives_is_parked_silent_and_taken_again(jack_server: JackServer) -> None:
    with heard_output("shared steady", "steady-listener") as (steady, steady_listener):
        with heard_output("shared parked", "parked-listener") as (out, listener):
            full_name = jack_names("shared parked")[0]
            assert clients_of(["shared parked"]) == clients_of(["shared steady"])
            out.send([0x90, 64, 100])  # written in the port's last cycle: still in its buffer when it parks
            out.close()
            wait_until(lambda: [0x90, 64, 100] in [data for data, _ in listener.received])
            assert jack_names("shared parked") == [full_name]  # still there: parked, not unregistered
            assert connections(full_name) == []  # and disconnected
            heard_before = len(listener.received)
        parked_listener = ExternalInput(full_name, monotonic_time, client="parked-listener-2")
        try:
            wait_until(lambda: connections(full_name), what="a listener connected to the parked port")
            for note in (1, 2):  # two messages through the steady port: JACK has run cycles since the connection
                wait_until(lambda note=note: steady.send([0x90, note, 100]) or
                           [0x90, note, 100] in [data for data, _ in steady_listener.received])
            assert parked_listener.received == [] and heard_before >= 2  # a parked output sends nothing
            again = VirtualOutput("shared parked")
            try:
                assert jack_names("shared parked") == [full_name]  # the parked port, taken again
                wait_until(lambda: again.send([0x90, 65, 100]) or parked_listener.received)
                assert [data for data, _ in parked_listener.received][0] == [0x90, 65, 100]
            finally:
                again.close()
        finally:
            parked_listener.close()
    assert jack_names("shared parked") == [] and jack_names("shared steady") == []  # gone with the last object


def test_ports_come_and_go_on_the_shared_client_while_another_one_plays(jack_server: JackServer) -> None:
    """More port names come and go than the client's table has places (128): once it is full of parked
    ports, new names get clients of their own, and the steady port plays on."""
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
        assert clients_of(["shared churn out 0"]) == clients_of([out.name])  # parked on the shared client
        assert jack_names("shared churn out 69") == []  # past the table: its own client, closed with it
        notes = wait_until(lambda: len([d for d, _ in listener.received if d[0] == 0x90]) >= 70 and
                           [d[1] for d, _ in listener.received if d[0] == 0x90], timeout=5.0)
        assert notes == list(range(70))  # the steady port played on, nothing lost or doubled
