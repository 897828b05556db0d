"""CC on the input port and show commands change what they say they change."""

from __future__ import annotations

import pytest

from bridge.commands import CommandError
from bridge.midi.memory import MemoryOutput
from tests.responders.fakes import ToyDrums
from tests.responders.rig import Rig, cc, make_rig, note, set_text

CALL = [*note(0.0, 36), *note(1.0, 38), *note(2.0, 36), *note(3.0, 38)]


def toy_rig(**keys: object):
    return make_rig(set_text(model="test:toy", models=["test:other"], **keys),
                    generators={"test:toy": ToyDrums, "test:other": lambda: ToyDrums("other")})


def test_cc_temperature_bars_model_and_mute() -> None:
    rig = toy_rig()
    rig.run(1.0, [*cc(0.1, 20, 127), *cc(0.2, 21, 1), *cc(0.3, 22, 4), *cc(0.4, 26, 1), *cc(0.5, 25, 127)])
    r = rig.responder
    assert r.temperature == pytest.approx(2.0)
    assert (r.settings.call_bars, r.settings.answer_bars) == (1, 4)
    assert r.generator.name == "other"
    assert r.muted
    rig.run(2.0, cc(1.5, 25, 0))
    assert not r.muted
    rig.run(3.0, cc(2.5, 20, 0))
    assert r.temperature == pytest.approx(0.1)
    rig.show.engine.publish(rig.time())
    state = rig.show.telemetry.get("responder.drums")
    assert (state["temperature"], state["call_bars"], state["answer_bars"], state["model"]) == (0.1, 1, 4, "other")


def test_new_bars_apply_to_the_next_call() -> None:
    rig = toy_rig()
    rig.run(30.0, [*cc(0.0, 21, 1), *cc(0.0, 22, 1), *note(0.5, 36), *note(4.5, 38), *note(8.5, 36)])
    assert [a.start_beat for a in rig.answers] == [4.0, 12.0]  # 1-bar call, 1-bar answer, listen again
    assert all(a.answer.steps == 16 for a in rig.answers)


def answer_sounding() -> tuple[Rig, MemoryOutput]:
    """A rig just into its first answer (beat 8), with notes sounding on its output."""
    rig = toy_rig()
    rig.run(8.01, CALL)
    out = rig.ports.outputs["drumbridge drums out"]
    assert out.sounding.notes
    return rig, out


def test_mute_silences_sounding_notes_and_keeps_the_cycle() -> None:
    rig, out = answer_sounding()
    rig.run(9.0, cc(8.02, 25, 127))
    assert out.sounding.notes == {}
    sent_at_mute = len(out.sent)
    rig.run(15.9)
    assert len(out.sent) == sent_at_mute  # muted: nothing more sounds
    assert rig.responder.state.value == "responding"


def test_panic_cc_sends_note_offs_now_and_drops_the_answer() -> None:
    rig, out = answer_sounding()
    sounding = set(out.sounding.notes)
    rig.run(8.1, cc(8.02, 123, 0))
    offs = {(d[0] & 0x0F, d[1]) for t, d in out.sent if d[0] & 0xF0 == 0x80}
    assert sounding <= offs
    assert out.sounding.notes == {} and rig.responder.state.value == "idle"
    count = len(out.sent)
    rig.run(16.0)
    assert len(out.sent) == count


def test_a_stop_sends_one_note_off_per_sounding_note_then_all_notes_off() -> None:
    rig, out = answer_sounding()
    sounding = sorted(out.sounding.notes)
    before = len(out.sent)
    rig.show.commands.submit("transport", "stop")
    rig.run(8.2)
    after = [d for _, d in out.sent[before:]]
    offs = sorted((d[0] & 0x0F, d[1]) for d in after if d[0] & 0xF0 == 0x80)
    assert offs == sounding  # each once: the responder releases its notes, the port's panic finds none left
    assert after[-1] == [0xB9, 123, 0]


