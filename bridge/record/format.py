"""The record file: JSON Lines with a header, one line per incoming MIDI message, and an end line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

FORMAT = "drumbridge-record"
VERSION = 1


class RecordError(Exception):
    """A record file that cannot be replayed; the message names the file and line."""


@dataclass(frozen=True)
class Message:
    """One incoming MIDI message: seconds since the show started, song position, port, bytes."""

    t: float
    beat: float | None
    port: str
    data: tuple[int, ...]


@dataclass
class Record:
    """A whole record: the set file it ran and every message it heard."""

    set_text: str
    set_path: str
    messages: list[Message] = field(default_factory=list)
    end: float = 0.0


def header_line(set_text: str, set_path: str) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "set_path": set_path, "set": set_text})


def message_line(message: Message) -> str:
    beat = None if message.beat is None else round(message.beat, 6)
    return json.dumps({"t": message.t, "beat": beat, "port": message.port, "data": list(message.data)})


def end_line(t: float) -> str:
    return json.dumps({"end": t})


def read_record(path: str | Path) -> Record:
    """Parse a record file; every problem names the line it is on."""
    path = Path(path)
    try:
        handle: TextIO = path.open(encoding="utf-8")
    except OSError as error:
        raise RecordError(f"{path}: cannot read: {error}") from None
    with handle:
        record: Record | None = None
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError as error:
                if not line.endswith("\n") and record is not None:
                    break  # a last line cut short (the disk failed while recording): keep every whole line
                raise RecordError(f"{path}:{number}: not JSON: {error}") from None
            if record is None:
                if item.get("format") != FORMAT:
                    raise RecordError(f"{path}:{number}: not a drumbridge record (no {FORMAT!r} header)")
                if item.get("version") != VERSION:
                    raise RecordError(f"{path}:{number}: record version {item.get('version')}, "
                                      f"this drumbridge reads version {VERSION}")
                record = Record(str(item.get("set", "")), str(item.get("set_path", "")))
            elif "end" in item:
                record.end = float(item["end"])
            else:
                try:
                    data = tuple(int(b) for b in item["data"])
                    if not data or any(not 0 <= b <= 255 for b in data):
                        raise ValueError("bytes must be 0..255")
                    record.messages.append(Message(float(item["t"]), item.get("beat"), str(item["port"]), data))
                except (KeyError, TypeError, ValueError) as error:
                    raise RecordError(f"{path}:{number}: bad message line: {error}") from None
    if record is None:
        raise RecordError(f"{path}: empty record")
    if record.messages:
        record.end = max(record.end, record.messages[-1].t)
    return record
