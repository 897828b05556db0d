"""MIDI input is read by the poller thread, never on JACK's real-time thread; one broken handler stops no other port."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bridge.midi.poller import POLLER
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


def test_an_idle_input_is_polled_gently_and_its_flush_markers_back_off(jack_server: object) -> None:
    with input_with_sender("drumbridge poll idle", "poll-idle") as (port, sender, collected):
        wait_until(lambda: not POLLER.quiet)
        # nothing but the SysEx flusher's own markers now: they are not input, so the poller goes quiet
        wait_until(lambda: POLLER.quiet, timeout=3.0)
        flusher = port._flusher
        assert flusher is not None
        wait_until(lambda: time.monotonic() - port._last_arrival > 1.1, timeout=3.0, interval=0.05)
        before, started = flusher.flushes, time.monotonic()
        wait_until(lambda: flusher.flushes >= before + 2, timeout=3.0)
        assert time.monotonic() - started >= 0.5  # after a second of silence: a marker every 0.5 s, not every 50 ms
        sender.send([0x90, 61, 100])  # real input again: the poller is back at its 1 ms period at once
        collected.wait_for(2)
        wait_until(lambda: not POLLER.quiet)


def sources_of(port_name: str) -> int:
    """How many JACK ports are connected to our input `port_name` right now (jack_lsp -c)."""
    lines = subprocess.run(["jack_lsp", "-c"], capture_output=True, text=True, timeout=10,
                           env=dict(os.environ, JACK_NO_START_SERVER="1")).stdout.splitlines()
    count, inside = 0, False
    for line in lines:
        if not line.startswith(" "):
            inside = line.split(":", 1)[-1] == port_name
        elif inside:
            count += 1
    return count


def test_notes_played_around_each_flush_all_arrive(jack_server: object, capfd: pytest.CaptureFixture[str]) -> None:
    """The flusher's marker never costs the musician a note: 20 times, a burst right after a marker.

    A flusher that registered a port per marker and unregistered it after made jackd's mixdown find
    a dead source ("invalid source buffer") and drop every event of that cycle. Its port now stays
    connected for the life of the input.
    """
    with input_with_sender("drumbridge flush notes", "flush-notes-sender") as (port, sender, collected):
        flusher = port._flusher
        assert flusher is not None
        capfd.readouterr()  # the sender's own port appearing (and, below, going) is not the flusher's doing
        sent, connected = 1, []
        for burst in range(20):
            before = flusher.flushes
            wait_until(lambda before=before: flusher.flushes > before, timeout=3.0, interval=0.002)
            for k in range(30):  # a fast fill over the next ~30 ms, where the old flusher let go of its port
                sender.send([0x90 | (burst % 16), 30 + k, 1 + burst])
                sent += 1
                time.sleep(0.001)
            if burst % 5 == 4:
                connected.append(sources_of("drumbridge flush notes"))
        try:
            collected.wait_for(sent, timeout=3.0)
        except AssertionError:
            pytest.fail(f"{sent - len(collected.messages)} of {sent} notes lost around flushes")
        said = capfd.readouterr().err
    assert connected == [2] * 4  # the sender and the flusher, between markers as well as during them
    assert "invalid source buffer" not in said


def test_the_poller_sleeps_on_rtmidis_eventfd_and_wakes_for_each_message(jack_server: object) -> None:
    """Our rtmidi build counts up an eventfd for every queued message (scripts/rtmidi-drumbridge.patch).

    A poller that would look only once a minute on its timer still reads each note at once, and an
    idle input costs it no passes: it sleeps until there is something to read.
    """
    from bridge.midi.api import make_midi_in, make_midi_out
    from bridge.midi.poller import InputPoller, rtmidi_input_fd
    from bridge.midi.ports import find_port

    assert rtmidi_input_fd() is not None, "rtmidi without drumbridge's patch: run `make setup`"
    poller = InputPoller(period=60.0, quiet_period=60.0, idle_period=60.0)
    collected = Collected()
    reader = make_midi_in("poll-eventfd-dst")
    reader.open_virtual_port("in")
    sender = make_midi_out("poll-eventfd-src")
    sender.open_port(find_port(list(sender.get_ports()), "poll-eventfd-dst:in"))
    poller.add(reader, lambda event: collected("in", event[0], event[1]))
    try:
        for note in range(5):
            sender.send_message([0x90, 60 + note, 100])
            assert collected.wait_for(note + 1)[note] == [0x90, 60 + note, 100]
        passes = poller.passes
        time.sleep(0.3)  # idle: the poller must not be looking on a timer meanwhile
        assert poller.passes - passes <= 1  # at most the one pass when the input turns quiet
    finally:
        poller.remove(reader)
        sender.close_port()
        reader.close_port()
        sender.delete()
        reader.delete()