def test_loop_repeats_the_last_answer_and_mutate_changes_it() -> None:
    rig = toy_rig()
    rig.run(9.0, [*CALL, *cc(8.5, 23, 127)])  # loop on while the first answer plays
    rig.run(24.5)
    first = rig.answers[0]
    assert [(a.start_beat, a.source) for a in rig.answers] == [(8.0, "model"), (16.0, "loop"), (24.0, "loop")]
    ons = rig.note_ons()
    assert [(b - 8.0, p) for b, p in ons if 16.0 <= b < 24.0] == [(b, p) for b, p in ons if 8.0 <= b < 16.0]
    rig.run(26.0, cc(25.0, 24, 127))  # mutate: a new answer takes over at the next loop boundary
    rig.run(33.0)
    mutated = rig.answers[-1]
    assert (mutated.start_beat, mutated.source) == (32.0, "loop:mutated")
    assert mutated.answer != first.answer
    rig.run(34.0, cc(33.0, 23, 0))  # loop off: back to listening after this pass
    rig.run(41.0)
    assert rig.responder.state.value in ("listening", "idle")
    assert rig.answers[-1].start_beat == 32.0


def test_commands_do_what_the_cc_do() -> None:
    rig = toy_rig()
    commands = rig.show.commands
    commands.submit("responder.temperature", "drums", 1.5)
    commands.submit("responder.temperature_step", "drums", -0.25)
    commands.submit("responder.bars", "drums", 4, 1)
    commands.submit("responder.model", "drums", "other")
    commands.submit("responder.mute", "drums", "on")
    commands.submit("responder.loop", "drums", "on")
    rig.run(0.5)
    r = rig.responder
    s = r.settings
    assert (r.temperature, s.call_bars, s.answer_bars, r.generator.name, r.muted, s.looping) == \
        (1.25, 4, 1, "other", True, True)
    commands.submit("responder.model", "drums", 0)
    commands.submit("responder.mute", "drums", False)
    commands.submit("responder.panic", "drums")
    commands.submit("responder.mutate", "drums")
    rig.run(1.0)
    assert (r.generator.name, r.muted) == ("toy", False)
    names = {spec.name for spec in commands.specs()}
    assert {"responder.mute", "responder.temperature", "responder.temperature_step", "responder.loop",
            "responder.mutate", "responder.panic", "responder.bars", "responder.model"} <= names


def test_bad_command_arguments_are_reported_not_fatal() -> None:
    rig = toy_rig()
    with pytest.raises(CommandError):
        rig.show.commands.submit("responder.bars", "drums", 2)
    rig.show.commands.submit("responder.bars", "drums", 0, 2)
    rig.show.commands.submit("responder.model", "nobody", 0)
    rig.show.commands.submit("responder.model", "drums", 7)
    rig.run(1.0)
    errors = " ".join(e.message for e in rig.show.telemetry.recent("error"))
    assert "call bars must be 1..16" in errors and "no responder 'nobody'" in errors and "not 7" in errors
    assert rig.responder.settings.call_bars == 2


def test_state_changes_go_out_as_osc(oscdump) -> None:  # noqa: ANN001 - the rig fixture
    text = set_text(model="test:toy") + f'\n[[osc.targets]]\nname = "vdmx"\nhost = "127.0.0.1"\nport = {oscdump.port}\n'
    rig = make_rig(text, generators={"test:toy": ToyDrums})
    rig.run(17.0, CALL)
    lines = oscdump.wait_for(4, "/drumbridge/responder/drums/state")
    assert [line.args for line in lines[:4]] == [("listening",), ("generating",), ("responding",), ("listening",)]


def test_bundle_models_are_selected_by_short_name_or_by_spec() -> None:
    from tests.responders.fakes import BUNDLES, SMALL_DRUMS
    if not SMALL_DRUMS.exists():
        pytest.skip("model engine test bundles not in this checkout")
    wrapped = BUNDLES / "drum_kit_small_wrapped.mag"
    rig = make_rig(set_text(model=str(SMALL_DRUMS), models=[str(wrapped)]))
    r = rig.responder
    rig.show.commands.submit("responder.model", "drums", "drum_kit_small_wrapped")
    rig.run(0.5)
    assert r.generator.name == "drum_kit_small_wrapped"
    rig.show.commands.submit("responder.model", "drums", str(SMALL_DRUMS))
    rig.run(1.0)
    assert r.settings.model_index == 0
    rig.show.engine.publish(rig.time())
    assert rig.show.telemetry.get("responder.drums")["models"] == ["drum_kit_small_first", "drum_kit_small_wrapped"]
