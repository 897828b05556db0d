"""Pure functions from a telemetry snapshot to what the panels print, tolerant of missing topics and fields.

Every panel reads the snapshot through here, so a topic that a part of the show does not publish
yet (no drum link configured, no responders) shows a dash or a "not configured" line instead of
breaking the dashboard. States are always spelled out in words so the screen reads the same
with NO_COLOR.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

DASH = "–"
LEVELS = ("debug", "info", "warning", "error")
LEVEL_TAGS = {"debug": "DBG", "info": "INFO", "warning": "WARN", "error": "ERR"}


def num(value: Any, fmt: str = "{:g}", default: str = DASH) -> str:
    """`value` formatted, or a dash when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return fmt.format(value)


def topic(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    """One topic's state, {} when absent or malformed."""
    state = snapshot.get("state")
    value = state.get(name) if isinstance(state, dict) else None
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    """The dict entries of a list field, skipping anything else."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# -- transport -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransportView:
    transport: str  # RUNNING / STOPPED / ?
    position: str  # "12:3"
    bpm: str
    status: str  # LOCKED / FREE / STALLED / ?
    source: str
    jitter: str
    severity: str  # ok / warn / bad: how the status should be highlighted


def transport_view(snapshot: dict[str, Any]) -> TransportView:
    clock = topic(snapshot, "clock")
    status = str(clock.get("status", "?")).upper()
    transport = str(clock.get("transport", "?")).upper()
    severity = {"LOCKED": "ok", "FREE": "warn"}.get(status, "bad")
    if status == "FREE" and transport == "STOPPED":
        severity = "ok"
    bar, beat = clock.get("bar"), clock.get("beat_in_bar")
    position = f"{bar}:{beat}" if isinstance(bar, int) and isinstance(beat, int) else DASH
    return TransportView(transport, position, num(clock.get("bpm"), "{:.2f}"), status,
                         str(clock.get("source", DASH)), num(clock.get("jitter_ms_p99"), "{:.2f} ms"), severity)


# -- the glanceable header ---------------------------------------------------------------------------
@dataclass(frozen=True)
class HeaderView:
    digits_position: str  # "12:2" for the big digits (or "--:-")
    digits_bpm: str  # "120" (or "---"); the exact tempo is in the status line
    section: str  # the song section playing now, "" when the set names none
    countdowns: tuple[str, ...]  # "drums: answer in 2 bars"
    alerts: tuple[str, ...]  # trouble in words ("waiting for Live's clock on 'drumbridge clock'")
    has_responders: bool


def countdown(name: str, r: dict[str, Any], beat: Any, beats_per_bar: Any) -> str | None:
    """`drums: answer in 2 bars` from a responder's state, the beat its phase ends on and the clock."""
    end, state = r.get("next_beat"), r.get("state")
    if state == "idle":
        return f"{name}: waiting for a call"
    if not isinstance(end, int | float) or not isinstance(beat, int | float) or not isinstance(beats_per_bar, int):
        return None
    if state in ("listening", "generating"):
        what = "answer"
    elif r.get("mode") == "loop":
        what = "loop again"
    elif r.get("mode") == "continuous":
        what = "next answer"
    else:
        what = "call"
    left = max(0.0, end - beat)
    if left > beats_per_bar:
        bars = math.ceil(left / beats_per_bar - 1e-9)
        return f"{name}: {what} in {bars} bars"
    beats = max(1, math.ceil(left - 1e-9))
    return f"{name}: {what} in {beats} beat{'s' if beats != 1 else ''}"


def header_view(snapshot: dict[str, Any]) -> HeaderView:
    clock, stage = topic(snapshot, "clock"), topic(snapshot, "stage")
    bar, beat_in_bar, bpm = clock.get("bar"), clock.get("beat_in_bar"), clock.get("bpm")
    position = f"{bar}:{beat_in_bar}" if isinstance(bar, int) and isinstance(beat_in_bar, int) else "--:-"
    digits_bpm = num(bpm, "{:.0f}", "---")
    counts = []
    for name in responder_names(snapshot):
        text = countdown(name, topic(snapshot, f"responder.{name}"), clock.get("beat"), clock.get("beats_per_bar"))
        if text:
            counts.append(text)
    alerts = [str(stage[key]) for key in ("clock_alert", "drum_alert") if stage.get(key)]
    return HeaderView(position, digits_bpm, str(stage.get("section") or ""), tuple(counts), tuple(alerts),
                      bool(responder_names(snapshot)))


# -- responders ------------------------------------------------------------------------------------
RESPONDER_COLUMNS = ("name", "state", "model", "temp", "bars", "gen ms", "margin", "late", "flags")


def responder_names(snapshot: dict[str, Any]) -> list[str]:
    """Names of responders publishing `responder.<name>` topics, sorted."""
    state = snapshot.get("state")
    if not isinstance(state, dict):
        return []
    return sorted(key.split(".", 1)[1] for key, value in state.items()
                  if key.startswith("responder.") and isinstance(value, dict))


def responder_row(name: str, r: dict[str, Any]) -> tuple[str, ...]:
    """One table row; flags spell out MUTED / LOOP / FALLBACK so nothing depends on colour."""
    flags = []
    if r.get("muted"):
        flags.append("MUTED")
    mode = r.get("mode")
    if mode == "loop":
        flags.append("LOOP")
    elif mode == "continuous":
        flags.append("CONT")
    taken = r.get("fallbacks")  # how many answers fell back (`fallback` is the policy)
    if isinstance(taken, int) and not isinstance(taken, bool) and taken > 0:
        flags.append(f"FB{taken}")
    call, answer = r.get("call_bars"), r.get("answer_bars")
    bars = f"{call}→{answer}" if call is not None or answer is not None else DASH
    model = str(r.get("model", DASH)).removeprefix("builtin:")  # built-in models read as their kind
    return (name, str(r.get("state", DASH)), model, num(r.get("temperature"), "{:.2f}"),
            bars, num(r.get("last_gen_ms"), "{:.1f}"), num(r.get("margin_ms"), "{:+.0f}"),
            num(r.get("late"), "{:d}"), " ".join(flags))


def responder_severity(r: dict[str, Any]) -> str:
    """bad when an answer came late or the deadline margin is gone; warn when muted."""
    margin = r.get("margin_ms")
    if (isinstance(r.get("late"), int) and r["late"] > 0) or (isinstance(margin, int | float) and margin < 0):
        return "bad"
    return "warn" if r.get("muted") else "ok"


# -- drum ------------------------------------------------------------------------------------------
MOTOR_COLUMNS = ("motor", "last hit", "/min", "refused")  # /min: strikes in the last minute


@dataclass(frozen=True)
class DrumView:
    configured: bool
    link_state: str
    port: str
    firmware: str
    heartbeat: str
    severity: str


def drum_view(snapshot: dict[str, Any]) -> DrumView:
    drum = topic(snapshot, "drum")
    if not drum:
        return DrumView(False, "NOT CONFIGURED", DASH, DASH, DASH, "ok")
    link = str(drum.get("link_state", "?")).upper()
    severity = "ok" if link == "CONNECTED" else "bad"
    age = drum.get("heartbeat_age_ms")
    if severity == "ok" and isinstance(age, int | float) and age > 300:
        severity = "warn"
    return DrumView(True, link, str(drum.get("port") or DASH), str(drum.get("firmware") or DASH),
                    num(age, "{:.0f} ms"), severity)


def last_hit(motor: dict[str, Any], clock_beat: Any) -> str:
    """How long ago a motor struck, in beats (`last_hit` is the beat it struck on)."""
    beat = motor.get("last_hit")
    if isinstance(beat, int | float) and isinstance(clock_beat, int | float) and 0 <= clock_beat - beat < 1e5:
        return f"{clock_beat - beat:.0f} beats ago"
    return DASH


def motor_rows(snapshot: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(key, row) per motor: last hit, strikes in the last minute, strikes refused for safety."""
    rows: list[tuple[str, tuple[str, ...]]] = []
    clock_beat = topic(snapshot, "clock").get("beat")
    for m in items(topic(snapshot, "drum").get("motors")):
        key = str(m.get("motor", len(rows)))
        refused = m.get("refused")
        label = f"{key} {m['voice']}" if isinstance(m.get("voice"), str) and m["voice"] else key
        rows.append((key, (label, last_hit(m, clock_beat), num(m.get("hits_per_min"), "{:.0f}"),
                           num(refused, "{:d}") + (" !" if isinstance(refused, int) and refused > 0 else ""))))
    return rows


# -- OSC and MIDI ports ------------------------------------------------------------------------------
class RateMeter:
    """Messages per second from counters seen at successive polls (time injected for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = 1.0) -> None:
        self.clock = clock
        self.window = window
        self._last: dict[str, tuple[float, float]] = {}
        self._rates: dict[str, float] = {}

    def rate(self, key: str, count: Any) -> float | None:
        """Rate of `count` since the last update at least `window` seconds ago; None until known."""
        if not isinstance(count, int | float):
            return None
        now = self.clock()
        previous = self._last.get(key)
        if previous is None or count < previous[1]:  # first sight, or the counter restarted
            self._last[key] = (now, count)
            self._rates.pop(key, None)
            return None
        if now - previous[0] >= self.window:
            self._rates[key] = (count - previous[1]) / (now - previous[0])
            self._last[key] = (now, count)
        return self._rates.get(key)


OSC_COLUMNS = ("target", "msg/s", "errors", "address")  # fits half of an 80-column terminal


def osc_rows(snapshot: dict[str, Any], rates: RateMeter) -> list[tuple[str, tuple[str, ...]]]:
    rows: list[tuple[str, tuple[str, ...]]] = []
    for t in items(topic(snapshot, "osc").get("targets")):
        name = str(t.get("name", "?"))
        per_s = rates.rate(f"osc:{name}", t.get("sent"))
        errors = t.get("errors")
        if t.get("state") == "unresolved":
            health = "no addr"
        elif isinstance(errors, int) and errors > 0:
            health = f"{errors} err"
        else:
            health = num(errors, "ok")
        rows.append((name, (name, num(per_s, "{:.0f}/s"), health, f"{t.get('host', '?')}:{t.get('port', '?')}")))
    return rows


def osc_last_error(snapshot: dict[str, Any]) -> str:
    for t in items(topic(snapshot, "osc").get("targets")):
        if t.get("last_error"):
            return f"{t.get('name', '?')}: {t['last_error']}"
    return ""


def osc_cues(snapshot: dict[str, Any], limit: int = 3) -> list[str]:
    """The most recent cues fired, `name @bar:beat` (the bar is missing for a cue fired by hand while stopped)."""
    out = []
    for cue in items(topic(snapshot, "osc").get("cues")):
        where = f" @{cue['bar']}:{cue.get('beat', 1)}" if "bar" in cue else ""
        out.append(f"{cue.get('name', '?')}{where}")
    return out[-limit:]


PORT_COLUMNS = ("dir", "port", "status", "msgs", "msg/s")
PORT_PREFIX = "drumbridge "  # every port the show creates starts so: shown without it, to fit 80 columns
ARROWS = {"in": "←", "out": "→"}


def port_rows(snapshot: dict[str, Any], rates: RateMeter) -> list[tuple[str, tuple[str, ...]]]:
    """Inputs and outputs with present/missing, idle and error status in words."""
    ports = topic(snapshot, "ports")
    rows: list[tuple[str, tuple[str, ...]]] = []
    for direction, key in (("in", "inputs"), ("out", "outputs")):
        for p in items(ports.get(key)):
            name = str(p.get("name", "?"))
            if p.get("present") is False:
                status = "MISSING"
            elif isinstance(p.get("errors"), int) and p["errors"] > 0:
                status = f"{p['errors']} err"
            elif direction == "in" and p.get("idle_s") is None:
                status = "silent"
            else:
                status = "ok"
            per_s = rates.rate(f"port:{direction}:{name}", p.get("messages"))
            shown = name[len(PORT_PREFIX):] if name.startswith(PORT_PREFIX) else name
            rows.append((f"{direction}:{name}", (ARROWS[direction], shown, status, num(p.get("messages"), "{:d}"),
                                                  num(per_s, "{:.0f}/s"))))
    return rows


# -- log -------------------------------------------------------------------------------------------
def log_lines(events: Iterable[Any], min_level: str = "warning", text: str = "",
              limit: int = 200) -> list[tuple[str, str]]:
    """(level, line) for the newest events at `min_level` or above containing `text`, oldest first."""
    floor = LEVELS.index(min_level) if min_level in LEVELS else 0
    needle = text.lower()
    out = []
    for e in events:
        if not isinstance(e, dict):
            continue
        level = str(e.get("level")) if e.get("level") in LEVELS else "info"
        if LEVELS.index(level) < floor:
            continue
        stamp = time.strftime("%H:%M:%S", time.localtime(e["time"])) if isinstance(e.get("time"), int | float) \
            else "--:--:--"
        line = f"{stamp} {LEVEL_TAGS[level]:<4} {e.get('source', '?')}: {e.get('message', '')}"
        if needle and needle not in line.lower():
            continue
        out.append((level, line))
    return out[-limit:]
