"""The serial link's I/O: a reader thread (which also finds and reopens the port) and a writer thread.

The engine thread only calls `send` and `take_events` (drain what the reader saw). `send` never
blocks: when nothing is waiting it writes straight to the port's non-blocking descriptor (one
`write(2)`, no thread hand-off, so a note leaves within microseconds); whatever the kernel does not
take at once goes to a small bounded queue that the writer thread finishes. While the port is gone,
`send` drops at once and counts it: nothing piles up to come out as a burst on replug. Bytes queued
for a connection that has since died are dropped too (each item carries its connection number).
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bridge.drum.ports import PortOpener, SerialPort, find_board, open_serial

log = logging.getLogger(__name__)

LinkState = Literal["disconnected", "searching", "connected"]
RETRY_INTERVAL = 0.25  # seconds between attempts to (re)open the port: replug is noticed well within 1 s
WRITER_BACKSTOP_S = 1.0  # the writer sleeps on its queue; `close` wakes it, this only bounds a missed wake
_WAKE_WRITER = (-1, b"")  # queued by `close`: no data, the writer looks at the stop flag


@dataclass(frozen=True)
class LinkEvent:
    """Something the I/O side saw: the port came or went, or bytes arrived."""

    kind: Literal["connected", "disconnected", "data"]
    device: str = ""
    data: bytes = b""
    message: str = ""


@dataclass
class TransportStats:
    """Counters of the I/O side, for telemetry."""

    bytes_written: int = 0
    writes: int = 0
    write_errors: int = 0
    read_errors: int = 0
    dropped: int = 0  # send() refused: port gone or queue full
    stale: int = 0  # queued for a connection that died before it was written
    connects: int = 0
    last_write: float | None = None  # monotonic seconds of the last completed write
    last_error: str = ""


class DrumLink:
    """What the drum component needs from a link; `SerialTransport` and `MemoryTransport` implement it."""

    state: LinkState
    device: str | None
    stats: TransportStats

    def start(self) -> None: ...
    def send(self, data: bytes) -> bool: ...
    def take_events(self) -> list[LinkEvent]: ...
    def reconnect(self, reason: str = "reconnect requested") -> None: ...
    def close(self) -> None: ...


FULL_SCAN_INTERVAL = 5.0  # seconds: rescan the USB ports at least this often even if /dev looks the same


def _dev_entries() -> frozenset[str]:
    try:
        return frozenset(os.listdir("/dev"))
    except OSError:
        return frozenset()


def _auto_resolver(usb_ids: Sequence[str], serial_number: str) -> Callable[[], str | None]:
    """Finds the board by USB id; rescans the ports only when /dev changed (a plug or an unplug).

    pyserial's port scan reads sysfs for every tty (tens of ms of CPU on a machine with many): at
    10 searches a second that was most of an idle show's CPU. Listing /dev is one cheap call.
    """
    seen: frozenset[str] | None = None
    found: str | None = None
    scanned = 0.0

    def resolve() -> str | None:
        nonlocal seen, found, scanned
        entries = _dev_entries()
        now = time.monotonic()
        if entries != seen or now - scanned >= FULL_SCAN_INTERVAL or not entries:
            board = find_board(usb_ids, serial_number)
            seen, scanned = entries, now
            found = None if board is None else board.device
        return found
    return resolve


class SerialTransport(DrumLink):
    """A real serial port with a reader and a writer thread; reopens the port when it comes back."""

    def __init__(self, serial: str, baud: int, usb_ids: Sequence[str] = (), serial_number: str = "",
                 opener: PortOpener = open_serial, resolver: Callable[[], str | None] | None = None,
                 queue_size: int = 64, notify: Callable[[], None] | None = None,
                 on_written: Callable[[bytes], None] | None = None) -> None:
        self.serial = serial
        self.baud = baud
        self.state: LinkState = "disconnected"
        self.device: str | None = None
        self.stats = TransportStats()
        self.notify = notify or (lambda: None)
        self.on_written = on_written  # called (on the writing thread) after each complete write; for benches
        self._opener = opener
        if resolver is not None:
            self._resolve = resolver
        elif serial == "auto":
            self._resolve = _auto_resolver(usb_ids, serial_number)
        else:
            self._resolve = lambda: serial
        self._port: SerialPort | None = None
        self._fd: int | None = None  # the port's non-blocking descriptor, when it has one
        self._generation = 0
        self._inflight = 0  # items queued or being written by the writer thread
        self._write_lock = threading.Lock()  # orders direct writes against the writer thread; never held while blocking
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[int, bytes]] = queue.Queue(maxsize=queue_size)
        self._events: deque[LinkEvent] = deque(maxlen=1000)
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- engine side -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the I/O threads; the first connection attempt happens at once."""
        if self._threads:
            return
        self.state = "searching"
        for target, name in ((self._read_loop, "drum-serial-read"), (self._write_loop, "drum-serial-write")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def send(self, data: bytes) -> bool:
        """Write `data` now without blocking, else queue it; False (and counted) when the port is gone or full."""
        with self._write_lock:
            generation, fd = self._generation, self._fd
            if self._port is None:
                self.stats.dropped += 1
                return False
            if fd is not None and self._inflight == 0:
                try:
                    written = os.write(fd, data)
                except BlockingIOError:
                    written = 0
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EINTR):
                        self.stats.write_errors += 1
                        self.stats.last_error = f"write: {error}"
                        self._kick.set()  # the reader notices the dead port and reopens it
                        self.stats.dropped += 1
                        return False
                    written = 0
                if written == len(data):
                    self._written(data)
                    return True
                data = data[written:]  # the rest goes through the writer, in order
            try:
                self._queue.put_nowait((generation, data))
            except queue.Full:
                self.stats.dropped += 1
                return False
            self._inflight += 1
            return True

    def _written(self, data: bytes) -> None:
        self.stats.writes += 1
        self.stats.bytes_written += len(data)
        self.stats.last_write = time.monotonic()
        if self.on_written is not None:
            self.on_written(data)

    def take_events(self) -> list[LinkEvent]:
        """Everything the reader saw since the last call."""
        events = []
        while self._events:
            events.append(self._events.popleft())
        return events

    def reconnect(self, reason: str = "reconnect requested") -> None:
        """Close the port now and look for it again (a dashboard command, or the board went silent)."""
        self._drop_port(reason)
        self._kick.set()

    def close(self) -> None:
        """Stop the threads and close the port."""
        self._stop.set()
        self._kick.set()
        try:
            self._queue.put_nowait(_WAKE_WRITER)
        except queue.Full:
            pass  # a full queue keeps the writer awake: it sees the stop flag after its current write
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2)
        self._threads.clear()
        self._drop_port("closed", post=False)
        self.state = "disconnected"

    # -- I/O threads -------------------------------------------------------------------------
    def _post(self, event: LinkEvent) -> None:
        self._events.append(event)
        try:
            self.notify()
        except Exception:  # noqa: BLE001 - a broken waker must not kill the reader
            log.exception("drum link notify failed")

    def _drop_port(self, reason: str, post: bool = True) -> None:
        with self._write_lock, self._lock:
            port, self._port, self._fd = self._port, None, None
            if port is None:
                return
            self._generation += 1
            device = self.device or ""
            if not self._stop.is_set():
                self.state = "searching"
        try:
            port.close()
        except Exception:  # noqa: BLE001 - closing a vanished device may fail any way it likes
            pass
        if post:
            self._post(LinkEvent("disconnected", device, message=reason))

    def _try_open(self) -> bool:
        try:
            device = self._resolve()
        except Exception as error:  # noqa: BLE001 - listing ports must not kill the reader
            self.stats.last_error = f"cannot list serial ports: {error}"
            return False
        if device is None:
            return False
        try:
            port = self._opener(device, self.baud)
        except Exception as error:  # noqa: BLE001 - absent, busy, permission: keep looking
            self.stats.last_error = f"{device}: {error}"
            return False
        fileno = getattr(port, "fileno", None)
        with self._write_lock, self._lock:
            self._generation += 1
            self._port = port
            try:
                self._fd = fileno() if callable(fileno) else None
            except Exception:  # noqa: BLE001 - no descriptor: every write goes through the writer thread
                self._fd = None
            self.device = device
            self.state = "connected"
        self.stats.connects += 1
        self._post(LinkEvent("connected", device))
        return True

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            port = self._port
            if port is None:
                if not self._try_open():
                    self._kick.wait(RETRY_INTERVAL)
                    self._kick.clear()
                continue
            try:
                data = port.read(256)
            except Exception as error:  # noqa: BLE001 - unplugged: SerialException, OSError, ...
                if port is self._port:
                    self.stats.read_errors += 1
                    self.stats.last_error = f"read: {error}"
                    self._drop_port(f"read failed: {error}")
                continue
            if data:
                self._post(LinkEvent("data", self.device or "", bytes(data)))

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=WRITER_BACKSTOP_S)
            except queue.Empty:
                continue
            if item is _WAKE_WRITER:
                continue
            generation, data = item
            port = self._port
            try:
                if port is None or generation != self._generation:
                    self.stats.stale += 1
                    continue
                try:
                    port.write(data)
                except Exception as error:  # noqa: BLE001 - unplugged mid-write, write timeout, ...
                    self.stats.write_errors += 1
                    self.stats.last_error = f"write: {error}"
                    self._drop_port(f"write failed: {error}")
                    continue
                self._written(data)
            finally:
                with self._write_lock:
                    self._inflight -= 1


