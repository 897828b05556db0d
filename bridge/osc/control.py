"""OSC control in: a UDP port whose messages become named commands (bridge.commands), never crashes on bad input.

The mapping from address to command is generic, so commands that responders and the drum link
register are reachable without changes here (see docs/osc.md for the table):

    /P/cue/<name> [x]                  → osc.cue(name)
    /P/transport s | /P/transport/<a>  → transport(action)
    /P/responder/<n>/mute [i|f|T|F]    → responder.mute(n, bool)   (no argument: mute)
    /P/responder/<n>/unmute            → responder.mute(n, False)
    /P/a/b/c args                      → "a.b.c"(*args) if registered, else "a.c"(b, *args)
    /P/a/b args                        → "a.b"(*args) if registered, else "a"(b, *args)

A trigger command (one that takes no more values) ignores a single numeric argument: a button's
press (non-zero) fires it, its release (0) is ignored.

Every datagram, message and command spends from a `ControlBudget`; what is over it is dropped and
counted (`dropped`), never queued. Calibration and EEPROM writes are refused (`refused`) unless the set
file allows them. Problems are logged at most once a second per kind, text truncated.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_packet import OscPacket

from bridge.commands import CommandError, Commands
from bridge.flags import parse_flag
from bridge.osc.budget import CALIBRATION, ControlBudget
from bridge.ratelimit import RateLimiter, RateLimitFilter, truncate
from bridge.telemetry import Telemetry
from bridge.timebase import TimeSource, monotonic_time

log = logging.getLogger(__name__)
RECEIVE_BUFFER = 1 << 20  # bytes the kernel may hold for the control socket while the listener catches up
RECEIVE_BACKSTOP_S = 1.0  # the listener sleeps in recvfrom; `close` wakes it, this only bounds a missed wake


def _to_muted(value: Any) -> bool:
    """A mute argument: any on/off word, or "mute"/"unmute"."""
    return parse_flag(value, true_words=("mute",), false_words=("unmute",))


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


# Argument conversions for the commands the issue names; other commands get the OSC values as sent.
COERCE: dict[str, tuple[Callable[[Any], Any], ...]] = {
    "responder.mute": (str, _to_muted),
    "responder.temperature": (str, _to_float),
    "responder.humanize": (str, _to_float),
    "transport": (str,),
    "tempo": (_to_float,),
    "osc.cue": (str,),
}


class ControlError(ValueError):
    """A control message that maps to no command, or with unusable arguments."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "unknown" | "bad_args"


def route(segments: Sequence[str], args: Sequence[Any], commands: Commands) -> tuple[str, list[Any]] | None:
    """The command and arguments for an address (split after the prefix); None = a button release to ignore."""
    params = {spec.name: spec.params for spec in commands.specs()}
    segs = list(segments)
    values = list(args)
    name: str | None = None
    call: list[Any] = []
    if len(segs) == 2 and segs[0] == "cue":
        name, call = "osc.cue", [segs[1]]
    elif len(segs) == 3 and segs[0] == "responder" and segs[2] == "unmute":
        name, call = "responder.mute", [segs[1], False]
    elif len(segs) == 3 and segs[0] == "responder" and segs[2] == "mute" and not values:
        name, call = "responder.mute", [segs[1], True]
    elif segs and ".".join(segs) in params:
        name = ".".join(segs)
    elif len(segs) == 3 and f"{segs[0]}.{segs[2]}" in params:
        name, call = f"{segs[0]}.{segs[2]}", [segs[1]]
    elif len(segs) == 2 and segs[0] in params:
        name, call = segs[0], [segs[1]]
    if name is None or name not in params:
        raise ControlError("unknown", f"no command for /{'/'.join(segs)}")
    expected = len(params[name])
    if len(call) == expected and len(values) == 1 and isinstance(values[0], int | float):
        if values[0] == 0:
            return None  # a button's release
        values = []  # a button's press
    call += values
    if len(call) != expected:
        raise ControlError("bad_args", f"{name}({', '.join(params[name])}) takes {expected} value(s), "
                           f"/{'/'.join(segs)} gave {len(call)}: {call!r}")
    converters = COERCE.get(name, ())
    try:
        call = [converters[i](v) if i < len(converters) else v for i, v in enumerate(call)]
    except (TypeError, ValueError) as error:
        raise ControlError("bad_args", f"{name}: {error}") from None
    return name, call


@dataclass
class ControlStats:
    """What the control port received, for the dashboard."""

    received: int = 0
    handled: int = 0  # datagrams fully dealt with (commands submitted or problems counted)
    commands: int = 0
    ignored: int = 0
    malformed: int = 0
    unknown: int = 0
    bad_args: int = 0
    dropped: int = 0  # over the cost budget (datagrams count as one each, unparsed)
    refused: int = 0  # calibration/EEPROM writes while the set file does not allow them
    last_error: str = ""


