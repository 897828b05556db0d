"""Set files: every shipped set is valid; every kind of mistake is named with file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.setfile import SetFileError, load_set, parse_set

SETS = sorted((Path(__file__).resolve().parent.parent / "live_sets").glob("*.toml"))


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_shipped_set_is_valid(path: Path) -> None:
    config = load_set(path)
    assert config.clock.source in ("midi", "internal", "link")


def test_demo_set_is_internal_clock_at_120_with_osc_to_9000() -> None:
    config = load_set(Path(__file__).resolve().parent.parent / "live_sets" / "demo.toml")
    assert (config.clock.source, config.clock.bpm) == ("internal", 120.0)
    assert [(t.host, t.port) for t in config.osc.targets][0] == ("127.0.0.1", 9000)


@pytest.mark.parametrize(("text", "expected"), [
    ("[clock\n", "not valid TOML"),
    ('[clock]\nsorce = "midi"\n', "clock.sorce: unknown key"),
    ('[clock]\nbpm = "fast"\n', "clock.bpm: input should be a valid number"),
    ('[clock]\nsource = "midy"\n', "clock.source: input should be 'midi', 'internal' or 'link'"),
    ('[[osc.targets]]\nname = "v"\nhost = "h"\nport = 70000\n',
     "osc.targets[0].port: input should be less than or equal to 65535"),
    ('[[osc.targets]]\nname = "v"\nport = 9000\n', "osc.targets[0].host: required key is missing"),
    ('[clock]\nport = "x"\noutput = "x"\n', "clock.port and clock.output must be different"),
])
def test_mistakes_are_reported_with_file_and_key(text: str, expected: str) -> None:
    with pytest.raises(SetFileError) as raised:
        parse_set(text, "live_sets/broken.toml")
    assert str(raised.value).startswith("live_sets/broken.toml: ")
    assert expected in str(raised.value)


def test_missing_file() -> None:
    with pytest.raises(SetFileError, match="no such file"):
        load_set("live_sets/does-not-exist.toml")
