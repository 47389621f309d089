"""What the cells of the kit's nbgrader notebooks call (``python -m grader nbgrader`` writes them).

A course notebook holds one module of the kit, split into *module cells*: a
locked first cell (imports, constants) and one answer cell per function or
class the student writes. Each module cell starts with a tag line such as
``# [lenet.py 2/2] ...``. The student's module is the latest executed
version of each module cell, read from the kernel's own input history
(IPython's ``In``), in tag order. That is exactly what ran in the kernel,
whether the notebook runs interactively, under ``nbgrader validate`` or
under ``nbgrader autograde`` (which restores the locked cells and executes
the notebook from the top). Cells the student adds are scratch space and
are not part of the module.

- ``visible_tests(module, name)``: the visible checks of ``exercises/
  test_<module>.py`` that concern ``name``, on that module, in this kernel
  (like pytest), within a time budget.
- ``hidden_check(module, kind)``: one kind of the hidden grader's checks.
  The module is written to a temporary ``<module>.py`` and graded by
  ``grader.grade.grade_submission`` in a *fresh* Python process (nothing the
  notebook did to this kernel reaches it), which runs the code in its
  sandbox (fork, timeout, memory cap) exactly as ``python -m grader grade``
  does. All kinds of a module are graded at once and the report is cached
  for this kernel, keyed by the module's text, so the other grade cells of
  the notebook reuse it. The cell prints only the checks' messages and
  writes nothing to stderr. Scoring, as nbgrader reads a grade cell: all
  checks of the kind passed: returns ``None`` (full points); none passed:
  raises ``CheckFailed`` (0 points; it renders as its message only, no
  frames); some passed: returns the points earned as a float, strictly
  between 0 and the cell's points (nbgrader's partial credit), so the
  notebook scores exactly what the command line scores. A numeric 0 is
  never returned. Under ``nbgrader autograde`` the course's ``KitExecute``
  sets ``REGRADE_ENV`` for the kernel: the grade cells then only say so, and
  ``grader.course.regrade`` grades them again from the notebook's cells in
  nbgrader's own process (``grade_kind`` with the cells as ``inputs``), so
  that nothing the student's code does in the kernel can change a score.

This module only imports the public parts of the kit (spec, visible
checks) at module level; the hidden grader runs in the child process.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

TAG = re.compile(r"^#\s*\[(?P<module>\w+)\.py (?P<part>\d+)/(?P<total>\d+)\]")
KIND_NAMES = {"shapes": "output shapes / 输出形状", "params": "parameter counts / 参数数量",
              "structure": "structure / 结构", "property": "random configurations / 随机配置",
              "behaviour": "behaviour / 行为", "training": "training / 训练"}
PACKAGE_PARENT = Path(__file__).resolve().parent.parent   # where ``import grader`` finds this kit
MAX_SHOWN_OUTPUT = 1500


class CheckFailed(Exception):
    """A notebook check failed; IPython shows only its message (no traceback, whatever the xmode)."""

    def _render_traceback_(self):
        return str(self).splitlines() or [""]


class _TimeUp(BaseException):
    """The visible tests' time budget ran out (a BaseException: student code's ``except Exception`` keeps out)."""


def tag_line(module: str, part: int, total: int, what: str) -> str:
    """First line of a module cell, e.g. ``# [lenet.py 2/2] answer: lenet() (keep this line / 请保留此行)``."""
    return f"# [{module}.py {part}/{total}] {what} (keep this first line / 请保留此行)"


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
    from .spec import NETWORKS
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
    from . import visible
    from .report import CheckFailure
    from .spec import NETWORKS
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
        raise CheckFailed(f"{failed} of {len(cases)} visible test(s) of {name} failed / "
                          f"{name} 有 {failed} 项公开测试未通过\n{text}")
    print(text)
    print(f"All {len(cases)} visible test(s) of {name} passed. / {name} 的公开测试全部通过。")


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else line for line in text.splitlines())


# -- hidden checks ----------------------------------------------------------------------

REPORTS: dict[tuple, dict] = {}      # (module, digest, train, limits...) -> the child's report


# ``KitExecute`` (nbgrader autograde) sets this in nbgrader's own process before the kernel starts:
# the kernel's grade cells then only say so, and KitExecute grades every grade cell again from the
# notebook's cells, outside the kernel, where nothing the student's code did can reach.
REGRADE_ENV = "D2L_KIT_TRUSTED_REGRADE"
REGRADE_NOTE = ("Graded by nbgrader from the notebook's cells after the notebook ran, outside this kernel.\n"
                "评分由 nbgrader 在笔记本运行后、于此内核之外根据笔记本单元进行。")


def hidden_check(module: str, kind: str, *, timeout: float = 60.0, memory_mb: int = 3072,
                 train_timeout: float = 300.0, device: str = "cpu"):
    """Grade one kind of the hidden checks of ``module`` (see the module docstring for the scoring)."""
    if os.environ.get(REGRADE_ENV) == "1":
        print(REGRADE_NOTE)
        return None
    text, score = grade_kind(module, kind, lambda: student_module(module), timeout=timeout,
                             memory_mb=memory_mb, train_timeout=train_timeout, device=device)
    if score == 0:
        raise CheckFailed(text)
    print(text)
    return score


