"""Another MIDI app in its own process (what loopMIDI, an IAC bus or a synth is to drumbridge), driven over stdin.

Commands, one a line: `source NAME` / `dest NAME` create a port of ours (a source sends, a destination
receives), `close NAME` removes it, `send NAME | HEX…` sends on a source, `listen PATTERN` connects a
reader to someone else's source, `to PATTERN` a sender to someone else's destination. Every message
received is printed as `got NAME | HEX…`; every command is answered `ok …` or `error …`.
The process exits when stdin closes.

Each port is on a JACK client of its own (other-app-1, other-app-2, ...): our rtmidi build shares
one client per client name and parks a closed port on it, and `close` must remove the port from
JACK, as it does when a real app closes one.
"""

from __future__ import annotations

import itertools
import sys
import threading

import rtmidi

from bridge.midi.api import make_midi_in, make_midi_out
from bridge.midi.poller import POLLER
from bridge.midi.spec import match_port

lock = threading.Lock()
clients = itertools.count(1)


def client_name() -> str:
    return f"other-app-{next(clients)}"


def say(line: str) -> None:
    with lock:
        print(line, flush=True)


def reader(name: str) -> rtmidi.MidiIn:
    rt = make_midi_in(client_name())
    rt.ignore_types(sysex=False, timing=False, active_sense=False)
    POLLER.add(rt, lambda event: say(f"got {name} | " + " ".join(f"{b:02x}" for b in event[0])))
    return rt


def main() -> None:
    ports: dict[str, rtmidi.MidiIn | rtmidi.MidiOut] = {}
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        if not command:
            continue
        name, _, data = name.partition(" | ")
        try:
            if command == "source":
                out = make_midi_out(client_name())
                out.open_virtual_port(name)
                ports[name] = out
            elif command == "dest":
                rt = reader(name)
                rt.open_virtual_port(name)
                ports[name] = rt
            elif command == "listen":
                rt = reader(name)
                sources = list(rt.get_ports())
                rt.open_port(sources.index(match_port(sources, name)))
                ports[name] = rt
            elif command == "to":
                out = make_midi_out(client_name())
                destinations = list(out.get_ports())
                out.open_port(destinations.index(match_port(destinations, name)))
                ports[name] = out
            elif command == "close":
                port = ports.pop(name)
                POLLER.remove(port)
                port.close_port()
                port.delete()
            elif command == "send":
                ports[name].send_message([int(b, 16) for b in data.split()])  # type: ignore[union-attr]
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as error:  # report and go on: the test reads it
            say(f"error {line.strip()}: {error}")
            continue
        say(f"ok {line.strip()}")


if __name__ == "__main__":
    main()
