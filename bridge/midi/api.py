"""Which rtmidi API to use: JACK on Linux (real virtual ports without an ALSA sequencer), CoreMIDI on macOS."""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any, cast

import rtmidi
import rtmidi._rtmidi

API_NAMES = {
    "jack": rtmidi.API_UNIX_JACK,
    "alsa": rtmidi.API_LINUX_ALSA,
    "coremidi": rtmidi.API_MACOSX_CORE,
}


class MidiUnavailable(RuntimeError):
    """No MIDI system to create ports on (for example no JACK server running)."""


class PortMissing(MidiUnavailable):
    """The MIDI system is up, but the existing port a set file names is not there (or is ambiguous)."""


def chosen_api() -> int:
    """The rtmidi API: DRUMBRIDGE_MIDI_API (jack/alsa/coremidi) if set, else the platform's own."""
    name = os.environ.get("DRUMBRIDGE_MIDI_API", "").lower()
    if name:
        if name not in API_NAMES:
            raise MidiUnavailable(f"DRUMBRIDGE_MIDI_API={name!r}: expected one of {', '.join(API_NAMES)}")
        return API_NAMES[name]
    if sys.platform == "darwin":
        return rtmidi.API_MACOSX_CORE
    if os.path.exists("/dev/snd/seq") and not os.environ.get("JACK_DEFAULT_SERVER"):
        return rtmidi.API_LINUX_ALSA
    return rtmidi.API_UNIX_JACK


def api_name(api: int) -> str:
    """Human name of an rtmidi API constant."""
    return {v: k for k, v in API_NAMES.items()}.get(api, rtmidi.get_api_name(api))


def make_midi_in(client: str = "drumbridge") -> rtmidi.MidiIn:
    """A MidiIn on the chosen API, with a clear error when the MIDI system is not there."""
    return _make(rtmidi.MidiIn, client)


def make_midi_out(client: str = "drumbridge") -> rtmidi.MidiOut:
    """A MidiOut on the chosen API, with a clear error when the MIDI system is not there."""
    return _make(rtmidi.MidiOut, client)


def _make(cls: type, client: str) -> rtmidi.MidiIn | rtmidi.MidiOut:
    api = chosen_api()
    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never let libjack spawn a server behind our back
    try:
        return cls(rtapi=api, name=client)
    except (rtmidi.SystemError, RuntimeError) as error:
        hint = ""
        if api == rtmidi.API_UNIX_JACK:
            server = os.environ.get("JACK_DEFAULT_SERVER", "default")
            hint = f" (is a JACK server named {server!r} running? `drumbridge demo` starts its own)"
        raise MidiUnavailable(f"cannot open MIDI on {api_name(api)}: {error}{hint}") from error


def input_latency() -> float:
    """Seconds between a message being sent to one of our inputs and its callback, when it is constant.

    JACK in its default asynchronous mode hands MIDI between clients one period late (64 frames at
    48 kHz = 1.33 ms); input times are moved back by that much so beats land on the sender's time.
    DRUMBRIDGE_MIDI_INPUT_LATENCY_MS overrides the figure.
    """
    override = os.environ.get("DRUMBRIDGE_MIDI_INPUT_LATENCY_MS")
    if override:
        try:
            return max(0.0, float(override) / 1000.0)
        except ValueError:
            raise MidiUnavailable(f"DRUMBRIDGE_MIDI_INPUT_LATENCY_MS={override!r} is not a number") from None
    if chosen_api() != rtmidi.API_UNIX_JACK:
        return 0.0
    frames, rate = _jack_query("jack_bufsize"), _jack_query("jack_samplerate")
    return frames / rate if frames and rate else 0.0


def drain_time() -> float:
    """Seconds to wait after the last send before closing an output, so the MIDI system delivers it.

    rtmidi's JACK output hands messages over in the next process cycle; closing the port before
    that loses them (or delivers garbage), so the panic sent by `close` would never arrive.
    """
    if chosen_api() != rtmidi.API_UNIX_JACK:
        return 0.0
    return max(0.01, 3 * _jack_period(os.environ.get("JACK_DEFAULT_SERVER", "default")))


@functools.lru_cache(maxsize=16)
def _jack_period(_server: str) -> float:
    """One JACK period in seconds for a server (asked once per server name)."""
    frames, rate = _jack_query("jack_bufsize"), _jack_query("jack_samplerate")
    return frames / rate if frames and rate else 0.0


def _jack_query(tool: str) -> int:
    """A number printed by one of JACK's command-line tools (0 when unavailable)."""
    path = shutil.which(tool)
    if path is None:
        return 0
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    try:
        result = subprocess.run([path], env=env, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    words = result.stdout.split()
    return int(words[-1]) if result.returncode == 0 and words and words[-1].isdigit() else 0


def rtmidi_extension(name: str, restype: type | None, argtypes: list[type]) -> Any:
    """A C function our rtmidi build adds (scripts/rtmidi-drumbridge.patch); None for a stock rtmidi."""
    try:
        function = ctypes.CDLL(rtmidi._rtmidi.__file__)[name]
    except (OSError, AttributeError):
        return None
    function.restype, function.argtypes = restype, argtypes
    return function


TimedSend = Callable[[int], None]  # CLOCK_MONOTONIC microseconds at which this thread's next JACK send leaves


@functools.lru_cache(maxsize=1)
def timed_send_function() -> TimedSend | None:
    """Our rtmidi build's `drumbridge_rtmidi_time_next_send` (the patch's part 4); None for a stock rtmidi."""
    return cast("TimedSend | None", rtmidi_extension("drumbridge_rtmidi_time_next_send", None, [ctypes.c_ulonglong]))


def output_lookahead() -> float:
    """How far ahead of its time a message may be handed to an output, which then sends it on time.

    Only JACK outputs of our rtmidi build can hold a message back (to its frame in the JACK cycle);
    elsewhere 0: messages leave when sent. Four periods, and at least 100 ms, so a message is queued
    well before the cycle it belongs to starts, however late the engine wakes.
    """
    if chosen_api() != rtmidi.API_UNIX_JACK or timed_send_function() is None:
        return 0.0
    return max(0.1, 4 * _jack_period(os.environ.get("JACK_DEFAULT_SERVER", "default")))
