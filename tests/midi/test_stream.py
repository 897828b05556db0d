"""Taking apart what rtmidi hands over behind a SysEx: realtime bytes followed, stuck SysEx dropped and counted."""

from __future__ import annotations

from bridge.clock.ephemera import ClockStatus
from bridge.clock.follower import MidiClockFollower
from bridge.midi.stream import split_stream


def test_realtime_bytes_inside_a_sysex_are_messages_of_their_own() -> None:
    split = split_stream([0xF0, 0x7D, 0x01, 0xF8, 0x02, 0xFA, 0xF7])
    assert split.messages == [[0xF8], [0xFA], [0xF0, 0x7D, 0x01, 0x02, 0xF7]]
    assert split.dropped_sysex == 0


def test_an_unterminated_sysex_is_dropped_and_later_messages_kept() -> None:
    split = split_stream([0xF0, 0x7D, 0x01, 0xF8, 0x90, 60, 100, 62, 0])
    assert split.messages == [[0xF8], [0x90, 60, 100], [0x90, 62, 0]]
    assert split.dropped_sysex == 1


def test_lone_end_of_sysex_and_stray_data_are_counted_not_passed_on() -> None:
    split = split_stream([0xF7, 0x12, 0xF8, 0xB0, 7])
    assert split.messages == [[0xF8]]
    assert split.dropped_bytes == 4  # F7, 0x12, and the cut-short control change


def test_a_sysex_cut_off_alone_is_dropped_and_counted() -> None:
    split = split_stream([0xF0, 0x7D, 0x01, 0x02])  # what our rtmidi hands over when a note cuts a SysEx off
    assert split.messages == [] and split.dropped_sysex == 1


def test_a_lone_end_of_sysex_does_not_stall_the_follower_in_virtual_time() -> None:
    follower = MidiClockFollower()
    follower.feed([0xFA], 0.0)
    period = 0.5 / 24
    for k in range(24 * 8):
        t = 0.001 + k * period
        if k == 24 * 2:
            for message in split_stream([0xF7]).messages:
                follower.feed(message, t)
        follower.feed([0xF8], t)
        follower.poll(t + period / 2)
        if k > 24:
            assert follower.status is ClockStatus.LOCKED
