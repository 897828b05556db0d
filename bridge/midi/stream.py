"""Split raw MIDI bytes into messages the way the MIDI spec reads a byte stream, SysEx and realtime included.

A SysEx arrives as one bundle of bytes; stock rtmidi's JACK input also held everything after an
unterminated SysEx start (0xF0) until an 0xF7 came, realtime bytes and later messages included (our
build passes realtime on and ends the SysEx at the next status byte: scripts/rtmidi-drumbridge.patch).
`split_stream` takes any such bundle apart: realtime bytes are messages wherever they sit, a SysEx
ends at its 0xF7 or at the next status byte (an unterminated SysEx is dropped and counted), other
messages are cut by their length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYSEX_START, SYSEX_END, CLOCK_TICK = 0xF0, 0xF7, 0xF8
_DATA_LENGTH = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_LENGTH = {0xF1: 1, 0xF2: 2, 0xF3: 1}


@dataclass
class SplitBytes:
    """The messages found in one bundle of bytes, in order, and what had to be dropped."""

    messages: list[list[int]] = field(default_factory=list)
    dropped_sysex: int = 0  # SysEx messages that never saw their 0xF7
    dropped_bytes: int = 0  # data bytes with no status to belong to, and cut-short messages


def _length(status: int) -> int:
    if status < 0xF0:
        return _DATA_LENGTH[status & 0xF0]
    return _SYSTEM_LENGTH.get(status, 0)


def split_stream(data: list[int] | bytes | tuple[int, ...]) -> SplitBytes:
    """Every message in `data`; realtime bytes inside a SysEx come out as messages of their own."""
    out = SplitBytes()
    current: list[int] = []
    in_sysex = False

    def close_current() -> None:
        nonlocal current, in_sysex
        if in_sysex:
            out.dropped_sysex += 1
        elif len(current) > 1:
            out.dropped_bytes += len(current)  # a message cut short by the next status byte
        current, in_sysex = [], False

    for byte in data:
        if byte >= CLOCK_TICK:
            out.messages.append([byte])
            continue
        if byte == SYSEX_END:
            if in_sysex:
                current.append(byte)
                out.messages.append(current)
                current, in_sysex = [], False
            else:
                close_current()
                out.dropped_bytes += 1  # a lone 0xF7
            continue
        if byte & 0x80:
            close_current()
            current, in_sysex = [byte], byte == SYSEX_START
        elif current:
            current.append(byte)
        else:
            out.dropped_bytes += 1
            continue
        if current and not in_sysex and len(current) == _length(current[0]) + 1:
            out.messages.append(current)
            current = [current[0]] if current[0] < 0xF0 else []  # running status for channel messages
    if in_sysex:
        out.dropped_sysex += 1
    elif len(current) > 1:
        out.dropped_bytes += len(current)
    return out
