"""MIDI input is read by the poller thread, never on JACK's real-time thread; one broken handler stops no other port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bridge.midi.poller import POLLER, InputPoller, rtmidi_input_fd
from bridge.midi.ports import ExternalOutput, VirtualInput
from tests.midi.collect import Collected
from tests.waiting import wait_until

pytestmark = pytest.mark.jack


@contextmanager
def input_with_sender(name: str, client: str) -> Iterator[tuple[VirtualInput, ExternalOutput, Collected]]:
    """Our virtual input `name` and another client sending to it, once a first note has come through."""
    collected = Collected()
    port = VirtualInput(name, collected)
    sender = ExternalOutput(name, client=client)
    try:
        sender.send([0x90, 60, 100])
        collected.wait_for(1)
        yield port, sender, collected
    finally:
        sender.close()
        port.close()


def test_handlers_run_on_the_poller_thread_not_jacks(jack_server: object) -> None:
    threads: list[str] = []
    collected = Collected()

    def handler(port: str, data: list[int], t: float) -> None:
        threads.append(threading.current_thread().name)
        collected(port, data, t)

    port = VirtualInput("drumbridge poll in", handler)
    sender = ExternalOutput("drumbridge poll in", client="poll-sender")
    try:
        for note in range(10):
            sender.send([0x90, 60 + note, 100])
        assert collected.wait_for(10) == [[0x90, 60 + n, 100] for n in range(10)]  # all of them, in order
    finally:
        sender.close()
        port.close()
    assert set(threads) == {"midi input poller"}  # a Python thread of ours: JACK's cycle never waits for the GIL


def test_a_handler_that_raises_is_counted_and_the_other_ports_keep_their_input(jack_server: object) -> None:
    def broken(_port: str, data: list[int], _t: float) -> None:
        raise RuntimeError(f"cannot handle {data}")

    good = Collected()
    bad_port = VirtualInput("drumbridge poll bad", broken)
    good_port = VirtualInput("drumbridge poll good", good)
    to_bad = ExternalOutput("drumbridge poll bad", client="poll-bad")
    to_good = ExternalOutput("drumbridge poll good", client="poll-good")
    errors = POLLER.handler_errors
    try:
        for note in range(5):
            to_bad.send([0x90, 40 + note, 100])
            to_good.send([0x90, 60 + note, 100])
        assert good.wait_for(5) == [[0x90, 60 + n, 100] for n in range(5)]
        wait_until(lambda: POLLER.handler_errors >= errors + 5)
        assert "RuntimeError: cannot handle [144, 44, 100]" in (POLLER.last_handler_error or "")
    finally:
        for port in (to_bad, to_good, bad_port, good_port):
            port.close()


def test_a_removed_input_is_not_read_again(jack_server: object) -> None:
    with input_with_sender("drumbridge poll gone", "poll-gone") as (port, _sender, collected):
        handle = port._rt
        port.release()  # removed from the poller, closed and deleted: the poller must never touch it again
        assert handle is not None and all(rt is not handle for rt, _ in POLLER._inputs.values())
        port.reopen()
        again = ExternalOutput("drumbridge poll gone", client="poll-gone-2")  # the first lost its connection
        try:
            again.send([0x90, 61, 100])
            assert collected.wait_for(2)[1] == [0x90, 61, 100]  # the reopened port is read again
        finally:
            again.close()


def test_an_idle_input_turns_the_poller_quiet_and_the_next_note_wakes_it(jack_server: object) -> None:
    with input_with_sender("drumbridge poll idle", "poll-idle") as (_port, sender, collected):
        wait_until(lambda: not POLLER.quiet)
        wait_until(lambda: POLLER.quiet, timeout=3.0)  # no input for half a second: nothing sent to it meanwhile
        sender.send([0x90, 61, 100])
        assert collected.wait_for(2)[1] == [0x90, 61, 100]
        wait_until(lambda: not POLLER.quiet)


@contextmanager
def raw_link(name: str) -> Iterator[tuple[InputPoller, Any, Collected]]:
    """A poller of its own that would look only once a minute on its timer, reading an rtmidi input
    `name`-dst:in (clock ticks not ignored) that an rtmidi output `name`-src sends to."""
    from bridge.midi.api import make_midi_in, make_midi_out
    from bridge.midi.ports import find_port

    poller = InputPoller(period=60.0, quiet_period=60.0, idle_period=60.0)
    collected = Collected()
    reader = make_midi_in(f"{name}-dst")
    reader.ignore_types(timing=False)
    reader.open_virtual_port("in")
    sender = make_midi_out(f"{name}-src")
    sender.open_port(find_port(list(sender.get_ports()), f"{name}-dst:in"))
    poller.add(reader, lambda event: collected("in", event[0], event[1]))
    try:
        yield poller, sender, collected
    finally:
        poller.remove(reader)
        sender.close_port()
        reader.close_port()
        sender.delete()
        reader.delete()


def test_the_poller_sleeps_on_rtmidis_eventfd_and_wakes_for_each_message(jack_server: object) -> None:
    """Our rtmidi build counts up an eventfd for every queued message (scripts/rtmidi-drumbridge.patch).

    A poller that would look only once a minute on its timer still reads each note at once, and an
    idle input costs it no passes: it sleeps until there is something to read.
    """
    assert rtmidi_input_fd() is not None, "rtmidi without drumbridge's patch: run `make setup`"
    with raw_link("poll-eventfd") as (poller, sender, collected):
        for note in range(5):
            sender.send_message([0x90, 60 + note, 100])
            assert collected.wait_for(note + 1)[note] == [0x90, 60 + note, 100]
        passes = poller.passes
        time.sleep(0.3)  # idle: the poller must not be looking on a timer meanwhile
        assert poller.passes - passes <= 1  # at most the one pass when the input turns quiet


def test_clock_ticks_wake_the_poller_every_third_and_any_other_message_takes_them_along(jack_server: object) -> None:
    """Live's clock is 48 ticks a second: our rtmidi build counts up the eventfd only for every third
    tick in a row (scripts/rtmidi-drumbridge.patch, part 5). None is lost or reordered, and a note
    wakes the poller at once, the ticks waiting before it read first."""
    with raw_link("poll-ticks") as (poller, sender, collected):
        sender.send_message([0x90, 60, 100])  # the connection is up once this arrives
        collected.wait_for(1)
        passes = poller.passes
        for _ in range(30):
            sender.send_message([0xF8])
            time.sleep(0.002)  # each in its own JACK cycle, as Live's ticks come
        assert collected.wait_for(31)[1:] == [[0xF8]] * 30
        assert poller.passes - passes <= 12  # 10 wakes for 30 ticks, not 30
        for _ in range(2):
            sender.send_message([0xF8])
        sender.send_message([0xFC])  # Stop: wakes the poller with the two ticks before it
        assert collected.wait_for(34, timeout=0.5)[31:] == [[0xF8], [0xF8], [0xFC]]
