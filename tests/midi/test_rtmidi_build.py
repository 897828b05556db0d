"""The python-rtmidi that `make setup` builds: linked to the system libjack, and its JACK input patched.

A reader that falls behind its source (jackd hands it the sender's buffer, and the sender's next
cycle clears it) used to read events that were no longer there: the stock wheel repeats stale
events (phantom duplicate notes) or crashes on a NULL buffer. The patched input skips them.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
import rtmidi
import rtmidi._rtmidi

from bridge.midi.api import make_midi_in, make_midi_out


def test_rtmidi_links_the_system_libjack_not_a_bundled_copy() -> None:
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    libs = subprocess.run(["ldd", rtmidi._rtmidi.__file__], capture_output=True, text=True, check=True).stdout
    jack = [line.strip() for line in libs.splitlines() if "libjack" in line]
    assert jack, f"_rtmidi is not linked to libjack at all:\n{libs}"
    assert all("=> /lib/" in line or "=> /usr/lib/" in line for line in jack), (
        f"python-rtmidi uses a bundled libjack ({jack}); run `make setup` (scripts/build-rtmidi.sh)")
    assert rtmidi.API_UNIX_JACK in rtmidi.get_compiled_api()


def test_an_overloaded_jack_reader_drops_events_and_never_repeats_them(jack_server: object) -> None:
    """A burst of distinct notes into an input whose callback (run in JACK's thread) cannot keep up."""
    out = make_midi_out("rtmidi-burst-src")
    out.open_virtual_port("out")
    reader = make_midi_in("rtmidi-burst-dst")
    received: list[tuple[int, ...]] = []
    arrived = threading.Event()

    def on_message(event: tuple[list[int], float], _data: object) -> None:
        received.append(tuple(event[0]))
        arrived.set()

    reader.set_callback(on_message)
    ports = list(reader.get_ports())
    reader.open_port(next(i for i, p in enumerate(ports) if p.startswith("rtmidi-burst-src:out")), "in")
    try:
        out.send_message([0x90, 1, 1])  # one note first: the connection is live once it is back
        assert arrived.wait(5.0), "the JACK connection never carried a note"
        sent = [(0x90 | channel, pitch, velocity) for channel in range(2) for pitch in range(128)
                for velocity in range(2, 6)]  # 1024 distinct notes
        for message in sent:
            out.send_message(list(message))
        last = -1
        while last != len(received):  # until the reader has been quiet for half a second
            last = len(received)
            arrived.clear()
            arrived.wait(0.5)
    finally:
        reader.close_port()
        out.close_port()
        reader.delete()
        out.delete()
    burst = received[1:]
    assert burst, "nothing of the burst arrived"
    assert set(burst) <= set(sent), f"bytes that were never sent: {sorted(set(burst) - set(sent))[:5]}"
    repeats = len(burst) - len(set(burst))
    assert repeats == 0, f"{repeats} of {len(burst)} notes arrived twice or more (stale JACK events re-read)"

