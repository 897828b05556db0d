"""Cue arithmetic (which beat a bar cue falls on), event matching and argument mapping, without a clock."""

from __future__ import annotations

import pytest

from bridge.osc.config import ArgMap, BarTrigger, CueConfig, SongSection
from bridge.osc.cues import cue_args, map_arg, next_cue_beat, note_matches, state_matches


def occurrences(trigger: BarTrigger, sections: dict[str, SongSection] | None = None, per_bar: int = 4,
                limit: int = 10) -> list[float]:
    found: list[float] = []
    after = 0.0
    while len(found) < limit:
        beat = next_cue_beat(trigger, sections or {}, per_bar, after)
        if beat is None:
            break
        found.append(beat)
        after = beat + 0.01
    return found


def test_once_at_a_bar() -> None:
    assert occurrences(BarTrigger(bar=4)) == [12.0]
    assert occurrences(BarTrigger(bar=4, beat=2.5)) == [13.5]
    assert next_cue_beat(BarTrigger(bar=4), {}, 4, 12.5) is None  # already past


def test_every_n_bars_from_a_bar_until_a_bar() -> None:
    assert occurrences(BarTrigger(every_bars=4), limit=3) == [0.0, 16.0, 32.0]
    assert occurrences(BarTrigger(bar=2, every_bars=2, until_bar=7)) == [4.0, 12.0, 20.0]
    assert occurrences(BarTrigger(every_bars=1), per_bar=3, limit=3) == [0.0, 3.0, 6.0]
    # continuing mid-song: the next occurrence, not the ones already passed
    assert next_cue_beat(BarTrigger(every_bars=4), {}, 4, 17.0) == 32.0


def test_bar_k_of_each_occurrence_of_a_section() -> None:
    chorus = {"chorus": SongSection(name="chorus", starts=(17, 49), bars=8)}
    assert occurrences(BarTrigger(section="chorus", bar=1), chorus) == [64.0, 192.0]
    assert occurrences(BarTrigger(section="chorus", bar=8, beat=4), chorus) == [95.0, 223.0]
    assert occurrences(BarTrigger(section="chorus", every_bars=4), chorus) == [64.0, 80.0, 192.0, 208.0]
    assert occurrences(BarTrigger(section="chorus", bar=9), chorus) == []  # past the section's end


def test_note_and_state_matching() -> None:
    kick = CueConfig.model_validate({"name": "k", "note": {"source": "pads", "notes": [36, 38], "velocity": [64, 127]}})
    assert note_matches(kick, "pads", 36, 100)
    assert not note_matches(kick, "keys", 36, 100)
    assert not note_matches(kick, "pads", 39, 100)
    assert not note_matches(kick, "pads", 37, 63)
    anywhere = CueConfig.model_validate({"name": "a", "note": {}})
    assert note_matches(anywhere, "whatever", 0, 1) and not note_matches(anywhere, "x", 60, 0)
    answer = CueConfig.model_validate({"name": "s", "state": {"states": ["responding", "generating"]}})
    assert state_matches(answer, "drums", "generating") and not state_matches(answer, "drums", "idle")
    assert not state_matches(kick, "pads", "responding")


def test_mapped_arguments() -> None:
    context = {"velocity": 127, "note": 64, "bar": 3, "state": "responding", "source": "drums"}
    assert map_arg(ArgMap(map="velocity", to=(0.0, 1.0)), context) == pytest.approx(1.0)
    assert map_arg(ArgMap(map="note", to=(0.0, 2.0), type="float"), context) == pytest.approx(128 / 127)
    assert map_arg(ArgMap(map="note", to=(0.0, 10.0), type="int"), context) == 5
    assert map_arg(ArgMap(map="bar"), context) == 3
    assert map_arg(ArgMap(map="state", values={"responding": 1, "idle": 0}), context) == 1
    assert map_arg(ArgMap(map="state", values={"idle": 0}, default=-1), context) == -1
    assert map_arg(ArgMap(map="velocity", default=0.5), {}) == 0.5  # a cue fired by hand has no velocity
    assert map_arg(ArgMap(map="bar", type="string"), context) == "3"
    assert cue_args((1, "x", ArgMap(map="source")), context) == (1, "x", "drums")
