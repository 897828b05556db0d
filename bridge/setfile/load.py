"""Read a set file: TOML syntax, then the schema; every mistake named with file, key and what was expected."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bridge.setfile.models import ShowConfig


class SetFileError(Exception):
    """A set file that cannot be used; `str()` is the full, human-readable report."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


def _key(loc: tuple[Any, ...]) -> str:
    """`('osc', 'targets', 0, 'port')` → `osc.targets[0].port`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _describe(error: ErrorDetails) -> str:
    key = _key(tuple(p for p in error["loc"] if p not in ("function-after",)))
    kind = error["type"]
    message = error["msg"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check the spelling; see docs/setfile.md for the keys this table takes)"
    if kind == "missing":
        return f"{key}: required key is missing"
    given = error.get("input")
    shown = f" (got {given!r})" if not isinstance(given, dict | list) else ""
    return f"{key}: {message[0].lower() + message[1:]}{shown}"


def parse_set(text: str, path: str | Path = "<set>") -> ShowConfig:
    """Validate set-file text; raise SetFileError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SetFileError(path, [f"not valid TOML: {error}"]) from None
    try:
        return ShowConfig.model_validate(data)
    except ValidationError as error:
        raise SetFileError(path, [_describe(e) for e in error.errors()]) from None


def load_set(path: str | Path) -> ShowConfig:
    """Load and validate the set file at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetFileError(path, ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SetFileError(path, [f"cannot read: {error}"]) from None
    return parse_set(text, path)
