"""Where a key sits in a set file's text (its line number), and how to name it (`responders.drums.temperature`).

tomllib gives values, not positions; this scanner follows table headers and `key =` lines, which is
all a set file needs to point a musician at the right line.
"""

from __future__ import annotations

import re
from typing import Any

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted))


def key_lines(text: str) -> dict[Path, int]:
    """Every table header and `key =` line of a TOML text: path → 1-based line number."""
    lines: dict[Path, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: Path = ()
    in_string = ""
    for number, line in enumerate(text.splitlines(), 1):
        if in_string:
            if in_string in line:
                in_string = ""
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(names, 0)
                counts[names] = index + 1
                table = (*_resolve(names, counts), index)
                lines.setdefault(table[:-1], number)  # the array itself: its first table
            else:
                table = _resolve(names, counts)
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return lines


def _resolve(names: tuple[str, ...], counts: dict[tuple[str, ...], int]) -> Path:
    """`drum.motors` inside the 2nd `[[responders]]`-style arrays: put the current index after each array prefix."""
    path: list[str | int] = []
    for i, name in enumerate(names):
        path.append(name)
        prefix = names[: i + 1]
        if i < len(names) - 1 and prefix in counts:
            path.append(counts[prefix] - 1)
    return tuple(path)


def line_of(lines: dict[Path, int], loc: Path) -> int | None:
    """The line of the longest prefix of `loc` that the text shows (a key inside an inline table: its parent)."""
    for end in range(len(loc), 0, -1):
        found = lines.get(tuple(loc[:end]))
        if found is not None:
            return found
        inside = [n for key, n in lines.items() if key[:end] == tuple(loc[:end])]
        if inside:  # a table only seen through its sub-tables (`osc` of `[[osc.cues]]`)
            return min(inside)
    return None


def readable_key(data: Any, loc: Path) -> str:
    """`('responders', 0, 'temperature')` → `responders.drums.temperature` (a table's `name` when it has one)."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                out += f".{name}"
            else:
                out += f"[{part}]"
            node = item
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"
