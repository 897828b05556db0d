"""How often the input poller looks: 1 ms while MIDI flows, gentler the longer every input is silent."""

from __future__ import annotations

from bridge.midi.poller import InputPoller


def test_the_poll_period_grows_with_silence_and_drops_back_at_the_first_message() -> None:
    poller = InputPoller()
    assert [poller.period_after(s) for s in (0.0, 0.49, 0.5, 9.9, 10.0, 600.0)] == \
        [0.001, 0.001, 0.002, 0.002, 0.01, 0.01]
