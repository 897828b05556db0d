"""The command line as a user runs it: help, version, check, and a broken set file that starts nothing."""

from __future__ import annotations

import signal
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
        assert f"{path}:3: clock.bpm: input should be less than or equal to 400 (got 999)" in result.stderr
        assert "running" not in result.stderr
        # only `run` could have started something
        assert ("nothing started" in result.stderr) == (command[0] == "run")


def test_verbose_works_after_the_subcommand_too(tmp_path: Path) -> None:
    path = tmp_path / "quiet.toml"
    path.write_text('[clock]\nsource = "internal"\n')
    args = build_parser().parse_args(["check", str(path), "-vv"])
    assert args.verbose + args.verbose_after == 2
    assert build_parser().parse_args(["-v", "check", str(path), "-v"]).verbose_after == 1


def test_help_shows_defaults_and_commands_without_an_action_list_their_actions() -> None:
    record = " ".join(drumbridge("record", "--help").stdout.split())
    assert "--force" in record
    generate = " ".join(drumbridge("model", "generate", "--help").stdout.split())  # unwrapped
    assert "(default: 1.0)" in generate and "(default: 0)" in generate  # temperature, seed
    for command, actions in (("model", ("info", "score", "generate", "bench")),
                             ("drum", ("hello", "status", "test", "calibrate", "sim"))):
        result = drumbridge(command)
        assert result.returncode == 2
        assert all(f"    {action}" in result.stderr for action in actions), result.stderr
        assert "give one of the actions above" in result.stderr


def test_model_info_takes_builtin_names() -> None:
    result = drumbridge("model", "info", "builtin:drums")
    assert result.returncode == 0, result.stderr
    assert "drums_rnn/drum_kit" in result.stdout
    unknown = drumbridge("model", "info", "builtin:bass")
    assert unknown.returncode == 2 and "unknown built-in model 'builtin:bass'; known: builtin:drums" in unknown.stderr


def test_an_in_process_call_keeps_the_hosts_crash_report(tmp_path: Path) -> None:
    """pytest (or PYTHONFAULTHANDLER) already reports crashes somewhere real: main() must not move that report
    to a stderr the host captures, where a segfault later in the run would say nothing."""
    report = tmp_path / "crash.txt"
    code = (f"import faulthandler, os, signal, sys\n"
            f"faulthandler.enable(file=open({str(report)!r}, 'w'), all_threads=True)\n"
            f"from bridge.cli.main import main\n"
            f"main(['check', {str(tmp_path / 'missing.toml')!r}])\n"
            f"os.kill(os.getpid(), signal.SIGSEGV)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in report.read_text()
    assert "Segmentation fault" not in result.stderr
