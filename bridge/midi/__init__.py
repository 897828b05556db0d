"""MIDI ports: virtual ports other apps connect to (JACK on Linux, CoreMIDI on macOS), via python-rtmidi."""
