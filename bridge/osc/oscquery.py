"""The OSCQuery server: the namespace as JSON over HTTP and a websocket for LISTEN, on one port.

Follows the OSCQuery proposal (Vidvox): GET /path returns the node (FULL_PATH, CONTENTS, TYPE, ACCESS,
RANGE, VALUE, DESCRIPTION), GET /path?ATTRIBUTE that attribute alone, GET /?HOST_INFO the server.
A websocket on the same port takes {"COMMAND": "LISTEN"|"IGNORE", "DATA": path} and streams each
listened value as a binary OSC message when it changes; PATH_ADDED / PATH_REMOVED go to every
websocket client when responders, voices or cues come and go.

It runs on the `websockets` library's asyncio server on one thread, so a slow or hostile client
costs a coroutine, not a thread: every connection has a total time limit for its request
(`request_timeout`), request lines and headers are bounded by websockets, and at most
`max_connections` sockets are open at once (more are closed at once and counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bridge.osc.namespace import READ, AddressSpec, Range
from bridge.osc.wire import encode_message

Tree = dict[str, Any]
ATTRIBUTES = ("FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "DESCRIPTION", "VALUE", "RANGE")
EXTENSIONS = {"ACCESS": True, "VALUE": True, "RANGE": True, "DESCRIPTION": True, "TYPE": True, "LISTEN": True,
              "PATH_CHANGED": False, "PATH_ADDED": True, "PATH_REMOVED": True, "PATH_RENAMED": False,
              "TAGS": False, "EXTENDED_TYPE": False, "UNIT": False, "CRITICAL": False, "CLIPMODE": False,
              "OVERLOADS": False, "HTML": False}

# websockets logs every aborted handshake with a traceback; the server counts them instead.
_quiet = logging.getLogger("drumbridge.oscquery.websockets")
_quiet.setLevel(logging.CRITICAL)


def build_tree(prefix: str, specs: list[AddressSpec], values: dict[str, list[Any]] | None = None,
               choices: dict[str, list[str]] | None = None) -> Tree:
    """The OSCQuery node tree for `specs` under `prefix`; `values`/`choices` are keyed by full path."""
    values, choices = values or {}, choices or {}
    root: Tree = {"FULL_PATH": "/", "ACCESS": 0, "DESCRIPTION": "drumbridge", "CONTENTS": {}}
    for spec in specs:
        full = prefix.rstrip("/") + spec.path
        node = root
        parts = [p for p in full.split("/") if p]
        for depth, part in enumerate(parts):
            contents = node.setdefault("CONTENTS", {})
            node = contents.setdefault(part, {"FULL_PATH": "/" + "/".join(parts[: depth + 1]), "ACCESS": 0})
        node["TYPE"] = spec.types
        node["ACCESS"] = node.get("ACCESS", 0) | spec.access
        node["DESCRIPTION"] = spec.description
        ranges: tuple[Range, ...] = spec.ranges
        if full in choices and spec.types == "s":
            ranges = ({"VALS": choices[full]},)
        if any(r is not None for r in ranges):
            node["RANGE"] = list(ranges)
        if node["ACCESS"] & READ and full in values:
            node["VALUE"] = values[full]
    return root


def find_node(tree: Tree, path: str) -> Tree | None:
    """The node at `path`, or None."""
    node = tree
    for part in (p for p in path.split("/") if p):
        node = node.get("CONTENTS", {}).get(part)
        if node is None:
            return None
    return node


def leaf_paths(tree: Tree) -> set[str]:
    """Every method (leaf with a TYPE) in the tree."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if "TYPE" in node:
            found.add(node["FULL_PATH"])
        stack.extend(node.get("CONTENTS", {}).values())
    return found


def leaf_values(tree: Tree) -> dict[str, list[Any]]:
    """VALUE of every readable leaf in the tree, by full path."""
    found: dict[str, list[Any]] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if "VALUE" in node:
            found[node["FULL_PATH"]] = node["VALUE"]
        stack.extend(node.get("CONTENTS", {}).values())
    return found


def answer(tree: Tree, host_info: dict[str, Any], raw_path: str) -> tuple[int, Any]:
    """Status and JSON body for a GET of `raw_path` (pure: tested without a socket)."""
    parts = urlsplit(raw_path)
    query = parts.query.split("&")[0] if parts.query else ""
    if query == "HOST_INFO":
        return 200, host_info
    node = find_node(tree, unquote(parts.path))
    if node is None:
        return 404, None
    if not query:
        return 200, node
    if query not in ATTRIBUTES:
        return 400, None
    if query == "VALUE":
        if not node.get("ACCESS", 0) & READ:
            return 204, None  # the spec: VALUE of a node that cannot be read
        return 200, {"VALUE": node["VALUE"]} if "VALUE" in node else {}
    if query not in node:
        return 204, None
    return 200, {query: node[query]}


def osc_frame(path: str, args: list[Any]) -> bytes:
    """A binary OSC message for the websocket stream (typed like every other OSC message we send)."""
    return encode_message(path, args)


