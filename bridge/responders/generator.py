"""What a responder needs from a model, and where models come from (`.mag` paths, `builtin:` names).

The responder only asks one thing: "answer this call with N steps at this temperature, drawing
every random choice from this generator". A model may also offer `stream()`: the call is then fed
step by step while it is played, and only the answer's sampling is left when the call ends.
The model engine (`bridge.models`) is adapted to that in
`bridge.responders.magenta`; tests plug in their own generators (for example deliberately slow ones).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from bridge.responders.phrase import Phrase

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "models" / "builtin"
BUILTIN_MODELS = {"builtin:drums": BUILTIN_DIR / "drums.mag"}
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


class GeneratorError(Exception):
    """A model that cannot be used (missing file, unknown builtin, unreadable bundle)."""


class Generator(Protocol):
    """A model that answers calls on the 16th-note grid."""

    name: str
    drums: bool  # drum answers are one-step hits; melodic answers carry note lengths

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """An answer `steps` long that continues `call`; every random choice comes from `rng`."""
        ...


class CallStream(Protocol):
    """A call fed into a model while it is being played, so only the answer is left at the deadline."""

    def feed(self, call_so_far: Phrase, upto: int) -> None:
        """Feed the call's steps up to (not including) `upto`; `call_so_far` holds every step heard so far."""
        ...

    def finish(self, call: Phrase) -> None:
        """Feed whatever of the complete `call` is not fed yet."""
        ...

    def sample(self, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """The next `steps` of the answer (steps counted from 0), continuing from what was sampled before."""
        ...

    def answer(self, call: Phrase, steps: int, temperature: float, rng: np.random.Generator) -> Phrase:
        """finish(call) then sample(steps): the same answer `Generator.answer` gives."""
        ...


def open_stream(generator: Generator) -> CallStream | None:
    """A call stream when the model offers one (`stream()`), else None (the answer is made in one go)."""
    stream = getattr(generator, "stream", None)
    return stream() if callable(stream) else None


GeneratorFactory = Callable[[], Generator]
_registry: dict[str, GeneratorFactory] = {}


def register_generator(spec: str, factory: GeneratorFactory) -> None:
    """Make `model = spec` in a set file use `factory` (tests, plug-ins)."""
    _registry[spec] = factory


def unregister_generator(spec: str) -> None:
    _registry.pop(spec, None)


def resolve_model_path(spec: str, base_dirs: tuple[Path, ...] = ()) -> Path:
    """A bundle path from a set file: absolute, or relative to the set file's folder, the cwd or the repo."""
    path = Path(spec).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        candidates = [base / path for base in (*base_dirs, Path.cwd(), REPO_ROOT / "live_sets", REPO_ROOT)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise GeneratorError(f"model {spec!r}: no such bundle file (tried {tried})")


def load_generator(spec: str, base_dirs: tuple[Path, ...] = ()) -> Generator:
    """The generator a set file names: a registered name, `builtin:drums`, or a `.mag` bundle path."""
    if spec in _registry:
        return _registry[spec]()
    if spec.startswith("builtin:"):
        path = BUILTIN_MODELS.get(spec)
        if path is None:
            raise GeneratorError(f"model {spec!r}: unknown built-in model; known: {', '.join(BUILTIN_MODELS)}")
        if not path.is_file():
            raise GeneratorError(f"model {spec!r}: the built-in drum model is not installed in this build "
                                 f"(expected {path}); name a .mag bundle file instead")
        return _load_bundle(path, spec)
    return _load_bundle(resolve_model_path(spec, base_dirs), spec)


def _load_bundle(path: Path, spec: str) -> Generator:
    try:
        from bridge.responders.magenta import BundleGenerator
    except ImportError as error:
        raise GeneratorError(f"model {spec!r}: the numpy model engine is not available ({error})") from None
    return BundleGenerator.load(path, spec)
