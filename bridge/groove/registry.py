"""Where groove models come from: `builtin:groove` (shipped in the package), `none`, or a .npz path."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bridge.groove.model import GrooveModel, GrooveModelError

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_GROOVES = {"builtin:groove": BUILTIN_DIR / "groove.npz"}
NO_GROOVE = "none"


def load_groove(spec: str, base_dirs: tuple[Path, ...] = ()) -> GrooveModel | None:
    """The groove model a set file or the CLI names; None for "none" (answers stay on the grid)."""
    if spec == NO_GROOVE:
        return None
    if spec.startswith("builtin:"):
        path = BUILTIN_GROOVES.get(spec)
        if path is None:
            raise GrooveModelError(f"groove {spec!r}: unknown built-in groove; known: "
                                   f"{', '.join(BUILTIN_GROOVES)} or {NO_GROOVE!r}")
        if not path.is_file():
            raise GrooveModelError(f"groove {spec!r}: not installed in this build (expected {path})")
        return _load_cached(str(path))
    path = Path(spec).expanduser()
    candidates = [path] if path.is_absolute() else [base / path for base in (*base_dirs, Path.cwd())]
    for candidate in candidates:
        if candidate.is_file():
            return _load_cached(str(candidate.resolve()))
    raise GrooveModelError(f"groove {spec!r}: no such file (tried {', '.join(str(c) for c in candidates)})")


@lru_cache(maxsize=8)
def _load_cached(path: str) -> GrooveModel:
    """One loaded copy per file (models are read-only once loaded); BLAS on one thread, as for the drum model
    (a small product split over threads waits for the other core: 5-19 ms instead of 0.2 on a busy machine)."""
    from bridge.models.model import limit_blas_threads

    limit_blas_threads()
    return GrooveModel.load(path)
