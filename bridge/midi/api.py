"""Which rtmidi API to use: JACK on Linux (real virtual ports without an ALSA sequencer), CoreMIDI on macOS."""

from __future__ import annotations

import os
import sys

import rtmidi

API_NAMES = {
    "jack": rtmidi.API_UNIX_JACK,
    "alsa": rtmidi.API_LINUX_ALSA,
    "coremidi": rtmidi.API_MACOSX_CORE,
}


class MidiUnavailable(RuntimeError):
    """No MIDI system to create ports on (for example no JACK server running)."""


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