@dataclass
class MemoryTransport(DrumLink):
    """A synchronous in-memory link for unit tests: `plug`/`unplug`/`receive` drive it, `written` records."""

    time_source: Callable[[], float] = time.monotonic
    device: str | None = None
    state: LinkState = "disconnected"
    stats: TransportStats = field(default_factory=TransportStats)
    written: list[tuple[float, bytes]] = field(default_factory=list)
    _events: list[LinkEvent] = field(default_factory=list)

    def start(self) -> None:
        if self.state == "disconnected":
            self.state = "searching"

    def plug(self, device: str = "/dev/fake") -> None:
        self.state, self.device = "connected", device
        self.stats.connects += 1
        self._events.append(LinkEvent("connected", device))

    def unplug(self, reason: str = "unplugged") -> None:
        self.state = "searching"
        self._events.append(LinkEvent("disconnected", self.device or "", message=reason))

    def receive(self, data: bytes) -> None:
        self._events.append(LinkEvent("data", self.device or "", bytes(data)))

    def send(self, data: bytes) -> bool:
        if self.state != "connected":
            self.stats.dropped += 1
            return False
        self.written.append((self.time_source(), bytes(data)))
        self.stats.writes += 1
        self.stats.bytes_written += len(data)
        return True

    def take_events(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    def reconnect(self, reason: str = "reconnect requested") -> None:
        if self.state == "connected":
            self.unplug(reason)

    def close(self) -> None:
        self.state = "disconnected"

