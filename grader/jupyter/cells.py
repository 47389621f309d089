"""What the cells of the kit's course notebooks call, in the notebook's kernel (the student's side).

This module ships to students (as ``d2lkit.jupyter.cells``, in the bundle of
``python -m grader release``) and is the only part of the kit a course
notebook's kernel imports: it holds no hidden check and no solution.

A course notebook holds one module of the kit, split into *module cells*: a
locked first cell (imports, constants) and one answer cell per function or
class the student writes. Each module cell starts with a tag line such as
``# [lenet.py 2/2] ...``. While a student works, the module is the latest
executed version of each module cell, read from the kernel's own input
history (IPython's ``In``), in tag order. Cells the student adds are scratch
space and are not part of the module.

- ``visible_tests(module, name)``: the visible checks of ``exercises/
  test_<module>.py`` that concern ``name``, on that module, in this kernel
  (like pytest), within a time budget.
- ``hidden_check(module, kind)``: the grade cells' call. It grades nothing in
  the kernel: under ``nbgrader autograde`` the kit grades every grade cell
  again outside the kernel, from the notebook's answer cells as the
  instructor's version places them (``grader.jupyter.regrade``), and this
  call only says so. Whatever the student's code does to this kernel, it
  cannot change a score.
"""
from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import signal
import sys
import tempfile
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

TAG = re.compile(r"^#\s*\[(?P<module>\w+)\.py (?P<part>\d+)/(?P<total>\d+)\]")
KIND_NAMES = {"shapes": ("output shapes", "输出形状"), "params": ("parameter counts", "参数数量"),
              "structure": ("structure", "结构"), "property": ("random configurations", "随机配置"),
              "behaviour": ("behaviour", "行为"), "training": ("training", "训练")}
MAX_SHOWN_OUTPUT = 1500
# Columns of the text the kit writes into a notebook (docstrings, comments, check messages): a
# notebook's code cells and outputs, and nbgrader's feedback, show about 80-88 monospace characters
# before they scroll sideways. A CJK character takes two columns.
WIDTH = 79


class CheckFailed(Exception):
    """A notebook check failed; IPython shows only its message (no traceback, whatever the xmode)."""

    def _render_traceback_(self):
        return wrap_text(str(self)).splitlines() or [""]


# -- text that fits the notebook's width -------------------------------------------------

OPENING = set("（「『【《〈“‘([{")          # never at the end of a line
CLOSING = set("，。、；：！？）」』】》〉”’,.;:!?)]}")   # never at the start of a line
LIST_MARKER = re.compile(r"(?:[-*•✓✗]|\d+[.)]|\(\w\))\s+")


