"""Fixed telemetry snapshots and a state source that serves them, for deterministic dashboard tests."""

from __future__ import annotations

import copy
from typing import Any

from bridge.commands import CommandError, CommandSpec

T0 = 1_750_000_000.0  # a fixed wall-clock time for log lines (tests set TZ=UTC)

ALL_COMMANDS = [
    CommandSpec("panic", "all notes off", ()),
    CommandSpec("transport", "start / stop", ("action",)),
    CommandSpec("responder.mute", "mute", ("name", "on")),
    CommandSpec("responder.temperature", "set temperature", ("name", "value")),
    CommandSpec("responder.temperature_step", "step temperature", ("name", "delta")),
    CommandSpec("responder.loop", "loop", ("name", "on")),
    CommandSpec("responder.mutate", "mutate", ("name",)),
    CommandSpec("drum.reconnect", "reconnect", ()),
    CommandSpec("drum.test", "test strike", ("motor", "velocity")),
]


def healthy() -> dict[str, Any]:
    """A show where everything works: clock locked, drum link up, answers on time (fields as the engine publishes)."""
    responder = {"model_index": 0, "seed": 7, "channel": 10, "errors": 0, "sounding": 0}
    return {
        "version": 42,
        "link": {"connected": True, "detail": "local show"},
        "state": {
            "show": {"name": "demo", "description": "test show"},
            "clock": {"source": "midi", "bpm": 120.004, "beat": 45.5, "bar": 12, "beat_in_bar": 2,
                      "transport": "running", "status": "locked", "jitter_ms_p99": 0.42, "ticks": 1092,
                      "outliers": 0, "dropped_ticks": 0, "beats_per_bar": 4},
            "stage": {"clock_alert": None, "drum_alert": None, "section": "verse", "cues": ["intro", "verse"]},
            "ports": {"inputs": [{"name": "drumbridge clock", "messages": 1092, "errors": 0, "present": True,
                                  "idle_s": 0.01},
                                 {"name": "drumbridge drums in", "messages": 311, "errors": 0, "present": True,
                                  "idle_s": 0.4}],
                      "outputs": [{"name": "drumbridge drums out", "messages": 296, "errors": 0, "present": True}]},
            "osc": {"targets": [{"name": "vdmx", "host": "127.0.0.1", "port": 9000, "state": "ok", "latency_ms": 0.0,
                                 "sent": 480, "errors": 0, "dropped_unresolved": 0, "last_error": ""},
                                {"name": "video2", "host": "10.0.0.12", "port": 9000, "state": "ok",
                                 "latency_ms": 0.0, "sent": 480, "errors": 0, "dropped_unresolved": 0,
                                 "last_error": ""}],
                    "cues_fired": 2,
                    "cues": [{"name": "intro", "bar": 1, "beat": 1}, {"name": "verse", "bar": 9, "beat": 1}],
                    "beat_late_ms_max": 0.8, "stale_beats_skipped": 0},
            "responder.drums": {**responder, "state": "responding", "model": "builtin:drums",
                                "models": ["builtin:drums"], "temperature": 1.0, "call_bars": 2, "answer_bars": 2,
                                "mode": "call-response", "muted": False, "last_gen_ms": 3.1, "margin_ms": 412.0,
                                "late": 0, "fallback": "repeat-call", "fallbacks": 0, "answers": 5,
                                "input": "drumbridge drums in", "output": "drumbridge drums out", "next_beat": 48.0},
            "responder.bass": {**responder, "state": "listening", "model": "bass.mag", "models": ["bass.mag"],
                               "temperature": 0.8, "call_bars": 4, "answer_bars": 4, "mode": "loop", "muted": True,
                               "last_gen_ms": 5.7, "margin_ms": 380.0, "late": 0, "fallback": "silence",
                               "fallbacks": 0, "answers": 2, "channel": 1, "input": "drumbridge bass in",
                               "output": "drumbridge bass out", "next_beat": 56.0},
            "drum": {"link_state": "connected", "port": "/dev/ttyACM0", "serial": "auto", "firmware": "1.2.0",
                     "driver": "hbridge", "heartbeat_age_ms": 40.0, "reply_age_ms": 210.0, "errors": 0,
                     "dropped_notes": 0, "unmapped_notes": 0, "late_notes": 0, "reboots": 0, "last_reset": "power-on",
                     "last_error": "", "bytes_written": 5210, "board": None,
                     "motors": [{"motor": 0, "voice": "kick", "last_hit": 45.0, "hits_per_min": 120, "strikes": 90,
                                 "refused": 0, "latency_ms": 18.0},
                                {"motor": 1, "voice": "snare", "last_hit": 44.0, "hits_per_min": 60, "strikes": 45,
                                 "refused": 0, "latency_ms": 18.0},
                                {"motor": 2, "voice": "hihat", "last_hit": 37.0, "hits_per_min": 14, "strikes": 14,
                                 "refused": 0, "latency_ms": 15.0},
                                {"motor": 3, "voice": None, "last_hit": None, "hits_per_min": 0, "strikes": 0,
                                 "refused": 0, "latency_ms": None}]},
        },
        "log": [
            {"time": T0, "level": "info", "source": "engine", "message": "show started with clock source 'midi'"},
            {"time": T0 + 1, "level": "info", "source": "clock", "message": "transport start at beat 0"},
            {"time": T0 + 30, "level": "warning", "source": "midi drumbridge drums in",
             "message": "dropped corrupt message f0 7d"},
        ],
    }


