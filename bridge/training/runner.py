"""Finds a TensorFlow + Magenta interpreter and runs the trainer (`tf_train`) under it, relaying its events."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bridge

PYTHON_ENV = "DRUMBRIDGE_TRAIN_PYTHON"
PROJECT_ROOT = Path(bridge.__file__).resolve().parents[1]
# Where scripts/train_venv.sh puts its virtualenv by default, then the reference venv of DESIGN.md.
DEFAULT_VENVS: tuple[Path, ...] = (PROJECT_ROOT / ".venv-train", Path("/work/magenta-venv"))
REQUIRED_MODULES = ("tensorflow", "tf_slim", "magenta", "note_seq")
INSTALL_HINT = (
    "training needs TensorFlow and Magenta in a separate Python 3.11 interpreter: run "
    "`scripts/train_venv.sh` (creates .venv-train with tensorflow-cpu 2.21, tf-keras, tf-slim, "
    "tensorflow-probability, note-seq 0.0.5 and magenta 2.1.4 --no-deps), then pass "
    f"--python .venv-train/bin/python or set {PYTHON_ENV}"
)


class TrainingError(RuntimeError):
    """Training could not start or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Interpreter:
    """A Python executable and where it was found (option, environment, default venv or this process)."""

    path: str
    source: str


def candidate_interpreters(explicit: str | None, environ: Mapping[str, str] | None = None) -> list[Interpreter]:
    """Interpreters to try, most specific first: --python, $DRUMBRIDGE_TRAIN_PYTHON, default venvs, this one."""
    environ = os.environ if environ is None else environ
    if explicit:
        return [Interpreter(explicit, "--python")]
    if environ.get(PYTHON_ENV):
        return [Interpreter(environ[PYTHON_ENV], PYTHON_ENV)]
    found = [Interpreter(str(venv / "bin" / "python"), f"default venv {venv}") for venv in DEFAULT_VENVS
             if (venv / "bin" / "python").exists()]
    return found + [Interpreter(sys.executable, "this interpreter")]


def missing_modules(python: str, timeout: float = 120.0) -> list[str]:
    """Which of the trainer's modules `python` cannot find (checked with importlib, without importing TF)."""
    probe = ("import importlib.util, json; "
             f"print(json.dumps([m for m in {list(REQUIRED_MODULES)!r} if importlib.util.find_spec(m) is None]))")
    try:
        result = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return [f"(cannot run {python}: {error})"]
    if result.returncode != 0:
        return [f"(cannot run {python}: {result.stderr.strip().splitlines()[-1:]})"]
    return json.loads(result.stdout.strip().splitlines()[-1])


def find_interpreter(explicit: str | None = None, environ: dict[str, str] | None = None) -> Interpreter:
    """The first candidate interpreter with TensorFlow and Magenta, or a TrainingError saying how to get one."""
    problems = []
    for candidate in candidate_interpreters(explicit, environ):
        if not (Path(candidate.path).exists() or shutil.which(candidate.path)):
            problems.append(f"{candidate.path} ({candidate.source}) does not exist")
            continue
        missing = missing_modules(candidate.path)
        if not missing:
            return candidate
        problems.append(f"{candidate.path} ({candidate.source}) lacks {', '.join(missing)}")
    raise TrainingError("no TensorFlow/Magenta interpreter found: " + "; ".join(problems) + ". " + INSTALL_HINT)


def trainer_command(python: str, options: Sequence[str]) -> list[str]:
    """The command line that runs the trainer module under `python`."""
    return [python, "-m", "bridge.training.tf_train", *options]


def run_trainer(python: str, options: Sequence[str], on_event: Callable[[dict], None], log_path: Path,
                threads: int = 1, nice: int = 0) -> dict:
    """Run the trainer, pass each JSON event to `on_event`, return the final 'done' event."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("TF_USE_LEGACY_KERAS", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env.setdefault(name, str(threads))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    done: dict | None = None
    errors: list[str] = []
    with log_path.open("a") as log:
        process = subprocess.Popen(trainer_command(python, options), stdout=subprocess.PIPE, stderr=log,
                                   text=True, env=env, preexec_fn=(lambda: os.nice(nice)) if nice else None)
        assert process.stdout is not None
        try:
            for line in process.stdout:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    log.write(line)
                    continue
                if event.get("event") == "done":
                    done = event
                if event.get("event") == "error":
                    errors.append(event.get("message", "unknown error"))
                on_event(event)
            status = process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            raise
    if status != 0 or done is None:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        reason = "; ".join(errors) or " | ".join(tail) or f"exit status {status}"
        raise TrainingError(f"training failed ({reason}); full log: {log_path}")
    return done
