"""Build the firmware and run it in the simavr harness (script mode) for the firmware tests."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
BUILD_DIR = FIRMWARE_DIR / "build"
SIM_BINARY = BUILD_DIR / "drumbridge-sim"
ELF = BUILD_DIR / "drumbridge.elf"
SIMAVR_HEADER = Path("/usr/include/simavr/sim_avr.h")


def missing_host_tools() -> str | None:
    """Why the host-native unit tests cannot build here, or None."""
    for tool in ("make", "g++"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (apt-get install build-essential)"
    return None


def missing_sim_tools() -> str | None:
    """Why the firmware cannot be built and simulated here, or None."""
    for tool in ("make", "cc", "avr-gcc", "avr-g++", "avr-objcopy"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (scripts/install-system.sh installs gcc-avr, simavr)"
    if not SIMAVR_HEADER.exists():
        return "libsimavr headers missing (apt-get install libsimavr-dev)"
    if not Path("/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h").exists():
        return "Arduino core missing (apt-get install arduino-core-avr)"
    return None


def make(*targets: str) -> None:
    """Runs make in firmware/; raises with make's output when it fails."""
    proc = subprocess.run(
        ["make", "-C", str(FIRMWARE_DIR), *targets], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"make {' '.join(targets)} failed:\n{proc.stdout}\n{proc.stderr}")


@dataclass(frozen=True)
class Row:
    """One trace row: time in simulated microseconds, what changed, its new value."""

    t_us: int
    what: str
    value: str


@dataclass(frozen=True)
class SimRun:
    """Everything one script run produced."""

    rows: list[Row]

    def motor(self, m: int) -> list[tuple[int, str]]:
        """(time_us, state) changes of motor m, glitches of under 20 µs merged away."""
        out: list[tuple[int, str]] = []
        for r in self.rows:
            if r.what != str(m):
                continue
            if out and r.t_us - out[-1][0] < 20:
                out.pop()
            if out and out[-1][1] == r.value:
                continue
            out.append((r.t_us, r.value))
        return out

    def tx(self) -> bytes:
        """Every byte the firmware sent."""
        return bytes(int(r.value, 16) for r in self.rows if r.what == "tx")

    def tx_after(self, t_us: int) -> bytes:
        """Bytes the firmware sent at or after t_us."""
        return bytes(int(r.value, 16) for r in self.rows if r.what == "tx" and r.t_us >= t_us)

    def rx_times(self) -> list[tuple[int, int]]:
        """(time_us, byte) of each byte as the firmware's UART completed it."""
        return [(r.t_us, int(r.value, 16)) for r in self.rows if r.what == "rx"]


def sysex_messages(data: bytes) -> list[bytes]:
    """Splits a byte stream into complete F0..F7 messages."""
    out, cur = [], None
    for b in data:
        if b == 0xF0:
            cur = bytearray([b])
        elif cur is not None:
            cur.append(b)
            if b == 0xF7:
                out.append(bytes(cur))
                cur = None
    return out


def run_script(
    events: list[tuple[int, bytes | str]], ms: int, eeprom: Path | None = None,
    mcusr: int | None = None, shield: bool = False, elf: Path | None = None,
) -> SimRun:
    """Runs the firmware for ms simulated milliseconds with timed input.

    events: (time_us, bytes) sends bytes at 115200 baud from time_us;
    (time_us, "reset") presses the reset button; (time_us, "hang") hangs the firmware.
    shield runs the DRIVER=shield build and reads motors from its 74HC595 latch.
    elf runs another H-bridge firmware image (the Arduino IDE's build, say).
    """
    lines = []
    for t, what in events:
        body = what if isinstance(what, str) else " ".join(f"{b:02X}" for b in what)
        lines.append(f"{t} {body}")
    cmd = [str(SIM_BINARY), "--script", "-", "--ms", str(ms)]
    if eeprom is not None:
        cmd += ["--eeprom", str(eeprom)]
    if mcusr is not None:
        cmd += ["--mcusr", f"{mcusr:02X}"]
    if shield:
        cmd += ["--elf", str(BUILD_DIR / "shield" / "drumbridge.elf"), "--driver", "shield"]
    elif elf is not None:
        cmd += ["--elf", str(elf)]
    proc = subprocess.run(
        cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise RuntimeError(f"drumbridge-sim failed ({proc.returncode}): {proc.stderr}")
    out = proc.stdout.splitlines()
    assert out[0] == "time_us,what,value", out[:3]
    rows = []
    for line in out[1:]:
        t, what, value = line.split(",")
        rows.append(Row(int(t), what, value))
    return SimRun(rows)
