"""Read a set file: TOML syntax, limits, then the schema; every mistake named with file, line, key and fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bridge.setfile.limits import MAX_DEPTH, MAX_SET_BYTES, count_problems, depth
from bridge.setfile.locate import key_lines, line_of, readable_key
from bridge.setfile.models import ShowConfig

SHOWN_INPUT = 60  # characters of a wrong value quoted back


class SetFileError(Exception):
    """A set file that cannot be used; `str()` is the full, human-readable report."""

    def __init__(self, path: str | Path, problems: list[str], lines: list[int | None] | None = None) -> None:
        self.path = str(path)
        self.problems = problems
        self.lines = list(lines or [None] * len(problems))
        super().__init__("\n".join(f"{self.path}:{line}: {p}" if line else f"{self.path}: {p}"
                                   for p, line in zip(problems, self.lines, strict=True)))


def _shown(given: Any) -> str:
    text = repr(given)
    return text if len(text) <= SHOWN_INPUT else text[:SHOWN_INPUT - 3] + "..."


def _describe(error: ErrorDetails, data: Any) -> tuple[tuple[Any, ...], str]:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p in ("mapped", "literal"))))
    key = readable_key(data, loc)
    kind = error["type"]
    message = error["msg"]
    if kind == "extra_forbidden":
        return loc, f"{key}: unknown key (check the spelling; see docs/setfile.md for the keys this table takes)"
    if kind == "missing":
        return loc, f"{key}: required key is missing"
    given = error.get("input")
    shown = f" (got {_shown(given)})" if not isinstance(given, dict | list) else ""
    return loc, f"{key}: {message[0].lower() + message[1:]}{shown}"


def parse_set(text: str, path: str | Path = "<set>") -> ShowConfig:
    """Validate set-file text; raise SetFileError listing every problem."""
    if len(text) > MAX_SET_BYTES:
        raise SetFileError(path, [f"{len(text):,} characters; a set file is at most {MAX_SET_BYTES:,}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"at line (\d+)", str(error))
        raise SetFileError(path, [f"not valid TOML: {error}"], [int(at.group(1)) if at else None]) from None
    except RecursionError:
        raise SetFileError(path, [f"tables or arrays nested too deeply (a set file nests at most {MAX_DEPTH} "
                                  "levels)"]) from None
    if depth(data) > MAX_DEPTH:
        raise SetFileError(path, [f"tables or arrays nested more than {MAX_DEPTH} levels deep"])
    lines = key_lines(text)
    too_many = count_problems(data)
    if too_many:
        raise SetFileError(path, [f"{readable_key(data, loc)}: {problem}" for loc, problem in too_many],
                           [line_of(lines, loc) for loc, _ in too_many])
    try:
        return ShowConfig.model_validate(data)
    except ValidationError as error:
        described = [_describe(e, data) for e in error.errors()]
        raise SetFileError(path, [text for _loc, text in described],
                           [line_of(lines, loc) for loc, _text in described]) from None


def load_set(path: str | Path) -> ShowConfig:
    """Load and validate the set file at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetFileError(path, ["no such file"]) from None
    except IsADirectoryError:
        raise SetFileError(path, ["is a folder, not a set file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SetFileError(path, [f"cannot read: {error}"]) from None
    return parse_set(text, path)
