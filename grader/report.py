"""Messages for students: what is wrong, where, expected vs. found, in English and Chinese."""
from __future__ import annotations

import re
import traceback
import unicodedata
from pathlib import Path

from .spec import LayerRow, NetworkSpec


class CheckFailure(AssertionError):
    """A check found a mistake; its message is meant for the student as it is.

    ``cause``: ``(Cause, local)`` when the grader diagnosed which mistake it is
    (see ``computation.diagnose``), so that one mistake is charged once.
    ``difference``: for a structure check, the first difference from the book's
    network in one line (named again where points need the book's network).
    ``also``: the other mistakes of the same diagnosis (each charged once too)."""

    def __init__(self, message: str = "", cause=None, difference: str = "", also=()):
        super().__init__(message)
        self.cause = cause
        self.difference = difference
        self.also = tuple(also)


def bilingual(english: str, chinese: str) -> str:
    return f"{english}\n{chinese}"


# -- one language of a bilingual message ---------------------------------------------------------
#
# Messages hold English lines and Chinese lines; details (where, tables, found vs. expected) are indented.
# A report in one language keeps that language's lines and the details both need, and nothing of the
# other: no Chinese in an English line, no English sentence in a Chinese report.

CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
LABEL = re.compile(r"\([^()]*\)|\s/\s*\S*")         # "(书中)", "(error / 出错)", "the mistake / 错误所在："
PROSE = re.compile(r"\b[a-z]{2,}\b[ ,;']+\b[a-z]{2,}\b[ ,;']+\b[a-z]{2,}\b")      # three English words
ERROR = re.compile(r"\b[A-Z]\w*(Error|Exception)\b")
LABELS_ZH = {"where:": "位置：", "expected:": "书中：", "found:": "你的：", "found (yours):": "你的：",
             "also:": "此外："}


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def chinese_outside_labels(line: str) -> bool:
    return has_chinese(LABEL.sub("", line))


def chinese_line(line: str) -> str | None:
    """A line as a Chinese report shows it, or None when it is English only (its Chinese is elsewhere)."""
    body = line.lstrip()
    indent = line[:len(line) - len(body)]
    if has_chinese(body):
        return line
    for label, chinese in LABELS_ZH.items():
        if body.startswith(label):
            rest = body[len(label):]
            return None if PROSE.search(rest) and label != "where:" else indent + chinese + rest
    if body.startswith("hint:") or (PROSE.search(body) and not ERROR.search(body)):
        return None
    return line


def english_label(match: re.Match) -> str:
    """A bilingual label as an English report shows it."""
    text = match.group(0)
    if not has_chinese(text):
        return text
    if text.startswith("("):           # a cell of a table, "(书中)", "(error / 出错)": as wide as it was
        english = text[1:-1].split(" / ")[0].strip()
        shown = f"({english})" if english and not has_chinese(english) else ""
        return shown + " " * (display_width(text) - display_width(shown))
    return ":" if text.rstrip().endswith(("：", ":")) else ""       # a line's label, "the mistake / 错误所在："


def english_line(line: str) -> str | None:
    """A line as an English report shows it (its bilingual labels in English), or None when it is Chinese."""
    if not has_chinese(line):
        return line
    if chinese_outside_labels(line):
        return None
    return LABEL.sub(english_label, line).rstrip()


def localise(message: str, lang: str) -> str:
    """``message`` in ``lang`` (``en``, ``zh`` or ``both``). A message with no line of the other language is
    kept whole (a PyTorch error, a table)."""
    lines = message.splitlines()
    if lang == "en":
        return "\n".join(e for e in (english_line(l) for l in lines) if e is not None)
    if lang == "zh" and any(chinese_outside_labels(l) for l in lines):
        return "\n".join(c for c in (chinese_line(l) for l in lines) if c is not None)
    return message


def shape_text(shape) -> str:
    return "x".join(str(d) for d in shape)


def wrong_output_shape(call: str, input_shape, found, expected) -> CheckFailure:
    return CheckFailure(bilingual(
        f"{call} maps an input of shape {shape_text(input_shape)} to {shape_text(found)}; "
        f"expected {shape_text(expected)}.",
        f"{call} 对形状为 {shape_text(input_shape)} 的输入应输出 {shape_text(expected)}，"
        f"实际为 {shape_text(found)}。"))


def wrong_parameter_count(call: str, found: int, expected: int, title: str = "") -> CheckFailure:
    whose = f"the book's {title} has" if title else "expected"
    return CheckFailure(bilingual(
        f"{call} has {found:,} parameters; {whose} {expected:,} ({found - expected:+,}).",
        f"{call} 共有 {found:,} 个参数，应为 {expected:,} 个。"))


def display_width(text: str) -> int:
    """Columns a terminal uses: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def side_by_side(expected: list[LayerRow], found: list[LayerRow], note: str = "", marked: int | None = None) -> str:
    """Two columns, expected and found, with ``marked`` (by default the first differing row) marked ``>>``."""
    first_diff = marked if marked is not None else first_difference(expected, found)
    if first_diff is None:
        first_diff = len(found)
    width = max(display_width("expected (书中)"), *(len(str(r)) for r in expected)) + 2
    lines = [f"      #  {pad('expected (书中)', width)}found (你的实现)"]
    for i in range(max(len(expected), len(found))):
        e = str(expected[i]) if i < len(expected) else "-"
        f = str(found[i]) if i < len(found) else ("-" if not note or i > len(found) else note)
        mark = ">>" if i == first_diff else "  "
        lines.append(f"  {mark} {i + 1:>2}  {pad(e, width)}{f}")
    return "\n".join(lines)


def table_failure(spec: NetworkSpec, found, row: int, error: str = "", raised_in: str | None = None) -> str:
    """The book's table beside the student's, ``>>`` on ``row``: the first book row their network never computes.

    ``found`` is the student's top-level table (``None`` when the network is not
    a ``Sequential`` the table can be read from); ``error`` what their forward pass raised,
    ``raised_in`` which of their operations raised and what it was given.
    """
    head = bilingual(
        f"{spec.call}: the per-layer output table for input {shape_text(spec.input_shape)} "
        f"differs from the book at row {row + 1}.",
        f"{spec.call}：输入 {shape_text(spec.input_shape)} 时的逐层输出形状与书中第 {row + 1} 行不一致。")
    if found is None:
        table = side_by_side(list(spec.table), [], marked=row,
                             note="(your network is not one nn.Sequential: no per-layer table / 不是 nn.Sequential)")
    else:
        table = side_by_side(list(spec.table), found, marked=row, note="(error / 出错)" if error else "")
    place = f" in {raised_in}" if raised_in else ""
    tail = "\n" + bilingual(f"Your forward pass raised{place}: {error}", "你的前向计算出错（见上方）。") if error else ""
    return f"{head}\n{table}{tail}"


def first_difference(expected: list[LayerRow], found: list[LayerRow]) -> int | None:
    """Index of the first row that differs, or ``None`` when the tables are equal."""
    for i, (e, f) in enumerate(zip(expected, found)):
        if e != f:
            return i
    return None if len(expected) == len(found) else min(len(expected), len(found))


def describe_exception(error: BaseException, source: Path | None = None) -> str:
    """``TypeError: ...`` plus the line of the student's file where it happened, without a traceback."""
    text = f"{type(error).__name__}: {error}"
    if source is not None:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if Path(f.filename).resolve() == Path(source).resolve()]
        if frames:
            frame = frames[-1]
            text += f"\n    at {Path(source).name} line {frame.lineno}: {(frame.line or '').strip()}"
    return text
