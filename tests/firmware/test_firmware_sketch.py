"""The Arduino sketch folder stands alone: copied anywhere, the IDE's own builder builds it and it runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.firmware import fwsim
from tests.firmware.fwsim import run_script, sysex_messages

SKETCH = fwsim.FIRMWARE_DIR / "drumbridge"
HARDWARE = Path("/usr/share/arduino/hardware")
BUILDER_DIR = Path("/usr/share/arduino-builder")  # Debian's ctags recipe (platform.txt) and tools
HELLO = bytes.fromhex("F0 7D 01 F7")
HELLO_REPLY = bytes.fromhex("F0 7D 41 01 01 00 00 04 00 F7")


def arduino_builder(sketch_dir: Path, build: Path) -> subprocess.CompletedProcess[str]:
    """Compiles sketch_dir/drumbridge.ino for an Uno the way the Arduino IDE does."""
    build.mkdir(parents=True, exist_ok=True)
    cmd = [
        "arduino-builder", "-compile",
        "-hardware", str(HARDWARE), "-hardware", str(BUILDER_DIR), "-tools", str(BUILDER_DIR),
        "-fqbn", "arduino:avr:uno", "-build-path", str(build),
        # Debian's avr core needs DECIMAL_DIG (see DESIGN.md); the IDE's own core does not.
        "-prefs", "compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__",
        str(sketch_dir / "drumbridge.ino"),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_sketch_folder_has_no_links() -> None:
    """A ZIP download or a Windows clone turns symlinks into text files: the folder holds real files."""
    links = [str(p.relative_to(SKETCH)) for p in SKETCH.rglob("*") if p.is_symlink()]
    assert links == []
    assert (SKETCH / "src" / "drum.cpp").is_file()


def test_copied_sketch_builds_with_arduino_builder_and_runs(tmp_path: Path, sim: None) -> None:
    """Copy the sketch into a sketchbook elsewhere; arduino-builder's ELF boots and answers in simavr."""
    if shutil.which("arduino-builder") is None or not HARDWARE.is_dir():
        pytest.skip("arduino-builder not installed (scripts/install-system.sh installs it)")
    sketch = tmp_path / "sketchbook" / "drumbridge"
    shutil.copytree(SKETCH, sketch, symlinks=True)  # links stay links, as in a copy or a ZIP
    proc = arduino_builder(sketch, tmp_path / "build")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    elf = tmp_path / "build" / "drumbridge.ino.elf"
    assert (tmp_path / "build" / "drumbridge.ino.hex").stat().st_size > 1000
    run = run_script([(10_000, HELLO), (20_000, bytes([0x99, 36, 127]))], ms=150, elf=elf)
    assert sysex_messages(run.tx_after(10_000)) == [HELLO_REPLY]
    assert [s for _, s in run.motor(0)] == ["fwd", "off", "back", "off"]
