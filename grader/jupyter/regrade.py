"""The grade of a course notebook, made by the kit outside the notebook's kernel.

Under ``nbgrader autograde`` the kernel runs the student's code, so nothing it
reports can be trusted: not its outputs, not which cells it says it ran.
After the notebook ran, ``regrade`` therefore grades *every* grade cell of
the notebook again, whatever the kernel reported, from the module made of
the notebook's module cells as the instructor's version places them (the
locked first cell and the answer cells, in the instructor's order, found by
their nbgrader ids; ``grader.jupyter.submitted`` rebuilt the notebook on the
instructor's version before it ran). Each grade cell's outputs become that
grading's, as nbgrader reads a grade cell:

- every check of the kind passed: a printed report and no error (full points);
- some passed: the report and the points earned as the cell's value, strictly
  between 0 and the cell's points (nbgrader's partial credit);
- none passed, or the cell cannot be graded: an error output (0 points).

The module is graded by ``grader.grade.grade_submission`` in a fresh Python
process (``child_main``), which runs the student's code in the kit's sandbox
exactly as ``python -m grader grade`` does; all kinds of a module are graded
at once and the report is kept for the other grade cells of the notebook.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ..text import Text
from .cells import KIND_NAMES, Assembled, CheckFailed, indent, locate_lines, without_magics, wrap_text

PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent   # where ``import grader`` finds this kit
REPORTS: dict[tuple, dict] = {}      # (module, digest, train, limits...) -> the child's report
HIDDEN_OPTIONS = ("timeout", "memory_mb", "train_timeout", "device", "lang")


# -- the module, from the notebook's cells ---------------------------------------------------

def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def module_cells(nb) -> list:
    """The module cells of a course notebook, in order: the locked first cell (the one that is
    locked, not a grade cell, and tagged as a part of the module) and every answer cell."""
    from .cells import TAG
    cells = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") != "code" or meta.get("grade"):
            continue
        if meta.get("solution") or (meta.get("locked") and TAG.match(cell.get("source", "").lstrip())):
            cells.append(cell)
    return cells


def module_from_cells(module: str, sources: list[str]) -> Assembled:
    """The module made of ``sources``, the module cells' texts in the instructor's order (part 1 first)."""
    header = f"# {module}.py, assembled from the module cells of the notebook\n\n"
    source, starts = header, {}
    for part, text in enumerate(sources, start=1):
        starts[part] = source.count("\n") + 1
        source += without_magics(text).rstrip() + "\n\n\n"
    return Assembled(source.rstrip() + "\n", starts, [], module, len(sources))


def hidden_call(source: str) -> tuple[str, str, dict] | None:
    """(module, kind, options) of a grade cell's ``hidden_check(...)`` call; None if it has none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hidden_check":
            try:
                args = [ast.literal_eval(a) for a in node.args]
                options = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            except ValueError:
                return None
            if len(args) == 2 and all(isinstance(a, str) for a in args) and set(options) <= set(HIDDEN_OPTIONS):
                return args[0], args[1], options
            return None
    return None


def trusted_outputs(text: str, score, execution_count) -> list:
    """The outputs a grade cell gets for (text, score), as nbgrader reads them."""
    from nbformat.v4 import new_output
    text = wrap_text(text)
    if score == 0:
        lines = text.splitlines() or [""]
        return [new_output("error", ename="CheckFailed", evalue=lines[0], traceback=lines)]
    outputs = [new_output("stream", name="stdout", text=text + "\n")]
    if score is not None:
        outputs.append(new_output("execute_result", data={"text/plain": repr(score)},
                                  execution_count=execution_count))
    return outputs


UNREADABLE = Text.say("This grade cell cannot be read by the grader: 0 points; tell your instructor.",
                      "评分程序无法读取此评分单元：0 分，请联系老师。")


