"""The set-file examples in docs/osc.md are valid, together, as one set."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.setfile import parse_set

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "osc.md"


def test_osc_doc_examples_form_a_valid_set() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 3
    osc = parse_set("\n".join(blocks), "docs/osc.md").osc
    assert {c.name for c in osc.cues} >= {"phrase", "chorus_in", "pickup", "kick_flash", "keys_high", "answering"}
    assert [t.name for t in osc.targets] == ["vdmx", "stage"]
    assert osc.listen is not None and osc.listen.host == "127.0.0.1"
