"""`drumbridge ports`: the MIDI ports and serial ports (with USB ids) this machine has."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ports", help="list MIDI and serial ports",
                                   description="List MIDI inputs/outputs and serial ports with USB ids.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    from bridge.midi.api import MidiUnavailable, api_name, chosen_api
    from bridge.midi.ports import list_ports as list_midi_ports

    try:
        midi: dict[str, Any] = {"api": api_name(chosen_api()), **list_midi_ports()}
    except MidiUnavailable as error:
        midi = {"api": None, "sources": [], "destinations": [], "error": str(error)}
    serial = [
        {"device": p.device, "description": p.description, "vid": p.vid, "pid": p.pid,
         "serial_number": p.serial_number, "manufacturer": p.manufacturer}
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
    if args.json:
        print(json.dumps({"midi": midi, "serial": serial}, indent=2))
        return 0
    print(f"MIDI ({midi['api'] or 'unavailable'}):")
    if "error" in midi:
        print(f"  {midi['error']}")
    for kind, label in (("destinations", "send to"), ("sources", "read from")):
        for name in midi[kind]:
            print(f"  {label:9s}  {name}")
    print("serial:")
    if not serial:
        print("  (none)")
    for port in serial:
        usb = f"{port['vid']:04x}:{port['pid']:04x}" if port["vid"] is not None else "----:----"
        print(f"  {port['device']:20s} {usb}  {port['serial_number'] or '-':16s} {port['description']}")
    return 0
