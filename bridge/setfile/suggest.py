"""Near-miss names ("did you mean 'drums'?"): a typo in a port or responder name must not pass silently."""

from __future__ import annotations

from collections.abc import Iterable


def one_edit_apart(a: str, b: str) -> bool:
    """True when `a` and `b` differ (ignoring case) by one insertion, deletion, substitution or swap."""
    a, b = a.lower(), b.lower()
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] \
            and a[diffs[1]] == b[diffs[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def near_misses(word: str, names: Iterable[str]) -> list[str]:
    """The names one edit away from `word` (case-insensitive), in the order given, without repeats."""
    return list(dict.fromkeys(n for n in names if one_edit_apart(word, n)))


def did_you_mean(word: str, names: Iterable[str]) -> str:
    """`" (did you mean 'drums'?)"` when a name is one edit away, else ""."""
    close = near_misses(word, names)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(n) for n in close) + "?)"
