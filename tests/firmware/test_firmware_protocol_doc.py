"""Runs every golden example in firmware/PROTOCOL.md against the real firmware in simavr."""

from __future__ import annotations

import re

import pytest

from fwsim import FIRMWARE_DIR, run_script, sysex_messages

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
