"""OSC 1.0 bytes on the wire: messages and time-tagged bundles, as pure functions (golden-byte tested)."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)
IMMEDIATELY = 1  # the special time tag "now"


class OscEncodeError(ValueError):
    """An argument OSC cannot carry."""


def _pad(data: bytes) -> bytes:
    """OSC strings and blobs are padded with zeros to a multiple of 4 (strings always get at least one 0)."""
    return data + b"\0" * (4 - len(data) % 4)


def _string(text: str) -> bytes:
    return _pad(text.encode("utf-8"))


def encode_message(address: str, args: Sequence[Any] = ()) -> bytes:
    """The datagram for `address` with `args`: bool → T/F, int → i, float → f, str → s, bytes → b."""
    tags = ","
    payload = bytearray()
    for arg in args:
        if arg is True:
            tags += "T"
        elif arg is False:
            tags += "F"
        elif isinstance(arg, int):
            if not -(2**31) <= arg < 2**31:
                raise OscEncodeError(f"integer {arg} does not fit OSC int32")
            tags += "i"
            payload += struct.pack(">i", arg)
        elif isinstance(arg, float):
            tags += "f"
            payload += struct.pack(">f", arg)
        elif isinstance(arg, str):
            tags += "s"
            payload += _string(arg)
        elif isinstance(arg, bytes | bytearray):
            tags += "b"
            payload += struct.pack(">i", len(arg)) + bytes(arg) + b"\0" * (-len(arg) % 4)
        else:
            raise OscEncodeError(f"OSC cannot carry {type(arg).__name__} {arg!r}")
    return _string(address) + _string(tags) + bytes(payload)


def ntp_time_tag(unix_seconds: float) -> int:
    """The 64-bit OSC time tag (NTP format: seconds since 1900 << 32 | fraction) for a Unix time."""
    seconds = unix_seconds + NTP_EPOCH_OFFSET
    whole = int(seconds)
    fraction = round((seconds - whole) * 2**32)
    if fraction >= 2**32:
        whole, fraction = whole + 1, 0
    return (whole << 32) | fraction


def encode_bundle(time_tag: int, messages: Iterable[bytes]) -> bytes:
    """A `#bundle` holding the encoded `messages`, to be applied at `time_tag`."""
    out = bytearray(b"#bundle\0")
    out += struct.pack(">Q", time_tag)
    for message in messages:
        out += struct.pack(">i", len(message)) + message
    return bytes(out)
