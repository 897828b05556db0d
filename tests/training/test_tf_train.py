"""End to end `drumbridge train` on tiny synthetic MIDI (needs a TF + Magenta interpreter; skipped otherwise)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bridge.cli.main import main
from bridge.training.runner import TrainingError, find_interpreter
from tests.training.synth import rock_bar, write_drums

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tf_python() -> str:
    try:
        return find_interpreter().path
    except TrainingError as error:
        pytest.skip(f"no TensorFlow + Magenta interpreter ({str(error)[:120]}...)")


def rock_folder(root: Path) -> Path:
    for i in range(16):
        bars = sum((rock_bar(16 * b) for b in range(4 + i % 3)), [])
        write_drums(root / f"take{i:02d}.mid", bars + [(16 * (4 + i % 3), 49)], bpm=100 + i)
    return root


def test_train_writes_a_bundle_the_numpy_engine_runs_and_resumes(tmp_path: Path, tf_python: str,
                                                                  capsys: pytest.CaptureFixture) -> None:
    from bridge.models import Model

    folder = rock_folder(tmp_path / "midi")
    out = tmp_path / "out" / "tiny.mag"
    common = ["train", "--midi-dir", str(folder), "--out", str(out), "--layers", "16", "--attn-length", "4",
              "--batch-size", "8", "--crop-steps", "32", "--eval-every", "2", "--validation-percent", "25",
              "--python", tf_python, "--nice", "0"]
    assert main([*common, "--steps", "2"]) == 0
    err = capsys.readouterr().err
    assert "eval at step 2" in err and "wrote" in err
    record = json.loads((tmp_path / "out" / "tiny.training.json").read_text())
    assert record["steps_trained"] == 2 and record["hyper_parameters"]["layers"] == [16]
    assert record["data"]["split"]["files"]["train"] > 0

    model = Model.load(out)
    assert list(model.info.layer_sizes) == [16] and model.info.attn_length == 4
    events = [frozenset({36, 42}), frozenset(), frozenset({42}), frozenset(), frozenset({38, 42})]
    score = model.score(events)
    assert score.steps == 4 and np.isfinite(score.log_likelihood)

    # Same command with more steps resumes from step 2 instead of starting over.
    assert main([*common, "--steps", "4"]) == 0
    err = capsys.readouterr().err
    assert "resuming from step 2" in err and "eval at step 4" in err
    assert json.loads((tmp_path / "out" / "tiny.training.json").read_text())["steps_trained"] == 4
