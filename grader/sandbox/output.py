"""What the submission printed, made safe to show: control characters escaped, grader frames and
lines of the grader's hidden source removed, long output cut."""
from __future__ import annotations

import re

from ..hidden import hidden_files


# -- what the submission printed, made safe to show ----------------------------

SHOWN_OUTPUT_CHARS = 1500
_HIDDEN_LINES: list[str] | None = None
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
GRADER_FRAME = re.compile(r'^\s*File "[^"\n]*(/grader/|/solutions/|/tests/)[^"\n]*"', re.M)


def hidden_lines() -> list[str]:
    """Lines (12 characters or more) of the grader's hidden source, longest first."""
    global _HIDDEN_LINES
    if _HIDDEN_LINES is None:
        lines = set()
        for path in hidden_files():
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            lines.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 12)
        _HIDDEN_LINES = sorted(lines, key=len, reverse=True)
    return _HIDDEN_LINES


def clean_text(text: str) -> str:
    """Escape control characters, drop grader stack frames and any line of the grader's hidden source."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                       else f"\\u{ord(m.group()):04x}", text)
    text = GRADER_FRAME.sub("  [grader stack frame removed]", text)
    for line in hidden_lines():
        if line in text:
            text = text.replace(line, "[grader source removed]")
    return text


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit:,} characters cut] ...\n{text[-half:]}"
