"""Golden bytes of the drum link protocol, and the table checked against the firmware's header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridge.drum import protocol as p

HEADER = Path(__file__).resolve().parents[2] / "firmware" / "drumbridge" / "src" / "protocol.h"


def test_requests_golden_bytes() -> None:
    assert p.hello() == bytes.fromhex("F0 7D 01 F7")
    assert p.cal_get(2) == bytes.fromhex("F0 7D 02 02 F7")
    assert p.save() == bytes.fromhex("F0 7D 04 F7")
    assert p.status_get() == bytes.fromhex("F0 7D 05 F7")
    assert p.status_clear() == bytes.fromhex("F0 7D 06 F7")
    assert p.test_strike(1, 100) == bytes.fromhex("F0 7D 07 01 64 F7")
    assert p.panic() == bytes.fromhex("F0 7D 08 F7")
    assert p.map_get() == bytes.fromhex("F0 7D 09 F7")
    assert p.defaults() == bytes.fromhex("F0 7D 0B F7")
    assert p.note_on(36, 100) == bytes.fromhex("99 24 64")
    assert p.note_on(38, 127, channel=0) == bytes.fromhex("90 26 7F")


def test_calibration_golden_bytes() -> None:
    assert p.cal_set(0, p.Calibration()) == bytes.fromhex(
        "F0 7D 03 00  1E 00 14 00 1E 00 0F 00 5A 00 64 00  00 28 00 F7")
    cal = p.Calibration(forward_ms=1000, pause_ms=0, back_ms=200, latency_ms=128, min_interval_ms=10000,
                        max_on_ms=1, vel_mode="both", vel_floor_pct=100, vel_curve="quadratic")
    wire = p.encode_calibration(cal)
    assert wire == bytes.fromhex("68 07 00 00 48 01 00 01 10 4E 01 00 02 64 01")
    assert p.decode_calibration(wire) == cal


def test_map_golden_bytes() -> None:
    assert p.map_set(p.NoteMap()) == bytes.fromhex("F0 7D 0A 7F 24 00 26 01" + " 00 7F" * 6 + " F7")
    note_map = p.NoteMap({42: 2, 36: 0}, channel=9)
    assert p.encode_map(note_map)[:5] == bytes.fromhex("09 24 00 2A 02")
    assert p.decode_map(p.encode_map(note_map)) == note_map


def test_bad_values_refused_before_the_wire() -> None:
    with pytest.raises(ValueError, match="forward_ms"):
        p.encode_calibration(p.Calibration(forward_ms=1001))
    with pytest.raises(ValueError, match="max_on_ms"):
        p.encode_calibration(p.Calibration(max_on_ms=0))
    with pytest.raises(ValueError, match="at most 8"):
        p.encode_map(p.NoteMap({n: 0 for n in range(9)}))
    with pytest.raises(ValueError):
        p.test_strike(0, 0)


def test_replies_decode() -> None:
    parser = p.ReplyParser()
    boot = bytes.fromhex("F0 7D 70 01 01 00 00 08 00 04 00 F7")
    hello = bytes.fromhex("F0 7D 41 01 01 02 03 04 01 F7")
    ack = bytes.fromhex("F0 7D 60 07 06 F7")
    counters = b"".join(p.pack32(v) for v in (300, 1, 2, 3, 4, 5, 6, 7, 8, 2**32 - 1))
    status = bytes((0xF0, 0x7D, 0x45, 0x05, 0x03)) + counters + b"\xF7"
    cal = bytes.fromhex("F0 7D 42 03") + p.encode_calibration(p.Calibration(latency_ms=25)) + b"\xF7"
    # split mid-frame, with a realtime byte inside: the parser must not care
    stream = boot + hello[:4] + b"\xFE" + hello[4:] + ack + status + cal
    replies = parser.feed(stream[:7]) + parser.feed(stream[7:])
    assert replies == [
        p.Boot(1, "1.0.0", ("watchdog",), "loaded", 4, "hbridge"),
        p.Hello(1, "1.2.3", 4, "shield-v1"),
        p.Ack(0x07, 0x06),
        p.Status(("heartbeat_seen", "fault"), (0, 1),
                 dict(zip(p.STATUS_COUNTERS, (300, 1, 2, 3, 4, 5, 6, 7, 8, 2**32 - 1)))),
        p.CalReply(3, p.Calibration(latency_ms=25)),
    ]
    assert replies[2].meaning.startswith("refused")
    assert parser.errors == 0


def test_garbage_is_counted_not_fatal() -> None:
    parser = p.ReplyParser()
    replies = parser.feed(bytes.fromhex("F0 7D 41 01 F7  F0 12 34 F7  F0 7D 60 07 F0 7D 60 04 00 F7"))
    assert replies == [p.Ack(0x04, 0x00)]
    assert parser.errors == 3  # short hello, foreign SysEx, frame cut by F0


def _header_defines() -> dict[str, int]:
    text = HEADER.read_text()
    defines = {m[1]: int(m[2], 0) for m in re.finditer(r"#define\s+(DB_\w+)\s+(0x[0-9A-Fa-f]+|\d+)U?L?\b", text)}
    enum = re.search(r"enum\s*{(.*?)}", text, re.S)
    assert enum is not None
    names = [n.split("=")[0].strip() for n in re.sub(r"/\*.*?\*/", "", enum[1], flags=re.S).split(",") if n.strip()]
    defines["counters"] = names  # type: ignore[assignment]
    return defines


@pytest.mark.skipif(not HEADER.exists(), reason="firmware/drumbridge/src/protocol.h not in this checkout")
def test_table_matches_firmware_header() -> None:
    h = _header_defines()
    ours = {
        "DB_PROTOCOL_VERSION": p.PROTOCOL_VERSION, "DB_BAUD": p.BAUD, "DB_SYSEX_ID": p.SYSEX_ID,
        "DB_MIDI_ACTIVE_SENSING": p.ACTIVE_SENSING, "DB_HEARTBEAT_TIMEOUT_MS": p.HEARTBEAT_TIMEOUT_MS,
        "DB_REPLY_TIMEOUT_MS": p.REPLY_TIMEOUT_MS,
        "DB_CAL_WIRE_LEN": p.CAL_WIRE_LEN, "DB_CAL_MAX_PHASE_MS": p.CAL_MAX_PHASE_MS,
        "DB_CAL_MAX_INTERVAL_MS": p.CAL_MAX_INTERVAL_MS, "DB_MAP_SLOTS": p.MAP_SLOTS,
        "DB_CHANNEL_OMNI": p.CHANNEL_OMNI, "DB_MAP_EMPTY": p.MAP_EMPTY, "DB_ACK_OK": p.ACK_OK,
        "DB_ACK_REFUSED_TOO_SOON": p.ACK_REFUSED[0], "DB_ACK_REFUSED_MAX_ON": p.ACK_REFUSED[1],
    }
    for name in ("HELLO", "CAL_GET", "CAL_SET", "SAVE", "STATUS_GET", "STATUS_CLEAR", "TEST_STRIKE", "PANIC",
                 "MAP_GET", "MAP_SET", "DEFAULTS"):
        ours[f"DB_CMD_{name}"] = getattr(p, f"CMD_{name}")
    for name in ("HELLO", "CAL", "STATUS", "MAP", "ACK"):
        ours[f"DB_REPLY_{name}"] = getattr(p, f"REPLY_{name}")
    ours["DB_NOTICE_BOOT"] = p.NOTICE_BOOT
    for i, mode in enumerate(p.VEL_MODES):
        ours[f"DB_VEL_MODE_{mode.upper()}"] = i
    for i, curve in enumerate(p.VEL_CURVES):
        ours[f"DB_VEL_CURVE_{curve.upper()}"] = i
    mismatched = {k: (v, h.get(k)) for k, v in ours.items() if h.get(k) != v}
    assert not mismatched, f"bridge/drum/protocol.py vs protocol.h (ours, theirs): {mismatched}"
    assert [n.removeprefix("DB_CTR_").lower() for n in h["counters"] if n != "DB_STATUS_COUNTERS"] == \
        list(p.STATUS_COUNTERS)
    for code in p.ACK_NAMES:
        assert code in h.values()
    for bit, name in p.RESET_CAUSES:
        assert h[f"DB_RESET_{name.upper().replace('-', '_')}"] == bit


DOC = HEADER.parents[2] / "PROTOCOL.md"


def _golden_lines() -> list[tuple[str, bytes]]:
    lines = []
    for body in re.findall(r"```golden\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        for line in body.strip().splitlines():
            direction, hexbytes = line.split(" ", 1)
            lines.append((direction, bytes.fromhex(hexbytes)))
    return lines


def _encode_like(request: bytes) -> bytes | None:
    """Our encoder's bytes for the request `request` describes; None for deliberately malformed ones."""
    command, d = request[2], request[3:-1]
    simple = {p.CMD_HELLO: p.hello, p.CMD_SAVE: p.save, p.CMD_STATUS_GET: p.status_get,
              p.CMD_STATUS_CLEAR: p.status_clear, p.CMD_PANIC: p.panic, p.CMD_MAP_GET: p.map_get,
              p.CMD_DEFAULTS: p.defaults}
    if command in simple and not d:
        return simple[command]()
    if command == p.CMD_CAL_GET and len(d) == 1:
        return p.cal_get(d[0])
    if command == p.CMD_CAL_SET and len(d) == 1 + p.CAL_WIRE_LEN:
        return p.cal_set(d[0], p.decode_calibration(d[1:]))
    if command == p.CMD_TEST_STRIKE and len(d) == 2:
        return p.test_strike(d[0], d[1])
    if command == p.CMD_MAP_SET and len(d) == p.MAP_WIRE_LEN:
        return p.map_set(p.decode_map(d))
    return None


@pytest.mark.skipif(not DOC.exists(), reason="firmware/PROTOCOL.md not in this checkout")
def test_every_golden_example_in_the_firmware_doc() -> None:
    lines = _golden_lines()
    assert len(lines) >= 20
    parser = p.ReplyParser()
    checked = refused = 0
    for i, (direction, data) in enumerate(lines):
        if direction == "←":
            replies = parser.feed(data)
            assert len(replies) == 1 and parser.errors == 0, (data.hex(" "), parser.last_error)
            continue
        try:
            ours = _encode_like(data)
        except ValueError:  # the host refuses to send it; the firmware must refuse it too
            answer = parser.feed(lines[i + 1][1])
            assert isinstance(answer[0], p.Ack) and not answer[0].ok, data.hex(" ")
            refused += 1
            continue
        if ours is not None:
            assert ours == data, f"ours {ours.hex(' ')} vs doc {data.hex(' ')}"
            checked += 1
    assert checked >= 12 and refused >= 2
