"""Counts a show can carry, checked on the raw TOML before the schema: 10,000 responders is a mistake, not a show."""

from __future__ import annotations

from typing import Any

MAX_SET_BYTES = 1_000_000  # a big show is ~10 KB
MAX_DEPTH = 32  # tables and arrays inside each other; a set file needs 5
# (path, most tables/items): responders each open two ports and load models.
MAX_COUNTS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("responders",), 32),
    (("responders", "*", "models"), 16),
    (("osc", "targets"), 16),
    (("osc", "sections"), 256),
    (("osc", "cues"), 512),
    (("drum", "motors"), 16),
)


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of tables and arrays (stops counting past `limit`), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > limit:
                return deepest
            stack.extend((child, level) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _items(data: Any, path: tuple[str, ...]) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every value at `path` ("*" = each item of a list), with its concrete location."""
    found: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    for part in path:
        nxt: list[tuple[tuple[str | int, ...], Any]] = []
        for loc, node in found:
            if part == "*" and isinstance(node, list):
                nxt.extend(((*loc, i), item) for i, item in enumerate(node))
            elif isinstance(node, dict) and part in node:
                nxt.append(((*loc, part), node[part]))
        found = nxt
    return found


def count_problems(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, problem) for every list longer than a show can carry."""
    problems = []
    for path, most in MAX_COUNTS:
        for loc, value in _items(data, path):
            if isinstance(value, list | tuple) and len(value) > most:
                problems.append((loc, f"{len(value)} given; a show takes at most {most}"))
    return problems