class OscControl:
    """Listens on host:port (UDP) on its own thread and submits commands; bad packets are counted and logged."""

    def __init__(self, commands: Commands, telemetry: Telemetry, host: str = "127.0.0.1", port: int = 9001,
                 prefix: str = "/drumbridge", time_source: TimeSource = monotonic_time,
                 log_interval: float = 1.0, budget: ControlBudget | None = None,
                 allow_calibration: bool = False) -> None:
        self.commands = commands
        self.telemetry = telemetry
        self.host = host
        self.port = port
        self.prefix = prefix.rstrip("/")
        self.time = time_source
        self.log_interval = log_interval
        self.stats = ControlStats()
        self.budget = budget or ControlBudget()
        self.allow_calibration = allow_calibration
        self._limiter = RateLimiter(time_source, log_interval)
        self._osc_filter = RateLimitFilter(self._limiter, only_paths=("pythonosc",))  # python-osc's own warnings
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> bool:
        """Bind and start listening; False (and an error event) when the port cannot be had."""
        try:
            infos = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_DGRAM)
            family, _t, _p, _n, address = infos[0][:5]
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.bind(address)
        except OSError as error:
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {error}"
            self.telemetry.event("error", "osc control", self.stats.last_error + "; OSC control is off")
            return False
        sock.settimeout(RECEIVE_BACKSTOP_S)
        try:  # a burst from a controller (a fader sweep, a preset recall) must not overrun the kernel's buffer
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        except OSError:
            pass  # the system default then; datagrams beyond it are dropped by the kernel
        self.port = sock.getsockname()[1]
        self._socket = sock
        logging.getLogger().addFilter(self._osc_filter)
        self._thread = threading.Thread(target=self._loop, name="osc-control", daemon=True)
        self._thread.start()
        if ipaddress.ip_address(sock.getsockname()[0]).is_loopback:
            self.telemetry.event("info", "osc control", f"listening on {self.host}:{self.port} (this machine only)")
        else:
            self.telemetry.event("warning", "osc control", f"listening on {self.host}:{self.port}: open to the "
                                 "network, as the set file asks; anyone who can reach it can mute and panic")
        return True

    def _loop(self) -> None:
        assert self._socket is not None
        while not self._stop.is_set():
            try:
                data, sender = self._socket.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            if self._stop.is_set():
                return  # `close` woke us
            self.handle_datagram(data, sender)

    def handle_datagram(self, data: bytes, sender: Any = None) -> None:
        """Parse one datagram (message or bundle) and submit what it asks for; never raises."""
        self.stats.received += 1
        if not self.budget.datagram(len(data), self.time()):
            self.stats.dropped += 1
            self._problem(None, "over_budget", f"OSC control over budget: dropped datagrams from {sender}")
            self.stats.handled += 1
            return
        try:
            messages = [timed.message for timed in OscPacket(data).messages]
        except Exception as error:  # noqa: BLE001 - any malformed packet: count it, keep listening
            self._problem("malformed", "malformed", f"malformed OSC packet from {sender}: {error} ({data[:32]!r})")
            messages = []
        for message in messages:
            self.handle_message(message.address, list(message.params))
        self.stats.handled += 1

    def handle_message(self, address: str, args: list[Any]) -> None:
        """Route one message to its command."""
        now = self.time()
        if not self.budget.message(now):
            self.stats.dropped += 1
            self._problem(None, "over_budget", "OSC control over budget: dropped messages")
            return
        if not (address == self.prefix or address.startswith(self.prefix + "/")):
            self._problem("unknown", "unknown", f"{address}: not under {self.prefix}")
            return
        segments = [s for s in address[len(self.prefix):].split("/") if s]
        try:
            routed = route(segments, args, self.commands)
            if routed is None:
                self.stats.ignored += 1
                return
            name, call = routed
            if name in CALIBRATION and not self.allow_calibration:
                self.stats.refused += 1
                self._problem(None, "refused", f"{address}: calibration and EEPROM writes over OSC are off "
                              "(set allow_calibration = true under [osc.listen] to allow them)")
                return
            if not self.budget.command(name, now):
                self.stats.dropped += 1
                self._problem(None, f"over_budget {name}", f"OSC control over budget: dropped {name} commands")
                return
            self.commands.submit(name, *call)
        except ControlError as error:
            self._problem(error.kind, error.kind, f"{address} {args!r}: {error}")
            return
        except CommandError as error:
            self._problem("bad_args", "bad_args", f"{address} {args!r}: {error}")
            return
        except Exception as error:  # noqa: BLE001 - a broken handler check must not stop the listener
            self._problem("bad_args", "bad_args", f"{address} {args!r}: {error!r}")
            return
        self.stats.commands += 1

    def _problem(self, counter: str | None, kind: str, message: str) -> None:
        """Count bad input under `counter` (if any) and log it, at most once a second per `kind`."""
        if counter is not None:
            setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        text = self._limiter.admit(kind, message)
        self.stats.last_error = truncate(message)
        if text is not None:
            self.telemetry.event("warning", "osc control", text)

    @staticmethod
    def _wake_receiver(sock: socket.socket) -> None:
        """An empty datagram to our own socket: the receiving thread returns from `recvfrom` and sees the stop."""
        try:
            host, port = sock.getsockname()[:2]
            family = sock.family
            if ipaddress.ip_address(host).is_unspecified:
                host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
            with socket.socket(family, socket.SOCK_DGRAM) as waker:
                waker.sendto(b"", (host, port))
        except OSError:
            pass  # the thread then sees the stop after RECEIVE_BACKSTOP_S

    def close(self) -> None:
        """Stop listening and wait (briefly) for the thread."""
        self._stop.set()
        logging.getLogger().removeFilter(self._osc_filter)
        if self._socket is not None:
            self._wake_receiver(self._socket)
            self._socket.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