def regrade(nb, module: str | None = None) -> int:
    """Grade every grade cell of ``nb`` outside the kernel; returns how many cells were graded.

    ``module``: the kit module the notebook holds (its grade cells name it); the module cells'
    texts are what the notebook holds now, not what the kernel says it ran."""
    sources = [c.get("source", "") for c in module_cells(nb)]
    grade_cells = [c for c in nb.cells if c.get("cell_type") == "code" and nbgrader_meta(c).get("grade")]
    calls = [hidden_call(c.get("source", "")) for c in grade_cells]
    training = next((options for call in calls if call and call[1] == "training" for options in [call[2]]), None)
    count = 0
    for cell, call in zip(grade_cells, calls):
        if call is None or (module is not None and call[0] != module):
            text, score = wrap_text(UNREADABLE.show(notebook_lang(calls))), 0.0
        else:
            name, kind, options = call
            if training is not None:          # one grading with training for every kind, as ``grade`` does
                options = dict(options, train_timeout=training.get("train_timeout", 300.0),
                               device=training.get("device", "cpu"), train=True)
            text, score = grade_kind(name, kind, lambda: module_from_cells(name, sources), **options)
        cell.outputs = trusted_outputs(text, score, cell.get("execution_count"))
        count += 1
    return count


# -- grading one module in a fresh process ---------------------------------------------------

def notebook_lang(calls) -> str:
    """The language the instructor chose for the notebook's grade cells (``nbgrader --lang``)."""
    return next((call[2]["lang"] for call in calls if call and call[2].get("lang") in ("en", "zh")), "both")


def kind_title(module: str, kind: str) -> Text:
    from ..spec import NETWORKS
    english, chinese = KIND_NAMES.get(kind, (kind, kind))
    return Text.detail(f"{NETWORKS[module].title}, {english}", f"{NETWORKS[module].title}，{chinese}")


def grade_kind(module: str, kind: str, student, *, timeout: float = 60.0, memory_mb: int = 3072,
               train_timeout: float = 300.0, device: str = "cpu", train: bool | None = None, lang: str = "both"
               ) -> tuple[str, float | None]:
    """What the grade cell of ``kind`` shows, and its score as nbgrader reads it: None for full
    points, a float strictly between 0 and the cell's points (partial credit), or 0.

    ``student()`` returns the ``Assembled`` module (or raises ``CheckFailed``). ``train``: grade
    with the training check (default: only for the training kind); a notebook with a training
    cell grades every kind in that one run, as ``python -m grader grade`` does."""
    title = kind_title(module, kind)
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            results, max_points = kind_results(module, kind, student(), timeout, memory_mb, train_timeout,
                                               device, kind == "training" if train is None else train)
        except CheckFailed as failure:
            message = failure.args[0] if failure.args and isinstance(failure.args[0], Text) else str(failure)
        except Exception as error:   # a bug here must not print a traceback into the notebook
            message = Text.say(f"the notebook grader failed ({type(error).__name__}: {error}); tell your instructor",
                               "评分程序出错，请联系老师。")
        else:
            message = None
    if message is not None:
        head = Text.detail(f"{title.parts[0].en}: 0 points", f"{title.parts[0].zh}：0 分")
        return wrap_text((head + message).show(lang)), 0.0
    counted = [r for r in results if r["status"] != "skipped"]
    earned = sum(r["score"] for r in results)
    passed = sum(check_mark(r) == "✓" for r in counted)
    skipped = len(results) - len(counted)
    summary = Text.say(f"{passed} of {len(counted)} checks passed"
                       + (f", {skipped} skipped" if skipped else ""),
                       f"通过 {passed}/{len(counted)} 项" + (f"，跳过 {skipped} 项" if skipped else ""))
    head = Text.detail(f"{title.parts[0].en}: {earned:g} / {max_points:g} points",
                       f"{title.parts[0].zh}：{earned:g} / {max_points:g} 分")
    lines = [(head + summary).show(lang)] + [check_line(r, lang) for r in results]
    text = wrap_text("\n".join(lines))
    if earned <= 0:
        return text, 0.0
    if earned < max_points - 1e-9:
        return text, round(earned, 6)   # nbgrader's partial credit: a number between 0 and the cell's points
    return text, None


SAME_MISTAKE = ("same mistake as another check, charged there", "同一错误，已在别处扣分")
SKIPPED = ("skipped", "跳过")


def check_mark(result: dict) -> str:
    """The mark of one check, as its points read: ``-`` skipped (it did not run), ``✓`` every point
    of the check earned (a failed check that repeats a mistake charged in another check keeps its
    points), ``✗`` points lost. A check worth no points is marked by whether it passed."""
    if result["status"] == "skipped":
        return "-"
    if result["max_score"] > 0:
        return "✓" if result["score"] >= result["max_score"] - 1e-9 else "✗"
    return "✓" if result["status"] == "passed" else "✗"


