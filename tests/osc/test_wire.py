"""OSC bytes, checked against golden datagrams and against python-osc's independent parser."""

from __future__ import annotations

import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from bridge.osc.wire import OscEncodeError, build_message, encode_bundle, encode_message


def test_message_golden_bytes() -> None:
    assert encode_message("/drumbridge/clock/beat", [3, 2]) == (
        b"/drumbridge/clock/beat\0\0" b",ii\0" b"\0\0\0\x03" b"\0\0\0\x02")
    assert encode_message("/a", [0.5, "hi", True, False]) == (
        b"/a\0\0" b",fsTF\0\0\0" b"\x3f\x00\x00\x00" b"hi\0\0")
    assert encode_message("/abc", []) == b"/abc\0\0\0\0" b",\0\0\0"


def test_python_osc_reads_what_we_write() -> None:
    message = OscMessage(encode_message("/drumbridge/drum/kick", [0.75, 60, "x", b"\x01\x02"]))
    assert message.address == "/drumbridge/drum/kick"
    assert message.params == [0.75, 60, "x", b"\x01\x02"]


def test_bundle_and_time_tag() -> None:
    tag = ((1_700_000_000 + 2_208_988_800) << 32) | (1 << 30)  # NTP seconds since 1900 . fraction 0.25
    inner = build_message("/x", [1])
    data = encode_bundle(1_700_000_000.25, [inner, inner])
    assert data == b"#bundle\0" + tag.to_bytes(8, "big") + 2 * (b"\0\0\0\x0c" b"/x\0\0" b",i\0\0" b"\0\0\0\x01")
    bundle = OscBundle(data)
    assert bundle.num_contents == 2
    assert bundle.timestamp == pytest.approx(1_700_000_000.25)
    assert encode_bundle(None, [inner])[8:16] == b"\0" * 7 + b"\x01"  # the "immediately" tag


def test_unencodable_arguments_are_refused() -> None:
    with pytest.raises(OscEncodeError, match="int32"):
        encode_message("/x", [2**40])
    with pytest.raises(OscEncodeError, match="NoneType"):
        encode_message("/x", [None])
