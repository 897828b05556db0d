"""The remote-attach wire format: one JSON object per line over TCP, each with a "type".

client → server: hello {protocol, token}, command {id, name, args}, bye
server → client: welcome {protocol, show, commands: [{name, help, params}]}, denied {reason},
                 snapshot {version, state, log_new: [events]}, commands {commands},
                 result {id, ok, error}
The first snapshot after welcome carries the recent log; later ones only the events since.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from bridge.commands import CommandSpec

PROTOCOL_VERSION = 1
MAX_LINE = 8 * 1024 * 1024  # a snapshot is a few kB; anything this big is not ours
MAX_HELLO_LINE = 4096  # a hello is a few dozen bytes: the cap before a peer has said who it is


class ProtocolError(ValueError):
    """A line that is not a well-formed message of this protocol."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as a UTF-8 JSON line."""
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line; raise ProtocolError unless it is a JSON object with a string "type"."""
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    except RecursionError:
        raise ProtocolError("JSON nested too deep") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("expected a JSON object with a string 'type'")
    return message


def specs_to_wire(specs: list[CommandSpec]) -> list[dict[str, Any]]:
    return [{"name": s.name, "help": s.help, "params": list(s.params)} for s in specs]


def specs_from_wire(items: Any) -> list[CommandSpec]:
    """Command specs from a welcome/commands message; malformed entries are skipped."""
    specs = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            params = found if isinstance(found := item.get("params"), list) else []
            specs.append(CommandSpec(item["name"], str(item.get("help", "")), tuple(map(str, params))))
    return specs


class LineReader:
    """Splits a socket's byte stream into lines; `read()` returns the complete lines received so far."""

    def __init__(self, sock: socket.socket, max_line: int = MAX_LINE) -> None:
        self.sock = sock
        self.max_line = max_line  # a longer line is a ProtocolError, before it is all in memory
        self._buffer = b""
        self.pending: list[bytes] = []  # lines handed back unread (see `unread`)

    def unread(self, lines: list[bytes]) -> None:
        """Give lines back so the next `read` returns them first."""
        self.pending = lines + self.pending

    def read(self) -> list[bytes]:
        """Lines handed back, else receive once (blocking per the socket's timeout); EOFError when closed."""
        if self.pending:
            lines, self.pending = self.pending, []
            return lines
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > self.max_line or any(len(line) > self.max_line for line in lines):
            raise ProtocolError(f"line longer than {self.max_line} bytes")
        return [line for line in lines if line.strip()]
