"""What the submission printed, made safe to show: control characters escaped, grader frames and
lines of the grader's hidden source removed, long output cut."""
from __future__ import annotations

import functools
import re

from ..escaping import inert
from ..hidden import hidden_files


# -- what the submission printed, made safe to show ----------------------------

SHOWN_OUTPUT_CHARS = 1500
SHORTEST_HIDDEN = 12
HIDDEN_MARKER = "[grader source removed]"
HIDDEN_PASSES = 4
_HIDDEN_LINES: list[str] | None = None
GRADER_FRAME = re.compile(r'^\s*File "[^"\n]*(/grader/|/solutions/|/tests/)[^"\n]*"', re.M)


def hidden_lines() -> list[str]:
    """Lines (``SHORTEST_HIDDEN`` characters or more) of the grader's hidden source, longest first."""
    global _HIDDEN_LINES
    if _HIDDEN_LINES is None:
        lines = set()
        for path in hidden_files():
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            lines.update(line.strip() for line in text.splitlines() if len(line.strip()) >= SHORTEST_HIDDEN)
        _HIDDEN_LINES = sorted(lines, key=len, reverse=True)
    return _HIDDEN_LINES


@functools.lru_cache(maxsize=1)
def hidden_lines_by_start() -> dict[str, list[int]]:
    """The positions in ``hidden_lines()`` of the lines that start with each ``SHORTEST_HIDDEN`` characters."""
    starts: dict[str, list[int]] = {}
    for index, line in enumerate(hidden_lines()):
        starts.setdefault(line[:SHORTEST_HIDDEN], []).append(index)
    return starts


def hidden_lines_in(text: str) -> list[int]:
    """The positions, longest first, of the hidden lines whose start occurs in ``text``: the only ones it can hold."""
    starts = hidden_lines_by_start()
    found = set()
    for i in range(len(text) - SHORTEST_HIDDEN + 1):
        found.update(starts.get(text[i:i + SHORTEST_HIDDEN], ()))
    return sorted(found)


def clean_text(text: str) -> str:
    """Escape control characters, drop grader stack frames and any line of the grader's hidden source.

    Hidden lines are removed longest first. Only the lines whose first characters occur in the text are
    looked for: there are 4,000, and looking for each took 1 ms a call. The text around a marker may
    form a line that was not there before, so the text is looked at again until nothing is replaced
    (at most ``HIDDEN_PASSES`` times: markers cannot make the text grow for ever)."""
    text = inert(text, lines=True)
    text = GRADER_FRAME.sub("  [grader stack frame removed]", text)
    lines = hidden_lines()
    for _ in range(HIDDEN_PASSES):
        replaced = False
        for index in hidden_lines_in(text):
            if lines[index] in text:
                text, replaced = text.replace(lines[index], HIDDEN_MARKER), True
        if not replaced:
            break
    return text


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit:,} characters cut] ...\n{text[-half:]}"
