"""The command line as a user runs it: help, version, check, and a broken set file that starts nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bridge import __version__
from bridge.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def drumbridge(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_version() -> None:
    result = drumbridge("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"drumbridge {__version__}"


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    names = list(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"run", "demo", "check", "ports"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"])
        assert exited.value.code == 0
        assert f"usage: drumbridge {name}" in capsys.readouterr().out


def test_check_prints_the_routing() -> None:
    result = drumbridge("check", "live_sets/demo.toml")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "drumbridge clock out" in result.stdout
    assert "Sync ON" in result.stdout


def test_check_midi_clock_routing(tmp_path: Path) -> None:
    path = tmp_path / "live.toml"
    path.write_text('[clock]\nsource = "midi"\nport = "drumbridge clock"\n')
    result = drumbridge("check", str(path))
    assert result.returncode == 0, result.stderr
    assert "Output port: Sync ON" in result.stdout and "drumbridge clock" in result.stdout


def test_broken_set_file_is_one_clear_error_and_starts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[clock]\nsource = "internal"\nbpm = 999\n')
    for command in (["check", str(path)], ["run", str(path), "--headless", "--seconds", "1"]):
        result = drumbridge(*command)
        assert result.returncode == 2
        assert f"{path}: clock.bpm: input should be less than or equal to 400 (got 999)" in result.stderr
        assert "running" not in result.stderr
