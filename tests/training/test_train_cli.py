"""`drumbridge train` argument handling, interpreter lookup and the trainer protocol (no TensorFlow needed)."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path

import pytest

from bridge.cli.main import build_parser, main
from bridge.training.progress import ProgressPrinter, format_seconds, render
from bridge.training.runner import PYTHON_ENV, TrainingError, candidate_interpreters, find_interpreter, run_trainer
from tests.training.synth import rock_bar, write_drums


def midi_folder(root: Path, count: int = 12) -> Path:
    for i in range(count):
        write_drums(root / f"take{i:02d}.mid", rock_bar(0) + rock_bar(16))
    return root


def test_defaults_and_layers_parse() -> None:
    args = build_parser().parse_args(["train", "--midi-dir", "d", "--out", "m.mag"])
    assert args.layers == [256, 256, 256] and args.config == "drum_kit" and args.steps == 20000
    args = build_parser().parse_args(["train", "--midi-dir", "d", "--out", "m.mag", "--layers", "128,64",
                                      "--steps", "10", "--seed", "7"])
    assert args.layers == [128, 64] and args.steps == 10 and args.seed == 7


@pytest.mark.parametrize("option", [["--layers", "128,x"], ["--layers", "0"], ["--steps", "0"],
                                    ["--steps", "-3"], ["--config", "one_drum"]])
def test_bad_options_are_rejected_by_the_parser(option: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["train", "--midi-dir", "d", "--out", "m.mag", *option])
    assert exit_info.value.code == 2
    assert option[0] in capsys.readouterr().err


def test_user_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "--midi-dir", str(tmp_path), "--out", str(tmp_path / "m.pt")]) == 2
    assert "--out must name a .mag file" in capsys.readouterr().err
    assert main(["train", "--midi-dir", str(tmp_path / "none"), "--out", str(tmp_path / "m.mag")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["train", "--midi-dir", str(tmp_path), "--out", str(tmp_path / "m.mag")]) == 2
    assert "no training MIDI files" in capsys.readouterr().err


def test_missing_tensorflow_says_how_to_install(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = midi_folder(tmp_path / "midi")
    status = main(["train", "--midi-dir", str(folder), "--out", str(tmp_path / "m.mag"),
                   "--python", sys.executable])
    err = capsys.readouterr().err
    if status == 0:
        pytest.skip("this interpreter has TensorFlow and Magenta")
    assert status == 2
    assert "lacks" in err and "tensorflow" in err and "scripts/train_venv.sh" in err
    assert not (tmp_path / "m.mag").exists()


def test_interpreter_candidates_order(tmp_path: Path) -> None:
    assert [c.source for c in candidate_interpreters("/x/python", {PYTHON_ENV: "/y"})] == ["--python"]
    assert candidate_interpreters(None, {PYTHON_ENV: "/y/python"})[0].path == "/y/python"
    assert candidate_interpreters(None, {})[-1].path == sys.executable
    with pytest.raises(TrainingError, match="does not exist"):
        find_interpreter(str(tmp_path / "no-python"))


def fake_python(tmp_path: Path, events: list[dict], status: int = 0) -> str:
    """An executable standing in for the TF interpreter: prints trainer events, logs noise on stderr."""
    script = tmp_path / "fake-python"
    lines = "\n".join(f"print({json.dumps(json.dumps(e))}, flush=True)" for e in events)
    script.write_text(f"#!{sys.executable}\nimport sys\nprint('TF noise', file=sys.stderr)\n"
                      f"print('not json')\n{lines}\nsys.exit({status})\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_run_trainer_relays_events_and_returns_done(tmp_path: Path) -> None:
    done = {"event": "done", "out": "m.mag", "best_val": 1.5, "best_step": 200, "steps": 400, "elapsed": 61.0}
    events = [{"event": "eval", "step": 0, "val_loss": 6.2, "best_val": None},
              {"event": "progress", "step": 1, "steps": 400, "loss": 6.0, "val_loss": None, "eta": 30.0}, done]
    seen: list[dict] = []
    result = run_trainer(fake_python(tmp_path, events), [], seen.append, tmp_path / "log" / "train.log")
    assert result == done and [e["event"] for e in seen] == ["eval", "progress", "done"]
    log = (tmp_path / "log" / "train.log").read_text()
    assert "TF noise" in log and "not json" in log


def test_run_trainer_failure_names_the_error_and_the_log(tmp_path: Path) -> None:
    python = fake_python(tmp_path, [{"event": "error", "message": "no usable drum tracks"}], status=2)
    with pytest.raises(TrainingError, match="no usable drum tracks.*train.log"):
        run_trainer(python, [], lambda e: None, tmp_path / "train.log")


def test_progress_line_and_printer() -> None:
    assert format_seconds(3725) == "1:02:05" and format_seconds(65) == "1:05" and format_seconds(None) == "?"
    line = render({"step": 50, "steps": 100, "loss": 2.5, "val_loss": 2.25, "eta": 90})
    assert "step 50/100" in line and "loss 2.500" in line and "val 2.250" in line and "1:30 left" in line
    assert "#" * 12 + "." * 12 in line
    stream = io.StringIO()
    printer = ProgressPrinter(stream, live=False)
    printer.handle({"event": "progress", "step": 100, "steps": 200, "loss": 2.0, "val_loss": None, "eta": 10})
    printer.handle({"event": "eval", "step": 100, "val_loss": 1.9, "best_val": 1.9, "best_step": 100})
    printer.handle({"event": "stopped", "step": 100, "reason": "early stop"})
    text = stream.getvalue()
    assert "step 100/200" in text and "validation loss 1.9000" in text and "stopped: early stop" in text
    assert "\r" not in text
