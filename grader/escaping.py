"""Text a submission controls, made inert wherever the grader shows it.

A student chooses many strings the grader prints: folder and zip names, file
names inside them, class and attribute names of their network, exception
names and messages, what their code prints. Shown as they are, a newline in
a name forges a report line ("Total: 82 / 82"), a terminal escape repaints
the screen, a name that is not valid UTF-8 stops a JSON or CSV writer, and a
cell that starts with ``=`` is a live formula in a spreadsheet. Every writer
of the grader (the console report, results.json, ``batch``'s grades.csv,
report.txt and class summary) passes such text through this one module:

- ``inert(text)``: one line; control and format characters (newlines, tabs,
  escapes, bidirectional overrides, line separators) written as ``\\n``,
  ``\\x..`` or ``\\u....``, bytes that were not UTF-8 (Python's surrogate escapes) as
  ``\\x..``. ``inert(text, lines=True)`` keeps newlines and tabs, for
  messages that have lines of their own (tracebacks, printed output): each
  line is inert, and every report indents such lines under its own.
- ``name(value)``: a file or folder name, ``str`` or ``bytes``, as one inert line.
- ``cell(text)``: a spreadsheet cell (OWASP's CSV injection rule): inert, and a
  single quote before a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return.

It imports nothing of the grader: the sandbox, the checks and ``batch`` all use it.
"""
from __future__ import annotations

import os
import unicodedata

# Categories shown escaped: controls, format characters (zero-width, bidirectional overrides), surrogates
# (undecodable bytes), line and paragraph separators, and unassigned code points.
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escaped(ch: str) -> str:
    if ch in NAMED:
        return NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:        # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(ch: str) -> bool:
    return unicodedata.category(ch) not in UNSAFE_CATEGORIES


def inert_line(line: str) -> str:
    if line.isprintable():              # the usual case, at C speed
        return line
    return "".join(ch if ch == " " or safe(ch) else escaped(ch) for ch in line)


def inert(text, lines: bool = False) -> str:
    """``text`` (any object: ``str()`` of it) with nothing a terminal, a report or a file format acts on.

    With ``lines``, newlines and tabs stay; every other line break (``\\r``, ``\\u2028``...) is escaped."""
    text = str(text)
    if not lines:
        return inert_line(text)
    return "\n".join("\t".join(inert_line(part) for part in line.split("\t"))
                     for line in text.split("\n"))


def name(value) -> str:
    """A file or folder name (``str``, possibly with surrogate escapes, or ``bytes``) as one inert line."""
    if isinstance(value, (bytes, bytearray)):
        value = os.fsdecode(bytes(value))
    return inert(value)


def cell(text) -> str:
    """One spreadsheet cell: inert, and never read as a formula (a quote before ``=``, ``+``, ``-``, ``@``)."""
    raw = str(text)
    shown = inert(raw)
    return "'" + shown if raw.startswith(FORMULA_STARTS) else shown