@dataclass
class OscQueryStats:
    """What the server did, for telemetry."""

    requests: int = 0
    websockets: int = 0
    refused: int = 0  # connections over the cap
    bad_requests: int = 0  # timed out or malformed before a request was complete
    frames_sent: int = 0


class OscQueryServer:
    """Serves `tree()` (rebuilt per request, so values are current) and host info on host:port."""

    def __init__(self, host: str, port: int, tree: Callable[[], Tree], host_info: dict[str, Any],
                 max_connections: int = 32, request_timeout: float = 5.0, poll_interval: float = 0.05) -> None:
        self.host = host
        self.port = port
        self.tree = tree
        self.host_info = dict(host_info, EXTENSIONS=dict(EXTENSIONS))
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.poll_interval = poll_interval
        self.stats = OscQueryStats()
        self._listeners: dict[ServerConnection, dict[str, list[Any] | None]] = {}  # path -> value it last got
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._paths: set[str] | None = None  # methods as websocket clients last heard of them

    @property
    def requests(self) -> int:
        return self.stats.requests

    def start(self) -> None:
        """Bind (raises OSError if the port is taken) and serve on a daemon thread."""
        ready: asyncio.Future[None] | None = None
        error: list[BaseException] = []
        started = threading.Event()

        async def main() -> None:
            nonlocal ready
            self._stopped = asyncio.Event()
            try:
                self._server = await serve(self._session, self.host, self.port, process_request=self._http,
                                           open_timeout=self.request_timeout, max_size=4096, logger=_quiet,
                                           create_connection=self._connection_class(), compression=None)
            except OSError as exc:
                error.append(exc)
                started.set()
                return
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()
            poller = asyncio.ensure_future(self._poll())
            await self._stopped.wait()
            poller.cancel()
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(main())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="oscquery", daemon=True)
        self._thread.start()
        started.wait(10)
        if error:
            self._thread.join(2)
            raise error[0]

    def _connection_class(self) -> type[ServerConnection]:
        owner = self

        class CappedConnection(ServerConnection):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                if len(self.server.handler_tasks) > owner.max_connections:
                    owner.stats.refused += 1
                    cast(asyncio.Transport, transport).abort()  # a socket transport, typed as the base

        return CappedConnection

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        """Plain GETs get JSON; a websocket upgrade goes on to the handshake."""
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        self.stats.requests += 1
        try:
            status, body = answer(self.tree(), self.host_info, request.path)
        except Exception as exc:  # noqa: BLE001 - a broken tree must not kill the server
            status, body = 500, {"error": str(exc)}
        data = json.dumps(body).encode("utf-8") if body is not None else b""
        headers = Headers({"Content-Type": "application/json", "Content-Length": str(len(data)),
                           "Connection": "close", "Access-Control-Allow-Origin": "*"})
        return Response(status, HTTPStatus(status).phrase, headers, data)

    async def _session(self, connection: ServerConnection) -> None:
        """One websocket client: LISTEN / IGNORE commands in, values and path changes out."""
        self.stats.websockets += 1
        self._listeners[connection] = {}
        if self._paths is None:
            self._paths = leaf_paths(self.tree())  # what this client is about to read is the baseline
        try:
            async for message in connection:
                if not isinstance(message, str):
                    continue  # OSC packets from clients: control goes to the UDP port
                try:
                    command = json.loads(message)
                    verb, path = command["COMMAND"], command["DATA"]
                except (ValueError, KeyError, TypeError):
                    continue
                if verb == "LISTEN" and isinstance(path, str):
                    value = leaf_values(self.tree()).get(path)
                    self._listeners[connection][path] = value
                    if value is not None:
                        await self._send(connection, osc_frame(path, value))
                elif verb == "IGNORE" and isinstance(path, str):
                    self._listeners[connection].pop(path, None)
        except ConnectionClosed:
            pass
        finally:
            self._listeners.pop(connection, None)

    async def _send(self, connection: ServerConnection, data: bytes | str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await connection.send(data)
            if isinstance(data, bytes):
                self.stats.frames_sent += 1

    async def _poll(self) -> None:
        """While websocket clients are connected: stream changed values, announce added/removed paths."""
        while True:
            await asyncio.sleep(self.poll_interval)
            if not self._listeners:
                self._paths = None
                continue
            tree = self.tree()
            values, paths = leaf_values(tree), leaf_paths(tree)
            last_paths = self._paths
            if last_paths is not None:
                for verb, changed in (("PATH_ADDED", paths - last_paths), ("PATH_REMOVED", last_paths - paths)):
                    for path in sorted(changed):
                        note = json.dumps({"COMMAND": verb, "DATA": path})
                        for connection in list(self._listeners):
                            await self._send(connection, note)
            self._paths = paths
            for connection, listened in list(self._listeners.items()):
                for path in [p for p in listened if p not in paths]:
                    del listened[path]  # a removed method is no longer streamed
                for path, sent in list(listened.items()):
                    value = values.get(path)
                    if value is not None and value != sent:
                        listened[path] = value
                        await self._send(connection, osc_frame(path, value))

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._loop is not None and self._stopped is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(3)