def grade_kind(module: str, kind: str, student, *, timeout: float = 60.0, memory_mb: int = 3072,
               train_timeout: float = 300.0, device: str = "cpu") -> tuple[str, float | None]:
    """What the grade cell of ``kind`` shows, and its score as nbgrader reads it: None for full
    points, a float strictly between 0 and the cell's points (partial credit), or 0.

    ``student()`` returns the ``Assembled`` module (or raises ``CheckFailed``)."""
    from .spec import NETWORKS
    title = NETWORKS[module].title
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            results, max_points = kind_results(module, kind, student(), timeout, memory_mb, train_timeout,
                                               device)
        except CheckFailed as failure:
            message = str(failure)
        except Exception as error:   # a bug here must not print a traceback into the notebook
            message = (f"the notebook grader failed ({type(error).__name__}: {error}); "
                       "tell your instructor\n评分程序出错，请联系老师。")
        else:
            message = None
    if message is not None:
        return f"{title}, {KIND_NAMES.get(kind, kind)}: 0 points / 0 分\n{message}", 0.0
    earned = sum(r["score"] for r in results)
    passed = sum(r["status"] == "passed" for r in results)
    lines = [f"{title}, {KIND_NAMES.get(kind, kind)}: {earned:g} / {max_points:g} points "
             f"({passed} of {len(results)} checks passed / 通过 {passed}/{len(results)} 项)"]
    for r in results:
        mark = {"passed": "✓", "failed": "✗"}.get(r["status"], "-")
        lines.append(f"{mark} {r['name']}")
        if r["status"] != "passed" and r["output"]:
            lines.append(indent(r["output"]))
    text = "\n".join(lines)
    if earned <= 0:
        return text, 0.0
    if earned < max_points - 1e-9:
        return text, round(earned, 6)   # nbgrader's partial credit: a number between 0 and the cell's points
    return text, None


def kind_results(module, kind, assembled, timeout, memory_mb, train_timeout, device):
    train = kind == "training"
    digest = hashlib.sha256(assembled.source.encode()).hexdigest()
    key = (module, digest, train, timeout, memory_mb, train_timeout if train else None, device if train else None)
    if key not in REPORTS:
        REPORTS[key] = grade_in_child(module, assembled.source, train, timeout, memory_mb, train_timeout, device)
    report = REPORTS[key]
    if "broken" in report:
        raise CheckFailed(f"the grader could not run: {report['broken']}; tell your instructor\n"
                          "评分程序无法运行，请联系老师。")
    results = [dict(r, output=locate_lines(r["output"], module, assembled))
               for r in report["results"] if r["kind"] == kind]
    if results and all(r["status"] == "skipped" for r in results):
        raise CheckFailed(f"this check could not run on the grading machine: {results[0]['output']}\n"
                          "此项检查无法在评分机器上运行，请联系老师。")
    results = [r for r in results if r["status"] != "skipped"]
    if not results:
        raise CheckFailed(f"the grader has no {kind} check for {module}; tell your instructor\n"
                          "评分程序没有这项检查，请联系老师。")
    return results, sum(r["max_score"] for r in results)


def child_budget(timeout: float, train: bool, train_timeout: float) -> float:
    """Wall-clock seconds one grading process may take: student and reference, plus start-up."""
    from .options import max_train_seconds
    return 2 * timeout + 45 + (max_train_seconds(train_timeout) + 30 if train else 0)


def grade_in_child(module, source, train, timeout, memory_mb, train_timeout, device) -> dict:
    """Grade ``source`` as ``<module>.py`` in a fresh Python process; its report as a dict."""
    budget = child_budget(timeout, train, train_timeout)
    with tempfile.TemporaryDirectory(prefix="d2l-grade-") as folder:
        submission = Path(folder, "submission")
        submission.mkdir()
        (submission / f"{module}.py").write_text(source, encoding="utf-8")
        out = Path(folder, "report.json")
        code = (f"import sys; sys.path.insert(0, {str(PACKAGE_PARENT)!r}); "
                "from grader.notebook import child_main; sys.exit(child_main(sys.argv[1:]))")
        args = [sys.executable, "-I", "-W", "ignore", "-c", code, str(submission), module, str(out),
                str(timeout), str(memory_mb), str(train_timeout), device, "train" if train else "no-train"]
        process = subprocess.Popen(args, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            stop(process)
            return {"broken": f"grading took longer than {budget:g} s"}
        except BaseException:          # e.g. nbgrader interrupting the cell: take the grader down too
            stop(process)
            raise
        try:
            return json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"broken": f"the grading process ended with exit code {process.returncode} and no report"}


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (the child closes its sandboxes), then SIGKILL the process group."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=wait)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def child_main(argv: list[str]) -> int:
    """The grading process: ``SUBMISSION MODULE OUT TIMEOUT MEMORY_MB TRAIN_TIMEOUT DEVICE train|no-train``."""
    submission, module, out, timeout, memory_mb, train_timeout, device, train = argv
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    started = time.monotonic()
    try:
        from .grade import GraderBroken, grade_submission
        from .sandbox import Limits
        try:
            report = grade_submission(Path(submission), (module,), train=train == "train",
                                      limits=Limits(float(timeout), int(memory_mb)),
                                      train_limits=Limits(float(train_timeout), int(memory_mb)),
                                      device=device)
        except GraderBroken as error:
            data = {"broken": str(error)}
        else:
            data = {"results": [vars(r) for r in report.results], "execution_time": report.execution_time}
    except Exception as error:
        data = {"broken": f"{type(error).__name__}: {error}"}
    data["wall_time"] = time.monotonic() - started
    Path(out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return 0
