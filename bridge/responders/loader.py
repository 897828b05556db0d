"""Where a responder's models come from: `.mag` bundle paths and `builtin:` names, as set files name them.

A show takes a `ModelLoader` (spec → Generator); `load_generator` is the one a real show uses, tests
hand the show their own (for example one that knows a few toy models and falls back to this one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bridge.responders.generator import Generator, GeneratorError

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "models" / "builtin"
BUILTIN_MODELS = {"builtin:drums": BUILTIN_DIR / "drums.mag"}
REPO_ROOT = Path(__file__).resolve().parent.parent.parent

ModelLoader = Callable[[str], Generator]


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
    """The generator a set file names: `builtin:drums` or a `.mag` bundle path."""
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
    from bridge.responders.magenta import BundleGenerator  # the model engine loads with the first bundle

    return BundleGenerator.load(path, spec)


def with_models(models: dict[str, Callable[[], Generator]], fallback: ModelLoader = load_generator) -> ModelLoader:
    """A loader that makes the specs in `models` (tests, plug-ins) and hands every other spec to `fallback`."""
    def load(spec: str) -> Generator:
        factory = models.get(spec)
        return factory() if factory is not None else fallback(spec)
    return load
