"""Runs every golden example in firmware/PROTOCOL.md against the real firmware in simavr."""

from __future__ import annotations

import re

import pytest

from tests.firmware.fwsim import FIRMWARE_DIR, run_script, sysex_messages

pytestmark = pytest.mark.usefixtures("sim")

HOST_SPACING_US = 20_000


def golden_blocks() -> list[list[tuple[str, bytes]]]:
    """Each ```golden block as [(direction, bytes)], direction '→' (host) or '←' (drum)."""
    text = (FIRMWARE_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    blocks = []
    for body in re.findall(r"```golden\n(.*?)```", text, re.S):
        lines = []
        for line in body.strip().splitlines():
            direction, hexbytes = line.split(" ", 1)
            assert direction in ("→", "←"), line
            lines.append((direction, bytes.fromhex(hexbytes)))
        blocks.append(lines)
    return blocks


BLOCKS = golden_blocks()


def test_protocol_doc_has_golden_examples() -> None:
    assert len(BLOCKS) >= 7


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_golden_example(block: list[tuple[str, bytes]]) -> None:
    host = [b for d, b in block if d == "→"]
    expected = [b for d, b in block if d == "←"]
    events = [(10_000 + i * HOST_SPACING_US, b) for i, b in enumerate(host)]
    run = run_script(events, ms=10 + len(host) * HOST_SPACING_US // 1000 + 500)
    replies = sysex_messages(run.tx())
    if block[0][0] == "→":
        replies = replies[1:]  # the boot notice is not part of this example
    assert [r.hex(" ").upper() for r in replies] == [e.hex(" ").upper() for e in expected]


def header_values(prefix: str) -> dict[str, int]:
    """NAME -> value of every `#define DB_<prefix>NAME 0x..` in firmware/drumbridge/src/protocol.h."""
    text = (FIRMWARE_DIR / "drumbridge" / "src" / "protocol.h").read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(rf"#define DB_{prefix}(\w+)\s+0x([0-9A-Fa-f]+)", text)}


def doc_table(header: str) -> dict[str, int]:
    """NAME -> byte from the PROTOCOL.md table with this header row."""
    text = (FIRMWARE_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    table = text.split(header, 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \| `([0-9A-F]{2})` \|", table, re.M)
    return {name: int(byte, 16) for name, byte in rows}


def test_command_tables_match_protocol_header() -> None:
    commands = header_values("CMD_")
    assert doc_table("| command | byte | request data | reply |") == commands
    replies = {f"{k}_REPLY": v for k, v in header_values("REPLY_").items() if k != "ACK"}
    replies["ACK"] = header_values("REPLY_")["ACK"]
    replies["BOOT_NOTICE"] = header_values("NOTICE_")["BOOT"]
    assert doc_table("| reply | byte | data |") == replies


def test_ack_codes_match_protocol_header() -> None:
    text = (FIRMWARE_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    table = text.split("| code | name | when |", 1)[1].split("\n\n", 1)[0]
    rows = {name: int(code, 16) for code, name in re.findall(r"^\| `([0-9A-F]{2})` \| (\w+) \|", table, re.M)}
    assert rows == header_values("ACK_")


def test_reply_timeout_in_the_doc_matches_protocol_header() -> None:
    text = (FIRMWARE_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    stated = re.search(r"`REPLY_TIMEOUT` = (\d+) ms \(`DB_REPLY_TIMEOUT_MS`\)", text)
    assert stated is not None, "PROTOCOL.md section 5 must state the reply timeout"
    header = (FIRMWARE_DIR / "drumbridge" / "src" / "protocol.h").read_text(encoding="utf-8")
    defined = re.search(r"#define DB_REPLY_TIMEOUT_MS (\d+)", header)
    assert defined is not None and int(stated[1]) == int(defined[1])
