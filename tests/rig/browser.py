"""A real headless Chromium driven over the DevTools protocol (websocket-client), and OCR of its screenshots."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,800"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One Chromium process with one page, closed by `close()`."""

    def __init__(self) -> None:
        path = chromium_path()
        assert path is not None, "chromium is not installed"
        self.profile = tempfile.TemporaryDirectory(prefix="drumbridge-chromium-", ignore_cleanup_errors=True)
        port = _free_port()
        self.process = subprocess.Popen([path, *FLAGS, f"--remote-debugging-port={port}",
                                         f"--user-data-dir={self.profile.name}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)  # its helpers (zygote, renderers) go with it
        self._ids = itertools.count(1)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                    pages = [t for t in json.load(response) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium's DevTools endpoint did not come up within 20 s")
            time.sleep(0.1)  # polling an external process's startup
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command, waiting for its own reply (events in between are dropped)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, url: str) -> None:
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(10)
                    break
                except subprocess.TimeoutExpired:
                    continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # helpers that outlived the browser
            self.profile.cleanup()


def ocr(png: Path) -> str:
    """The text tesseract reads in a screenshot (one block of text, as a terminal is)."""
    result = subprocess.run(["tesseract", str(png), "-", "--psm", "6"], capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout
