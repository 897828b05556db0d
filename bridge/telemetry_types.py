"""The shape of every telemetry topic, shared by the parts that publish them and the dashboard that reads them.

Topics travel as plain JSON dicts (over the remote-attach socket too), so these are TypedDicts: a
publisher builds one, a reader indexes one, and a field nobody publishes has no place here (nor a
branch in the dashboard). tui/README.md lists the same fields for people.
"""

from __future__ import annotations

from typing import Literal, TypedDict


class ShowTopic(TypedDict):
    """`show`: what is playing (bridge/show.py)."""

    name: str
    description: str


class ClockTopic(TypedDict):
    """`clock`: position, tempo and how far the tempo can be trusted (engine, ~10 times a second)."""

    source: str  # midi / internal / link
    bpm: float
    beat: float
    bar: int
    beat_in_bar: int
    transport: Literal["running", "stopped"]
    status: Literal["locked", "free", "stalled"]
    jitter_ms_p99: float
    ticks: int
    outliers: int
    dropped_ticks: int
    beats_per_bar: int


class InputPortState(TypedDict):
    name: str
    messages: int
    errors: int
    present: bool  # False while the port is gone (JACK restarted, a connected port vanished)
    idle_s: float | None  # seconds since the last message; None: never heard from


class OutputPortState(TypedDict):
    name: str
    messages: int
    errors: int
    present: bool


class PortsTopic(TypedDict):
    """`ports`: every MIDI port the show opened (PortSet)."""

    inputs: list[InputPortState]
    outputs: list[OutputPortState]


class MidiSystemTopic(TypedDict):
    """`midi_system`: the MIDI system under a show on real ports (bridge/midi/watch.py); log events say the rest."""

    server: Literal["up", "down"]  # down: the JACK server went away; ports come back when one is up
    restarts: int  # servers that came back under this show
    missing: list[str]  # existing ports (as the set file names them) waiting to reconnect


class OscTargetState(TypedDict):
    name: str
    host: str
    port: int
    state: str  # "unresolved" is a fault
    latency_ms: float
    sent: int
    errors: int
    dropped_unresolved: int
    last_error: str


class CueFired(TypedDict, total=False):
    name: str  # always present
    bar: int  # bar and beat: when the cue fired on the musical grid
    beat: int


class OscTopic(TypedDict, total=False):
    """`osc`: targets, cues fired, control in and OSCQuery (OscOutput); control/oscquery only when on."""

    targets: list[OscTargetState]
    cues_fired: int
    cues: list[CueFired]  # the most recent, oldest first
    beat_late_ms_max: float
    stale_beats_skipped: int
    control: dict[str, object]
    oscquery: dict[str, object]


class ResponderTopic(TypedDict):
    """`responder.<name>`: one call-and-response musician (Responder)."""

    state: Literal["idle", "listening", "generating", "responding"]
    model: str
    model_index: int
    models: list[str]
    temperature: float
    humanize: float  # 0 = the grid .. 1 = the groove model's full velocity and timing
    groove: str  # the groove model ("builtin:groove", a file) or "none"
    call_bars: int
    answer_bars: int
    mode: Literal["call-response", "continuous", "loop"]
    muted: bool
    last_gen_ms: float | None
    margin_ms: float | None  # to the deadline; negative = late
    late: int
    fallback: Literal["repeat-call", "repeat-last", "silence"]  # the policy
    fallbacks: int  # how many answers fell back
    answers: int
    errors: int
    seed: int
    channel: int
    input: str
    output: str
    sounding: int
    next_beat: float | None  # where the current phase (call or answer) ends; None when idle


class MotorState(TypedDict):
    motor: int
    voice: str | None
    last_hit: float | None  # the beat it last struck on (the clock's time while the transport is stopped)
    hits_per_min: int
    strikes: int
    refused: int  # strikes refused for motor safety
    latency_ms: float | None


class DrumTopic(TypedDict):
    """`drum`: the serial link to the Arduino and its motors (Drum)."""

    link_state: Literal["connected", "searching", "disconnected", "silent", "refused"]
    port: str | None
    serial: str  # what the set file asked for: "auto" or a device path
    firmware: str | None
    driver: str | None
    heartbeat_age_ms: float | None
    reply_age_ms: float | None
    errors: int
    dropped_notes: int
    unmapped_notes: int
    late_notes: int
    reboots: int
    last_reset: str | None
    last_error: str
    bytes_written: int
    board: dict[str, object] | None
    motors: list[MotorState]


class StageTopic(TypedDict):
    """`stage`: trouble said in words, and the song section playing now (bridge/stage_watch.py)."""

    clock_alert: str | None  # "waiting for Live's clock on 'drumbridge clock'", "clock stalled 3 s: no ticks on ..."
    drum_alert: str | None  # "drum not found (serial = auto), searching 12 s"
    section: str | None  # the [[osc.sections]] entry the current bar lies in
    cues: list[str]  # the set file's cue names (the osc.cue command fires one)
