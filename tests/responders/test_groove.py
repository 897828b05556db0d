"""Drum answers with the groove model: velocity and timing on every sink, seeded, live-controllable, `none` = grid."""

from __future__ import annotations

import pytest

from bridge.setfile import SetFileError
from tests.responders.fakes import StreamingToy, ToyDrums
from tests.responders.rig import make_rig, note, set_text

CALL = [m for beat in range(8) for m in note(beat, 36 if beat % 2 == 0 else 38)] + \
       [m for beat in range(8) for m in note(beat + 0.5, 42, velocity=70)]
STREAM = {"test:toy": StreamingToy}
ONE_SHOT = {"test:toy": ToyDrums}


def grooved_rig(generators: dict = STREAM, **keys: object):
    rig = make_rig(set_text(groove="builtin:groove", temperature=3.0, **keys), generators=generators)
    heard: list[tuple[int, int, float]] = []
    rig.responder.add_note_listener(lambda pitch, velocity, beat: heard.append((pitch, velocity, beat)))
    rig.run(17.0, CALL)
    return rig, heard


def sent_ons(rig) -> list[tuple[float, int, int]]:
    return [(rig.beat(t), d[1], d[2]) for t, d in rig.sent if d[0] & 0xF0 == 0x90 and d[2] > 0]


@pytest.mark.parametrize("generators", [STREAM, ONE_SHOT], ids=["streaming", "one-shot"])
def test_answers_get_velocity_and_timing_within_half_a_16th(generators: dict) -> None:
    rig, heard = grooved_rig(generators)
    answer = rig.answers[0]
    assert (answer.source, answer.late) == ("model", False)
    ons = sent_ons(rig)
    assert len(ons) == len(answer.answer.notes) > 8  # none added or lost
    steps = sorted((round((beat - 8.0) * 4), pitch) for beat, pitch, _ in ons)
    assert steps == sorted((n.step, n.pitch) for n in answer.answer.notes)  # each stays on its 16th
    offsets = [(beat - 8.0) * 4 - round((beat - 8.0) * 4) for beat, _, _ in ons]
    assert all(abs(x) < 0.5 for x in offsets) and sum(abs(x) > 0.01 for x in offsets) > len(ons) / 2
    assert any(x < -0.01 for x in offsets)  # early hits go out early
    assert all(beat >= 8.0 - 1e-9 for beat, _, _ in ons)  # ... but never before the answer's first step
    assert len({v for _, _, v in ons}) > 4
    # the note listeners (drum link, OSC /note and /drum/<voice>) hear the same velocity at the same beat
    assert sorted((p, v, round(b, 6)) for p, v, b in heard) == sorted((p, v, round(b, 6)) for b, p, v in ons)


def test_same_seed_same_groove_and_none_is_the_grid() -> None:
    first, _ = grooved_rig()
    again, _ = grooved_rig()
    assert first.sent == again.sent
    other, _ = grooved_rig(seed=2)
    assert sent_ons(other) != sent_ons(first)
    grid = make_rig(set_text(groove="none", temperature=3.0), generators=STREAM)
    grid.run(17.0, CALL)
    ons = sent_ons(grid)
    assert ons and all(abs(b * 4 - round(b * 4)) < 1e-6 for b, _, _ in ons) and {v for *_, v in ons} == {90}


def test_humanize_is_live_by_cc_and_command() -> None:
    rig = make_rig(set_text(groove="builtin:groove", temperature=3.0, humanize=0.8), generators=STREAM)
    assert rig.responder.humanize == 0.8
    rig.run(1.0, [(0.1, "drumbridge drums in", [0xB9, 28, 0])])  # CC 28: humanize 0..127 -> 0..1
    assert rig.responder.humanize == 0.0
    rig.run(17.0, [(t + 0.5, p, d) for t, p, d in CALL])
    ons = sent_ons(rig)
    assert ons and all(abs(b * 4 - round(b * 4)) < 1e-6 for b, _, _ in ons)  # humanize 0 is the grid
    rig.show.commands.submit("responder.humanize", "drums", 0.5)
    rig.run(17.5)
    assert rig.responder.humanize == 0.5
    assert rig.show.telemetry.get("responder.drums")["humanize"] == 0.5


def test_a_bad_groove_is_named_before_anything_starts() -> None:
    with pytest.raises(Exception, match="nope.npz"):
        make_rig(set_text(groove="nope.npz"), generators=STREAM)
    with pytest.raises(SetFileError, match="humanize"):
        make_rig(set_text(humanize=1.5), generators=STREAM)