def degraded() -> dict[str, Any]:
    """Drum link searching, clock stalled, late answers, an OSC target unreachable."""
    snap = healthy()
    state = snap["state"]
    state["clock"].update(status="stalled", jitter_ms_p99=7.8)
    state["stage"].update(clock_alert="clock stalled 3 s: no ticks on 'drumbridge clock'",
                          drum_alert="drum not found (serial = auto), searching 12 s")
    state["drum"].update(link_state="searching", port=None, heartbeat_age_ms=2400.0, firmware=None, errors=1,
                         last_error="/dev/ttyACM0: [Errno 2] No such file or directory")
    state["drum"]["motors"][1]["refused"] = 3
    state["responder.drums"].update(late=2, margin_ms=-35.0, last_gen_ms=512.0, fallbacks=2)
    state["osc"]["targets"][1].update(errors=17, last_error="send to 10.0.0.12:9000 failed: No route to host")
    snap["log"] += [
        {"time": T0 + 40, "level": "error", "source": "drum",
         "message": "the board has 4 motors; the set file maps notes to motor(s) 5: set [drum] motor_count and "
                    "the map to match"},
        {"time": T0 + 41, "level": "warning", "source": "clock",
         "message": "clock stalled: no MIDI clock on 'drumbridge clock' for 2 s while playing; the show waits for it"},
        {"time": T0 + 42, "level": "warning", "source": "drum",
         "message": "no board found (serial = auto): still searching after 2 s; drum notes are dropped"},
    ]
    return snap


class StaticSource:
    """A state source serving a fixed snapshot and recording the commands it is sent."""

    owns_show = True

    def __init__(self, snapshot: dict[str, Any], specs: list[CommandSpec] | None = None,
                 description: str = "fixed telemetry") -> None:
        self._snapshot = snapshot
        self._specs = ALL_COMMANDS if specs is None else specs
        self.description = description
        self.submitted: list[tuple[str, tuple[Any, ...]]] = []

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self._snapshot)

    def specs(self) -> list[CommandSpec]:
        return list(self._specs)

    def submit(self, name: str, *args: Any) -> None:
        if name not in {s.name for s in self._specs}:
            raise CommandError(f"unknown command {name!r}")
        self.submitted.append((name, args))

    def close(self) -> None:
        pass
