"""A serial cable made of two ptys by socat: one end for drumbridge, the other for a fake or the simulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path


class SocatCable:
    """`socat pty,link=A pty,link=B`: bytes written to A come out of B and back."""

    def __init__(self, directory: Path, name: str = "cable") -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (apt-get install socat)")
        self.a = directory / f"{name}-a"
        self.b = directory / f"{name}-b"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self, timeout: float = 5.0) -> None:
        """(Re)create the cable: a test can stop() and start() it to unplug and replug."""
        self.process = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.a}", f"pty,raw,echo=0,link={self.b}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.a.exists() and self.b.exists():
                return
            time.sleep(0.01)
        raise RuntimeError("socat did not create its ptys")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=5)
            self.process = None
        for link in (self.a, self.b):
            if link.is_symlink():
                os.unlink(link)
