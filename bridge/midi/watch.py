"""Watching the MIDI system under a running show: lost existing ports come back, a restarted jackd is noticed.

Once a second (a timer thread looks: one read of /proc/net/unix, ~0.3 ms, and, when the show uses
existing ports, one port listing; the engine thread acts on what it saw), the watch:
- notices the JACK server going away (its listening socket is gone) or being replaced (a new
  socket), says so loudly (log + telemetry event), abandons every rtmidi port without touching the
  dead server, and re-creates them all when a server is back, while the clock and the show go on;
- notices an existing port that disappeared, and reconnects when a port matching the set file's
  name is there again.
Ports without these hooks (in-memory ones) are left alone.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import rtmidi

from bridge.component import Component
from bridge.midi.api import MidiUnavailable, PortMissing, chosen_api, make_midi_in, make_midi_out
from bridge.midi.ports import RtInput, RtOutput
from bridge.midi.rthandle import abandon
from bridge.telemetry import Telemetry
from bridge.telemetry_types import MidiSystemTopic

log = logging.getLogger(__name__)
UNKNOWN = -1  # a server whose state cannot be read (not JACK, or no /proc): assumed up, never changing


def jack_server_identity(name: str | None = None) -> int | None:
    """The inode of the JACK server's listening socket (a new one per server start), None when none listens."""
    server = name or os.environ.get("JACK_DEFAULT_SERVER") or "default"
    path = f"/dev/shm/jack_{server}_{os.getuid()}_0"
    try:
        with open("/proc/net/unix") as table:
            for line in table:
                fields = line.split()
                if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & 0x10000:  # listening
                    return int(fields[6])
    except (OSError, ValueError):
        return UNKNOWN
    return None


def server_probe() -> Callable[[], int | None]:
    """How to tell the MIDI system's server apart from the next one: JACK's socket, else a constant."""
    try:
        api = chosen_api()
    except MidiUnavailable:
        return lambda: UNKNOWN
    return jack_server_identity if api == rtmidi.API_UNIX_JACK else (lambda: UNKNOWN)


RtPort = RtInput | RtOutput


class PortWatch(Component):
    """Checks the show's rtmidi ports every `interval` s; reconnects and re-creates them (see module doc).

    With `post` (the engine's `post_command`), a timer thread does the looking (server probe, port
    listing) and posts what it saw to the engine thread, which alone touches the ports; the clock
    path then pays only for actual reconnects. Without it, `poll` looks on the engine thread.
    """

    name = "port watch"

    def __init__(self, inputs: Sequence[Any], outputs: Sequence[Any], telemetry: Telemetry,
                 interval: float = 1.0, probe: Callable[[], int | None] | None = None,
                 post: Callable[[Callable[[], None]], None] | None = None) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.telemetry = telemetry
        self.interval = interval
        self.server_restarts = 0
        self.server_down = False
        self._probe = probe
        self._post = post
        self._server: int | None = UNKNOWN
        self._next = math.inf
        self._wants_listing = False
        self._listers: tuple[rtmidi.MidiIn, rtmidi.MidiOut] | None = None
        self._lister_server: int | None = UNKNOWN
        self._missing: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _ports(self) -> list[RtPort]:
        return [p for p in [*self.inputs, *self.outputs] if isinstance(p, (RtInput, RtOutput))]

    def start(self, now: float) -> None:
        ports = self._ports()
        if not ports:
            return  # in-memory ports only (tests, replay): nothing to watch, no wakeups
        if self._probe is None:
            self._probe = server_probe()
        self._server = self._lister_server = self._probe()
        self._wants_listing = any(getattr(p, "existing", False) for p in ports)
        if self._post is None:
            self._next = now + self.interval
            return
        self._thread = threading.Thread(target=self._run, name="port watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """The timer thread: look, then let the engine thread act on what was seen."""
        assert self._post is not None
        while not self._stop.wait(self.interval):
            server, listing = self._look()
            self._post(functools.partial(self.apply, server, listing))

    def next_wakeup(self, now: float) -> float:
        return self._next

    def poll(self, now: float) -> None:
        if now < self._next:
            return
        self._next = now + self.interval
        self.check()

    def check(self) -> None:
        """Look and act at once (on the engine thread)."""
        self.apply(*self._look())

    def _look(self) -> tuple[int | None, tuple[list[str], list[str]] | None]:
        """The server's identity and, when existing ports are used, (sources, destinations)."""
        assert self._probe is not None
        server = self._probe()
        if server != self._lister_server:
            self._abandon_listers()  # made on a server that is gone: never touch them again
            self._lister_server = server
        if server is None or not self._wants_listing:
            return server, None
        return server, self._listing()

    def apply(self, server: int | None, listing: tuple[list[str], list[str]] | None) -> None:
        """Act on one look at the MIDI system (engine thread)."""
        ports = self._ports()
        if server != self._server:
            self._server_changed(self._server, server, ports)
            self._server = server
        if server is None:
            return
        self._report_rt_errors(ports)
        for port in ports:
            if port.is_open and listing is not None and getattr(port, "existing", False):
                where = listing[0] if isinstance(port, RtInput) else listing[1]
                if getattr(port, "target", None) not in where:
                    self._lost(port)
            if not port.is_open:
                self._reopen(port)

    def _server_changed(self, old: int | None, new: int | None, ports: list[RtPort]) -> None:
        if old is not None:
            for port in ports:
                port.abandon()
            self.server_down = True
            self._event("error", f"the JACK server went away: {len(ports)} MIDI ports lost "
                                 "(the show goes on; they are re-created when a server is back)")
        if new is not None:
            self.server_restarts += 1
            self.server_down = False
            self._event("warning", f"a JACK server is back: re-creating {len(ports)} MIDI ports")

    def _lost(self, port: RtPort) -> None:
        target = getattr(port, "target", None)
        port.release()
        self._missing.add(port.name)
        self._event("warning", f"existing port {target!r} ({port.name!r} in the set file) went away; "
                               "reconnecting when it is back")

    def _reopen(self, port: RtPort) -> None:
        try:
            port.reopen()
        except PortMissing as error:
            if port.name not in self._missing:
                self._missing.add(port.name)
                self._event("warning", f"{port.name!r} not reconnected yet: {error}")
            return
        except MidiUnavailable as error:
            self._event("error", f"cannot re-create {port.name!r}: {error}")
            return
        self._missing.discard(port.name)
        target = getattr(port, "target", None)
        self._event("info", f"{port.name!r} open again" + (f" (connected to {target!r})" if target else ""))

    def _listing(self) -> tuple[list[str], list[str]] | None:
        """(sources, destinations) now, through two listers kept for the show (on its shared JACK client)."""
        try:
            if self._listers is None:
                self._listers = (make_midi_in("drumbridge"), make_midi_out("drumbridge"))
            return list(self._listers[0].get_ports()), list(self._listers[1].get_ports())
        except (MidiUnavailable, rtmidi.RtMidiError):
            return None

    def _abandon_listers(self) -> None:
        if self._listers is not None:
            for handle in self._listers:
                abandon(handle)
            self._listers = None

    def _report_rt_errors(self, ports: list[RtPort]) -> None:
        for port in ports:
            if port.last_error:
                self._event("warning", f"{port.name!r}: {port.last_error}")
                port.last_error = None

    def _event(self, level: str, message: str) -> None:
        getattr(log, "info" if level == "info" else level)(message)
        self.telemetry.event(level, "midi", message)

    def publish(self, now: float) -> None:
        state: MidiSystemTopic = {"server": "down" if self.server_down else "up",
                                  "restarts": self.server_restarts, "missing": sorted(self._missing)}
        self.telemetry.replace("midi_system", dict(state))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        if self._listers is not None:
            if self._probe is not None and self._probe() == self._lister_server:
                for handle in self._listers:
                    handle.delete()
                self._listers = None
            else:
                self._abandon_listers()
