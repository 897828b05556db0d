"""Messages handed to a JACK output ahead of their time (our rtmidi build's timed sends) leave on time, in order."""

from __future__ import annotations

import time

import pytest

from bridge.midi.api import timed_send_function
from bridge.midi.jack_server import JackServer
from tests.midi.collect import heard_output
from tests.waiting import wait_until

pytestmark = pytest.mark.jack


def test_a_jack_output_holds_each_message_until_its_time_and_sends_in_time_order(jack_server: JackServer) -> None:
    assert timed_send_function() is not None, "rtmidi is not our build (make setup builds it)"
    period = jack_server.period / jack_server.rate
    with heard_output("drumbridge timed out", "timed-listener") as (out, listener):
        assert out.lookahead >= 0.1
        now = time.monotonic()
        dues = {60: now + 0.09, 61: now + 0.05, 62: now + 0.05}
        for note, due in dues.items():
            out.send_at([0x90, note, 100], due)
        out.send([0x90, 63, 100])  # an ordinary send leaves at once, ahead of the held ones
        def notes() -> list[tuple[list[int], float]]:  # not the probes sent while the connection came up
            return [(data, t) for data, t in listener.received if data[0] == 0x90]

        received = wait_until(lambda: len(notes()) >= 4 and notes(), timeout=2.0)
        assert [data[1] for data, _t in received] == [63, 61, 62, 60]  # by time; equal times keep their order
        for data, arrived in received[1:]:
            assert arrived >= dues[data[1]] - 2 * period, f"note {data[1]} left {dues[data[1]] - arrived:.4f} s early"
        assert out.stats.messages >= 5 and out.stats.errors == 0


def test_closing_waits_for_what_was_sent_ahead(jack_server: JackServer) -> None:
    with heard_output("drumbridge timed close", "timed-close-listener") as (out, listener):
        out.send_at([0xFC], time.monotonic() + 0.08)  # the show's last Stop, after its ticks sent ahead
        out.close()
        received = wait_until(lambda: [data for data, _t in listener.received if data == [0xFC]], timeout=2.0)
        assert received == [[0xFC]]
