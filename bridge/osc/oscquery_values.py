"""Current values of the OSCQuery nodes, read from the telemetry state every engine stage publishes.

Reading telemetry (not the components) means a value is the same whichever front end changed it:
OSC control, a MIDI CC, the dashboard or the engine itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

State = Mapping[str, Mapping[str, Any]]


def current_values(state: State) -> dict[str, list[Any]]:
    """VALUE arrays by address after the prefix ("/clock/bpm": [120.0]); nodes without a value are absent."""
    values: dict[str, list[Any]] = {}
    clock = state.get("clock") or {}
    if "bpm" in clock:
        values["/clock/bpm"] = [float(clock["bpm"])]
        values["/tempo"] = [float(clock["bpm"])]
    if "transport" in clock:
        values["/clock/transport"] = ["start" if clock["transport"] == "running" else "stop"]
    if "bar" in clock and "beat_in_bar" in clock:
        values["/clock/beat"] = [int(clock["bar"]), int(clock["beat_in_bar"])]
    for topic, fields in state.items():
        if not topic.startswith("responder."):
            continue
        base = "/responder/" + topic.split(".", 1)[1]
        if "state" in fields:
            values[base + "/state"] = [str(fields["state"])]
        if "temperature" in fields:
            values[base + "/temperature"] = [float(fields["temperature"])]
        if "humanize" in fields:
            values[base + "/humanize"] = [float(fields["humanize"])]
        if "muted" in fields:
            values[base + "/mute"] = [bool(fields["muted"])]
        if "mode" in fields:
            values[base + "/loop"] = [fields["mode"] == "loop"]
        if "call_bars" in fields and "answer_bars" in fields:
            values[base + "/bars"] = [int(fields["call_bars"]), int(fields["answer_bars"])]
        if "model" in fields:
            values[base + "/model"] = [str(fields["model"])]
    return values


def model_choices(state: State) -> dict[str, list[str]]:
    """The model names each responder can switch to, by its model address (for RANGE VALS)."""
    return {f"/responder/{topic.split('.', 1)[1]}/model": list(fields.get("models") or [])
            for topic, fields in state.items() if topic.startswith("responder.")}
