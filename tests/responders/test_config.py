"""The [[responders]] section, the show files that use it, model loading errors, and the routing table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.responders.generator import GeneratorError
from bridge.responders.loader import BUILTIN_MODELS, load_generator
from bridge.routing import format_routing
from bridge.setfile import SetFileError, load_set, parse_set
from tests.responders.rig import make_rig

LIVE_SETS = Path(__file__).resolve().parent.parent.parent / "live_sets"
MINIMAL = '[[responders]]\nname = "drums"\nmodel = "x.mag"\n'


def test_fixed_keys_and_defaults() -> None:
    config = parse_set(MINIMAL + "call_bars = 1\nanswer_bars = 4\ntemperature = 0.5\nseed = 9\n")
    r = config.responders[0]
    assert (r.name, r.model, r.call_bars, r.answer_bars, r.temperature, r.seed) == ("drums", "x.mag", 1, 4, 0.5, 9)
    assert (r.input_port, r.output_port, r.channel, r.fallback, r.mode) == \
        ("drumbridge drums in", "drumbridge drums out", 10, "repeat-call", "call-response")


@pytest.mark.parametrize(("extra", "expected"), [
    ('fallback = "loud"', "responders.drums.fallback: input should be 'repeat-call', 'repeat-last' or 'silence'"),
    ("call_bars = 0", "responders.drums.call_bars: input should be greater than or equal to 1"),
    ("colour = 3", "responders.drums.colour: unknown key"),
    ("[responders.controls]\nmute = 20", "each control needs its own CC number; repeated: [20]"),
    ('[[responders]]\nname = "drums"\nmodel = "y.mag"', "responder names must be unique; repeated: drums"),
])
def test_mistakes_are_named(extra: str, expected: str) -> None:
    with pytest.raises(SetFileError) as error:
        parse_set(MINIMAL + extra + "\n", "show.toml")
    assert expected in str(error.value)


def test_missing_models_are_clear_errors() -> None:
    with pytest.raises(GeneratorError, match=r"model 'nowhere.mag': no such bundle file"):
        load_generator("nowhere.mag")
    with pytest.raises(GeneratorError, match="unknown built-in model"):
        load_generator("builtin:cello")
    if BUILTIN_MODELS["builtin:drums"].exists():
        assert load_generator("builtin:drums").drums
    else:
        with pytest.raises(GeneratorError, match="built-in drum model is not installed in this build"):
            load_generator("builtin:drums")


@pytest.mark.parametrize("name", sorted(p.name for p in LIVE_SETS.glob("*.toml") if "[[responders]]" in p.read_text()))
def test_every_show_file_builds_its_responders(name: str) -> None:
    text = (LIVE_SETS / name).read_text()
    config = load_set(LIVE_SETS / name)
    rig = make_rig(text)
    try:
        rig.run(1.0)
        assert [r.name for r in rig.show.responders] == [r.name for r in config.responders]
        for responder in rig.show.responders:
            assert responder.generator.drums == (responder.config.channel == 10)
    finally:
        rig.show.engine.shutdown()


def test_demo_show_answers_its_demo_call() -> None:
    rig = make_rig((LIVE_SETS / "demo.toml").read_text())
    rig.run(39.0)
    assert [(a.start_beat, a.source) for a in rig.answers] == [(8.0, "model"), (24.0, "model")]
    assert rig.note_ons() and rig.ports.outputs["drumbridge drums out"].sounding.notes == {}


def test_routing_table_lists_each_responder() -> None:
    text = format_routing(load_set(LIVE_SETS / "modulshtein.toml"))
    assert "drumbridge drums in" in text and "drumbridge keys out" in text
    assert "MIDI From + Monitor In" in text
