"""Set files: every shipped set is valid; every kind of mistake is named with file, key and expectation."""

from __future__ import annotations

import re
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
     "osc.targets.v.port: input should be less than or equal to 65535"),
    ('[[osc.targets]]\nname = "v"\nport = 9000\n', "osc.targets.v.host: required key is missing"),
    ('[clock]\nport = "x"\noutput = "x"\n', "clock.port and clock.output must be different"),
])
def test_mistakes_are_reported_with_file_and_key(text: str, expected: str) -> None:
    with pytest.raises(SetFileError) as raised:
        parse_set(text, "live_sets/broken.toml")
    assert re.match(r"live_sets/broken\.toml:\d+: ", str(raised.value)) or "(top level)" in str(raised.value)
    assert expected in str(raised.value)


def test_missing_file() -> None:
    with pytest.raises(SetFileError, match="no such file"):
        load_set("live_sets/does-not-exist.toml")


def test_deeply_nested_toml_is_one_clear_error() -> None:
    for text in ("a = " + "[" * 3000 + "]" * 3000, "a = " + "[" * 100 + "]" * 100, "a = " + "{b = " * 400 + "1" +
                 "}" * 400):
        with pytest.raises(SetFileError) as raised:
            parse_set(text, "deep.toml")
        assert str(raised.value).count("\n") == 0
        assert "nested" in str(raised.value) and "32 levels" in str(raised.value)


@pytest.mark.parametrize(("text", "expected"), [
    ('[[responders]]\nname = "d"\nmodel = "builtin:drums"\ntemperature = 1e-320\n',
     "d.toml:4: responders.d.temperature: input should be greater than or equal to 0.05 (got 1e-320)"),
    ('[[responders]]\nname = "d"\nmodel = "builtin:drums"\ngate = 1e-9\n',
     "responders.d.gate: input should be greater than or equal to 0.01"),
    ('[clock]\nsource = "link"\nquantum = 1e-300\n', "clock.quantum: input should be greater than or equal to 1"),
])
def test_values_musicians_can_reach_are_validated(text: str, expected: str) -> None:
    with pytest.raises(SetFileError) as raised:
        parse_set(text, "d.toml")
    assert expected in str(raised.value)


def test_counts_are_capped_with_one_clear_error() -> None:
    text = "".join(f'[[responders]]\nname = "r{i}"\nmodel = "builtin:drums"\n' for i in range(10_000))
    with pytest.raises(SetFileError) as raised:
        parse_set(text, "many.toml")
    assert str(raised.value) == "many.toml:1: responders: 10000 given; a show takes at most 32"
    with pytest.raises(SetFileError, match=r"osc\.targets: 17 given; a show takes at most 16"):
        parse_set("".join(f'[[osc.targets]]\nname = "t{i}"\nhost = "h"\nport = 1\n' for i in range(17)))
    with pytest.raises(SetFileError, match=r"responders\.d\.models: 40 given; a show takes at most 16"):
        parse_set('[[responders]]\nname = "d"\nmodel = "a.mag"\nmodels = [' + ", ".join(['"x.mag"'] * 40) + "]\n")
