"""Messages for students: what is wrong, where, expected vs. found, in English and Chinese."""
from __future__ import annotations

import re
import traceback
import unicodedata
from pathlib import Path

from .spec import LayerRow, NetworkSpec
from .text import Part, Text


class CheckFailure(AssertionError):
    """A check found a mistake; its message (a ``Text``: ``text``) is meant for the student as it is.

    ``cause``: ``(Cause, local)`` when the grader diagnosed which mistake it is
    (see ``computation.diagnose``), so that one mistake is charged once.
    ``difference``: for a structure check, the first difference from the book's
    network in one line (named again where points need the book's network).
    ``also``: the other mistakes of the same diagnosis (each charged once too)."""

    def __init__(self, message: "Text | str" = "", cause=None, difference: str = "", also=()):
        self.text = Text.of(message)
        super().__init__(str(self.text))
        self.cause = cause
        self.difference = difference
        self.also = tuple(also)


def bilingual(english: str, chinese: str) -> Text:
    """A sentence in both languages (``text.Text.say``); the report shows the one asked for."""
    return Text.say(english, chinese)


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


TABLE_HEADS = {"en": ("expected", "found"), "zh": ("书中", "你的实现")}
TABLE_NOTES = {"error": ("(error)", "(出错)"),
               "not sequential": ("(your network is not one nn.Sequential: no per-layer table)",
                                  "(不是 nn.Sequential，无法逐层列出)")}


def side_by_side(expected: list[LayerRow], found: list[LayerRow], note: str = "", marked: int | None = None) -> Text:
    """Two columns, expected and found, with ``marked`` (by default the first differing row) marked ``>>``;
    ``note`` (a key of ``TABLE_NOTES``) stands in the found column where the student's table ends."""
    first_diff = marked if marked is not None else first_difference(expected, found)
    if first_diff is None:
        first_diff = len(found)

    def table(lang: str) -> str:
        left, right = TABLE_HEADS[lang]
        said = TABLE_NOTES[note][lang == "zh"] if note else ""
        width = max(display_width(left), *(len(str(r)) for r in expected)) + 2
        lines = [f"      #  {pad(left, width)}{right}"]
        for i in range(max(len(expected), len(found))):
            e = str(expected[i]) if i < len(expected) else "-"
            f = str(found[i]) if i < len(found) else ("-" if not said or i > len(found) else said)
            mark = ">>" if i == first_diff else "  "
            lines.append(f"  {mark} {i + 1:>2}  {pad(e, width)}{f}")
        return "\n".join(lines)
    return Text.detail(table("en"), table("zh"))


def table_failure(spec: NetworkSpec, found, row: int, error: str = "", raised_in: str | None = None) -> Text:
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
        table = side_by_side(list(spec.table), [], marked=row, note="not sequential")
    else:
        table = side_by_side(list(spec.table), found, marked=row, note="error" if error else "")
    if not error:
        return head + table
    said = Text.say(f"Your forward pass raised in {raised_in}:" if raised_in else "Your forward pass raised:",
                    "你的前向计算出错：")
    where_zh = Text((Part("", f"  （{raised_in_zh(raised_in)}）", said=False),)) if raised_in else Text()
    return head + table + said + where_zh + Text.plain(f"  {error}")


RAISED_IN = re.compile(r"(?P<op>.*?)(?: in (?P<where>layer .*?))?(?:, given (?P<given>\[[\d, ]*\]))?")


def raised_in_zh(raised_in: str) -> str:
    """``record.raised_in`` (``Linear(400 -> 120) in layer 8 (Linear), given [1, 16, 5, 5]``) in Chinese."""
    match = RAISED_IN.fullmatch(raised_in)
    if match is None:
        return raised_in
    op = "加法（+）" if match["op"] == "an addition" else match["op"]
    parts = [f"出错的操作：{op}"] + ([f"位置：{match['where']}"] if match["where"] else []) \
        + ([f"输入形状：{match['given']}"] if match["given"] else [])
    return "，".join(parts)


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
