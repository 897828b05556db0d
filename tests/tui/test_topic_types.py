"""The telemetry TypedDicts say exactly what a real show publishes (so the dashboard reads real fields only)."""

from __future__ import annotations

import typing
from pathlib import Path

from bridge import telemetry_types as types
from bridge.runner import run_virtual
from tests.tui.show_rig import whole_show

TOPICS = {"show": types.ShowTopic, "clock": types.ClockTopic, "ports": types.PortsTopic, "osc": types.OscTopic,
          "responder.drums": types.ResponderTopic, "drum": types.DrumTopic, "stage": types.StageTopic}
ITEMS = {("ports", "inputs"): types.InputPortState, ("ports", "outputs"): types.OutputPortState,
         ("osc", "targets"): types.OscTargetState, ("osc", "cues"): types.CueFired,
         ("drum", "motors"): types.MotorState}


def keys(kind: type) -> tuple[set[str], set[str]]:
    """(required, all) field names of a TypedDict."""
    hints = set(typing.get_type_hints(kind))
    return set(kind.__required_keys__), hints  # type: ignore[attr-defined]


def test_every_topic_a_real_show_publishes_matches_its_type(tmp_path: Path) -> None:
    show, time = whole_show(tmp_path, "typed", "phrase", cue_every_bars=1, demo_call=True)
    try:
        run_virtual(show.engine, time, 12.0)
        state = show.telemetry.snapshot()["state"]
    finally:
        show.engine.shutdown()
    for name, kind in TOPICS.items():
        required, known = keys(kind)
        published = set(state[name])
        assert required <= published, (name, required - published)
        assert published <= known, (name, "published but not typed", published - known)
    for (name, field), kind in ITEMS.items():
        required, known = keys(kind)
        for item in state[name][field]:
            assert required <= set(item) <= known, (name, field, set(item) ^ known)
    assert state["responder.drums"]["next_beat"] is not None, "a responder in its cycle says where the phase ends"