def check_line(result: dict, lang: str = "both") -> str:
    """One check in a grade cell's message, in ``lang``: its mark, points and name, then why, indented; e.g.
    ``✗ [0/1.5] structure in eval mode`` or ``- [skipped] training``."""
    zh = lang == "zh"
    mark = check_mark(result)
    points = f"{result['score']:g}/{result['max_score']:g}"
    name = (result.get("name_zh") or result["name"]) if zh else result["name"]
    if mark == "-":          # out of the total when it is worth nothing here (0 of 0): no points shown
        line = f"- [{SKIPPED[zh]}{', ' + points if result['max_score'] else ''}] {name}"
    elif mark == "✓" and result["status"] != "passed":
        line = f"✓ [{points}] {name}" + (f"（{SAME_MISTAKE[1]}）" if zh else f" ({SAME_MISTAKE[0]})")
    else:
        line = f"{mark} [{points}] {name}"
    output = Text.of(result["output"]).show(lang)
    if result["status"] != "passed" and output:
        line += "\n" + indent(output)
    return line


def kind_results(module, kind, assembled, timeout, memory_mb, train_timeout, device, train):
    digest = hashlib.sha256(assembled.source.encode()).hexdigest()
    key = (module, digest, train, timeout, memory_mb, train_timeout if train else None, device if train else None)
    if key not in REPORTS:
        REPORTS[key] = grade_in_child(module, assembled.source, train, timeout, memory_mb, train_timeout, device)
    report = REPORTS[key]
    if "broken" in report:
        raise CheckFailed(Text.say(f"the grader could not run: {report['broken']}; tell your instructor",
                                   "评分程序无法运行，请联系老师。"))
    results = [dict(r, output=Text.of(r["output"]).map(lambda text: locate_lines(text, module, assembled)))
               for r in report["results"] if r["kind"] == kind]
    if results and all(r["status"] == "skipped" for r in results):
        raise CheckFailed(Text.say("this check could not run on the grading machine:",
                                   "此项检查无法在评分机器上运行，请联系老师：") + results[0]["output"]
                          + Text.detail("\n".join(f"- [{SKIPPED[0]}] {r['name']}" for r in results),
                                        "\n".join(f"- [{SKIPPED[1]}] {r.get('name_zh') or r['name']}"
                                                   for r in results)))
    if not results:
        raise CheckFailed(Text.say(f"the grader has no {kind} check for {module}; tell your instructor",
                                   "评分程序没有这项检查，请联系老师。"))
    return results, sum(r["max_score"] for r in results)


def child_budget(timeout: float, train: bool, train_timeout: float) -> float:
    """Wall-clock seconds one grading process may take: student and reference, plus start-up."""
    from ..options import max_train_seconds
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
                "from grader.jupyter.regrade import child_main; sys.exit(child_main(sys.argv[1:]))")
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
        from ..grade import GraderBroken, grade_submission
        from ..sandbox import Limits
        try:
            report = grade_submission(Path(submission), (module,), train=train == "train",
                                      limits=Limits(float(timeout), int(memory_mb)),
                                      train_limits=Limits(float(train_timeout), int(memory_mb)),
                                      device=device)
        except GraderBroken as error:
            data = {"broken": str(error)}
        else:
            data = {"results": [dataclasses.asdict(r) for r in report.results],
                    "execution_time": report.execution_time}
    except Exception as error:
        data = {"broken": f"{type(error).__name__}: {error}"}
    data["wall_time"] = time.monotonic() - started
    Path(out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return 0


# -- the feedback ------------------------------------------------------------------------------

def quiet_grade_cells(nb) -> None:
    """Leave out the value a grade cell of partial credit returns (nbgrader reads the score from it,
    and the feedback shows that score in the cell's heading): no ``Out[...]: 1.5`` in the feedback."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("grade"):
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "execute_result"]


def quiet_grade_cells_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class QuietGradeCells(NbGraderPreprocessor):
        """``nbgrader generate_feedback``: see ``quiet_grade_cells``."""

        def preprocess(self, nb, resources):
            quiet_grade_cells(nb)
            return nb, resources

    return QuietGradeCells


def __getattr__(name):
    """``QuietGradeCells`` is made on first use: importing this module does not import nbgrader."""
    if name == "QuietGradeCells":
        globals()[name] = quiet_grade_cells_class()
        return globals()[name]
    raise AttributeError(name)
