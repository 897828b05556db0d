"""A small OSCQuery server: the namespace as JSON over HTTP (stdlib http.server on a daemon thread).

Implements the core of the OSCQuery proposal: GET /path returns the node (FULL_PATH, CONTENTS,
TYPE, ACCESS, DESCRIPTION), GET /path?ATTRIBUTE returns that attribute alone, GET /?HOST_INFO
names the OSC port and transport. No WebSocket LISTEN extension; Bonjour announcement is in
bridge/osc/advertise.py.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from bridge.osc.namespace import AddressSpec

class _HttpServer(ThreadingHTTPServer):
    """http.server without its reverse DNS lookup of the bound address (that could block the show's start)."""

    daemon_threads = True

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


ATTRIBUTES = ("FULL_PATH", "CONTENTS", "TYPE", "ACCESS", "DESCRIPTION", "VALUE", "RANGE")


def build_tree(prefix: str, specs: list[AddressSpec]) -> dict[str, Any]:
    """The OSCQuery node tree for `specs` under `prefix` (one container node per path segment)."""
    root: dict[str, Any] = {"FULL_PATH": "/", "ACCESS": 0, "DESCRIPTION": "drumbridge", "CONTENTS": {}}
    for spec in specs:
        full = prefix.rstrip("/") + spec.path
        node = root
        parts = [p for p in full.split("/") if p]
        for depth, part in enumerate(parts):
            contents = node.setdefault("CONTENTS", {})
            path = "/" + "/".join(parts[: depth + 1])
            node = contents.setdefault(part, {"FULL_PATH": path, "ACCESS": 0})
        if spec.types:
            node["TYPE"] = spec.types
        node["ACCESS"] = node.get("ACCESS", 0) | spec.access
        node["DESCRIPTION"] = spec.description
    return root


def find_node(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The node at `path`, or None."""
    node = tree
    for part in (p for p in path.split("/") if p):
        node = node.get("CONTENTS", {}).get(part)
        if node is None:
            return None
    return node


class OscQueryServer:
    """Serves `tree()` (rebuilt per request, so new responders appear) and host info on host:port."""

    def __init__(self, host: str, port: int, tree: Callable[[], dict[str, Any]], host_info: dict[str, Any]) -> None:
        self.host = host
        self.port = port
        self.tree = tree
        self.host_info = host_info
        self.requests = 0
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind (raises OSError if the port is taken) and serve on a daemon thread."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                owner.requests += 1
                status, body = owner.answer(self.path)
                data = json.dumps(body).encode("utf-8") if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep stderr quiet
                pass

        self._server = _HttpServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="oscquery",
                                        daemon=True)
        self._thread.start()

    def answer(self, raw_path: str) -> tuple[int, Any]:
        """Status and JSON body for a GET of `raw_path` (pure: tested without a socket)."""
        parts = urlsplit(raw_path)
        query = parts.query.split("&")[0] if parts.query else ""
        if query == "HOST_INFO":
            return 200, self.host_info
        node = find_node(self.tree(), unquote(parts.path))
        if node is None:
            return 404, None
        if not query:
            return 200, node
        if query not in ATTRIBUTES:
            return 400, None
        if query not in node:
            return 204, None
        return 200, {query: node[query]}

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