def char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace font (a CJK character takes two)."""
    return sum(char_width(c) for c in text)


def _tokens(text: str) -> list[str]:
    """``text`` as the pieces a line may break between: runs of spaces, words, and single wide
    (CJK) characters; punctuation stays with the character it belongs to."""
    pieces: list[str] = []
    for char in text:
        kind = "space" if char.isspace() else "wide" if char_width(char) == 2 else "narrow"
        if pieces and kind != "wide" and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + char)
        else:
            pieces.append((kind, char))
    tokens: list[str] = []
    glue = False
    for kind, piece in pieces:
        if kind == "space":
            tokens.append(piece)
            glue = False
            continue
        if tokens and not tokens[-1].isspace() and (glue or piece[0] in CLOSING):
            tokens[-1] += piece
        else:
            tokens.append(piece)
        glue = piece[-1] in OPENING
    return tokens


def wrap_line(line: str, width: int = WIDTH, prefix: str | None = None) -> list[str]:
    """``line`` broken at spaces, or between CJK characters, into lines of at most ``width``
    columns; a word longer than a line is cut. Continuation lines start with ``prefix`` (default:
    the line's indentation, plus the width of a leading list marker such as ``- `` or ``✗ ``)."""
    if display_width(line) <= width:
        return [line]
    body = line.lstrip()
    indent = line[:len(line) - len(body)]
    if prefix is None:
        marker = LIST_MARKER.match(body)
        prefix = indent + " " * (display_width(marker.group(0)) if marker else 0)
    if display_width(prefix) > width // 2:
        prefix = prefix[:width // 2]
    lines: list[str] = []
    current, filled, space = indent, False, ""
    for token in _tokens(body):
        if token.isspace():
            space = token if filled else ""
            continue
        if display_width(current + space + token) <= width:
            current, filled, space = current + space + token, True, ""
            continue
        if filled:
            lines.append(current)
            current, filled = prefix, False
        space = ""
        while display_width(current + token) > width:          # a word longer than a line: cut it
            room, cut = width - display_width(current), 0
            while cut < len(token) and char_width(token[cut]) <= room:
                room -= char_width(token[cut])
                cut += 1
            cut = max(cut, 1)
            lines.append(current + token[:cut])
            current, token = prefix, token[cut:]
        current, filled = current + token, True
    lines.append(current)
    return lines


def wrap_text(text: str, width: int = WIDTH) -> str:
    """Every line of ``text`` that is wider than ``width`` columns, wrapped (see ``wrap_line``)."""
    return "\n".join(part for line in text.split("\n") for part in wrap_line(line, width))


class _TimeUp(BaseException):
    """The visible tests' time budget ran out (a BaseException: student code's ``except Exception`` keeps out)."""


def tag_line(module: str, part: int, total: int, what: str) -> str:
    """First lines of a module cell: the tag, what the cell holds, and a note to keep the tag, e.g.
    ``# [lenet.py 2/2] your answer: lenet() / 你的答案`` then
    ``# (keep this cell's first line / 请保留此单元的第一行)``, at most ``WIDTH`` columns each."""
    lines = wrap_line(f"# [{module}.py {part}/{total}] {what}", WIDTH, prefix="# ")
    return "\n".join(lines + ["# (keep this cell's first line / 请保留此单元的第一行)"])


# -- the student's module, from the kernel's input history -------------------------------

@dataclass
class Assembled:
    source: str                   # the module text
    starts: dict[int, int]        # part -> first line of that part in ``source`` (1-based)
    missing: list[int]            # parts never run (or whose tag line was removed)
    module: str = ""
    total: int = 0

    def where(self, line: int) -> str:
        part = max((p for p, start in self.starts.items() if start <= line), default=None)
        if part is None:
            return ""
        return f"cell [{self.module}.py {part}/{self.total}], line {line - self.starts[part] + 1}"


def kernel_inputs() -> list[str]:
    """Every input this kernel executed, oldest first (IPython's raw ``In``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise CheckFailed("This cell must run in a Jupyter notebook (an IPython kernel).\n"
                          "此单元必须在 Jupyter 笔记本（IPython 内核）中运行。")
    return [text for text in shell.history_manager.input_hist_raw[1:] if text]


def without_magics(text: str) -> str:
    """IPython-only lines (``%time``, ``!ls``, a leading ``%%cell`` magic) become ``pass`` comments."""
    lines = text.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = "# " + lines[0]
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            indent = line[:len(line) - len(stripped)]
            out.append(f"{indent}pass  # IPython only: {stripped}")
        else:
            out.append(line)
    return "\n".join(out)


def top_level_names(text: str) -> set[str]:
    try:
        tree = ast.parse(without_magics(text))
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def assemble(module: str, inputs: list[str], part_names: dict[int, str] | None = None) -> Assembled:
    """The module made of the latest executed version of each tagged module cell.

    A part whose tag line was deleted is still found when ``part_names`` names
    what it defines: the latest untagged input defining that name is used.
    """
    parts: dict[int, str] = {}
    total = 0
    for text in inputs:
        first = next((line for line in text.splitlines() if line.strip()), "")
        match = TAG.match(first.strip())
        if match and match["module"] == module:
            parts[int(match["part"])] = text
            total = int(match["total"])
    for part, name in (part_names or {}).items():
        if part not in parts:
            found = [text for text in inputs if not TAG.match(text.lstrip()) and name in top_level_names(text)]
            if found:
                parts[part] = found[-1]
                total = max(total, part)
    missing = [p for p in range(1, total + 1) if p not in parts]
    header = f"# {module}.py, assembled from the module cells of the notebook\n\n"
    source, starts = header, {}
    for part in sorted(p for p in parts if p <= total):
        starts[part] = source.count("\n") + 1
        source += without_magics(parts[part]).rstrip() + "\n\n\n"
    return Assembled(source.rstrip() + "\n", starts, missing, module, total)


def student_module(module: str, name: str | None = None, inputs: list[str] | None = None) -> Assembled:
    """The student's module; every module cell must have run, or with ``name`` the first cell and
    the one defining ``name`` (the visible tests of an early cell run before the later cells).

    ``inputs``: the executed cells, oldest first (default: this kernel's history)."""
    from ..spec import NETWORKS
    names = {i + 2: n for i, n in enumerate(NETWORKS[module].student_names)}
    assembled = assemble(module, kernel_inputs() if inputs is None else inputs, names)
    if not assembled.starts:
        raise CheckFailed(
            f"No cell of {module}.py has run yet: run the notebook from the top (Run All), "
            "then this cell.\n"
            f"{module}.py 的代码单元尚未运行：请从头运行笔记本（全部运行），再运行此单元。")
    needed = set(assembled.missing)
    if name is not None:
        needed &= {1} | {part for part, n in names.items() if n == name}
    if needed:
        cells = ", ".join(f"[{module}.py {p}/{assembled.total}]" for p in sorted(needed))
        raise CheckFailed(
            f"The cell(s) {cells} have not run, or their first line (the tag) was changed: restore "
            "the tag line, run every cell above, then this cell.\n"
            f"单元 {cells} 尚未运行，或其第一行（标签）被修改：请恢复标签行，运行上方所有单元后再运行此单元。")
    return assembled


def locate_lines(message: str, module: str, assembled: Assembled) -> str:
    """``lenet.py line 12`` in a message also names the notebook cell and line."""
    def add(match):
        where = assembled.where(int(match.group(1)))
        return f"{match.group(0)} ({where})" if where else match.group(0)
    return re.sub(rf"\b{re.escape(module)}\.py line (\d+)", add, message)


# -- visible tests ----------------------------------------------------------------------

@contextlib.contextmanager
def time_budget(seconds: float):
    """Raise ``_TimeUp`` in this thread after ``seconds`` (only where signals can be used)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable or not seconds:
        yield
        return

    def expired(signum, frame):
        raise _TimeUp()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def visible_tests(module: str, name: str, timeout: float = 60.0) -> None:
    """Run the visible checks of ``module`` that concern ``name`` (a function or class of it)."""
    from .. import visible
    from ..report import CheckFailure
    from ..spec import NETWORKS
    spec = NETWORKS[module]
    cases = [c for c in visible.cases(module)
             if (c.example.call.split("(", 1)[0] if c.kind == "example" else spec.builder) == name]
    assembled = student_module(module, name)
    lines, failed, printed = [], 0, io.StringIO()
    with tempfile.TemporaryDirectory(prefix="d2l-visible-") as folder:
        Path(folder, f"{module}.py").write_text(assembled.source, encoding="utf-8")
        done = 0
        try:
            with time_budget(timeout), contextlib.redirect_stdout(printed), \
                    contextlib.redirect_stderr(printed), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for case in cases:
                    try:
                        visible.run(Path(folder), case)
                        lines.append(f"✓ {case}")
                    except CheckFailure as failure:
                        failed += 1
                        lines.append(f"✗ {case}\n" + indent(locate_lines(str(failure), module, assembled)))
                    done += 1
        except _TimeUp:
            failed += max(len(cases) - done, 1)
            lines.append(f"✗ {cases[min(done, len(cases) - 1)]}\n" + indent(
                f"timed out: the visible tests of {name} may take {timeout:g} s in all (an endless loop?)\n"
                f"超时：{name} 的公开测试总共最多 {timeout:g} 秒（是否有死循环？）"))
            lines += [f"- {case}: not run / 未运行" for case in cases[done + 1:]]
        finally:
            sys.modules.pop(f"_submission_{module}", None)
    text = "\n".join(lines)
    if failed:
        shown = printed.getvalue()
        if shown.strip():
            if len(shown) > MAX_SHOWN_OUTPUT:
                shown = shown[:MAX_SHOWN_OUTPUT] + "\n... (cut / 截断)"
            text += f"\n--- your code printed / 你的代码输出 ---\n{shown.rstrip()}"
        raise CheckFailed(f"{failed} of {len(cases)} visible test(s) of {name} failed.\n"
                          f"{name} 有 {failed} 项公开测试未通过。\n{text}")
    print(wrap_text(text))
    print(wrap_text(f"All {len(cases)} visible test(s) of {name} passed.\n{name} 的公开测试全部通过。"))


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else line for line in text.splitlines())


# -- the grade cells ------------------------------------------------------------------

# ``grader.jupyter.execute.KitExecute`` (nbgrader autograde) sets this for the kernel it starts.
REGRADE_ENV = "D2L_KIT_TRUSTED_REGRADE"
REGRADE_NOTE = ("Graded by nbgrader from the notebook's answer cells after the notebook ran, outside this kernel.\n"
                "评分由 nbgrader 在笔记本运行后、于此内核之外根据笔记本的答题单元进行。")
NOT_HERE = ("Hidden tests run only when your instructor grades the notebook (nbgrader autograde).\n"
            "隐藏测试只在老师评分（nbgrader autograde）时运行。")


def hidden_check(module: str, kind: str, **options) -> None:
    """A grade cell's call: it grades nothing here (see the module docstring), it only says where grading happens."""
    print(wrap_text(REGRADE_NOTE if os.environ.get(REGRADE_ENV) == "1" else NOT_HERE))
