"""The real firmware in simavr behind a pty: a drum board for demos and end-to-end tests with no hardware.

Wraps the firmware's harness (`firmware/build/drumbridge-sim --pty PATH`, see firmware/sim/), building
it with `make -C firmware sim` when it is missing. The pty path is a symlink drumbridge opens like any
board. The harness traces every pin, LED and UART byte; the trace file written here keeps the motor
rows only, as `time_us,motor,state` (state: off/fwd/back/brake), one per pin change.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections import deque
from pathlib import Path
from threading import Thread
from typing import IO

from bridge.processes import die_with_parent, keep_tail, terminate

# the checkout's firmware/ (DRUMBRIDGE_FIRMWARE_DIR points elsewhere, e.g. a build tree)
FIRMWARE_DIR = Path(os.environ.get("DRUMBRIDGE_FIRMWARE_DIR") or Path(__file__).resolve().parents[2] / "firmware")


_MOTOR_ROW = re.compile(r"^(\d+),(?:motor ?)?(\d+),(off|fwd|back|brake)\b")


class SimulatorError(RuntimeError):
    """The simulator cannot be built or started."""


def ensure_built(firmware_dir: Path = FIRMWARE_DIR) -> Path:
    """The simulator binary, built (with the firmware ELF) if missing."""
    binary = firmware_dir / "build" / "drumbridge-sim"
    elf = firmware_dir / "build" / "drumbridge.elf"
    if binary.exists() and elf.exists():
        return binary
    if not (firmware_dir / "Makefile").exists():
        raise SimulatorError(f"no firmware sources at {firmware_dir} (a drumbridge checkout has firmware/)")
    if shutil.which("avr-gcc") is None:
        raise SimulatorError("avr-gcc is not installed (scripts/install-system.sh installs gcc-avr and simavr)")
    result = subprocess.run(["make", "-C", str(firmware_dir), "hex", "sim"], capture_output=True, text=True)
    if result.returncode != 0 or not binary.exists():
        raise SimulatorError(f"`make -C {firmware_dir} hex sim` failed:\n{result.stderr[-2000:]}")
    return binary


class Simulator:
    """One simulator process; `start()` returns once its pty exists."""

    def __init__(self, link: str | os.PathLike[str], trace: str | os.PathLike[str] | None = None,
                 firmware_dir: Path = FIRMWARE_DIR, extra_args: tuple[str, ...] = ()) -> None:
        self.link = Path(link)
        self.trace = None if trace is None else Path(trace)
        self.firmware_dir = firmware_dir
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._trace_thread: Thread | None = None

    def command(self) -> list[str]:
        binary = ensure_built(self.firmware_dir)
        cmd = [str(binary), "--pty", str(self.link)]
        if self.trace is not None:
            cmd += ["--trace", "/dev/stdout"]
        return cmd + list(self.extra_args)

    def start(self, timeout: float = 10.0) -> Simulator:
        if self.link.is_symlink():
            self.link.unlink()  # a stale link from a killed run
        cmd = self.command()
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE if self.trace else subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, preexec_fn=die_with_parent())
        keep_tail(self.process.stderr, self._stderr, "simulator stderr")
        if self.trace is not None:
            self._trace_thread = Thread(target=self._write_trace, args=(self.process.stdout,), daemon=True)
            self._trace_thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.link.exists():
                return self
            if self.process.poll() is not None:
                raise SimulatorError(f"simulator exited with status {self.process.returncode}: {self.stderr_tail()}")
            time.sleep(0.01)
        self.stop()
        raise SimulatorError(f"simulator made no pty at {self.link} within {timeout:g} s: {self.stderr_tail()}")

    def _write_trace(self, rows: IO[bytes]) -> None:
        assert self.trace is not None
        with open(self.trace, "w", encoding="utf-8") as out:
            out.write("time_us,motor,state\n")
            out.flush()
            for line in rows:
                match = _MOTOR_ROW.match(line.decode(errors="replace"))
                if match:
                    out.write(f"{match[1]},{match[2]},{match[3]}\n")
                    out.flush()

    def reset(self) -> None:
        """Press the board's reset button (the firmware reboots and sends its boot notice)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)

    def stderr_tail(self) -> str:
        return " | ".join(self._stderr) or "(no output)"

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the process has ended (same shape as RealtimeRunner.wait for `wait_for`)."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        """End the simulator (the pty goes away: to drumbridge this is an unplug)."""
        if self.process is not None:
            terminate(self.process)
        if self._trace_thread is not None:
            self._trace_thread.join(timeout=5)
        if self.link.is_symlink() and not self.link.exists():
            self.link.unlink()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
