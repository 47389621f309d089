"""Notebooks that read well (no nbgrader run): the text the kit writes into the course notebooks and
into nbgrader's feedback fits the notebook's width, the book's excerpts have no orphan lead-ins, a
check's mark matches its points, a skipped check reads as skipped, a grade cell shows no stray
value, and ``python -m grader nbgrader`` warns when git would publish the solutions.

The same pages in a real browser: ``tests/test_nbgrader.py`` (the feedback of a real nbgrader run,
and every notebook rendered by nbconvert).
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.checking.points import KINDS
from grader.jupyter import cells, course, execute, regrade
from grader.spec import ALL_MODULES

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = {"train": True, "device": "cpu", "timeout": 60.0, "train_timeout": 300.0, "memory": 3072}
WIDTH = cells.WIDTH
LONG_ENGLISH = ("the network's structure differs from the book's at layer 3 (Residual): expected Conv2d(64 -> 64, "
                "kernel 3, padding 1) then BatchNorm2d(64), found Conv2d(64 -> 64, kernel 1) at lenet.py line 8")
LONG_CHINESE = ("网络结构与书中不同：第 3 层（Residual）应为 3x3 卷积后接批量规范化，但你的代码使用了 1x1 卷积，并且在激活函数"
                "之后才加上输入，这与书中的残差块不一致，请对照书中代码检查。")


def words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces made one space, and none between CJK characters."""
    joined = " ".join(text.split())
    return re.sub(r"(?<=[^\x00-\u2e7f]) (?=[^\x00-\u2e7f])", "", joined)


def widest(text: str) -> int:
    return max((cells.display_width(line) for line in text.splitlines()), default=0)


# -- wrapping ---------------------------------------------------------------------------------

def test_display_width_counts_cjk_characters_as_two_columns():
    assert cells.display_width("abc") == 3
    assert cells.display_width("公开测试") == 8
    assert cells.display_width("✓ 通过，ok") == 10


@pytest.mark.parametrize("text", [
    LONG_ENGLISH, LONG_CHINESE, LONG_ENGLISH + " " + LONG_CHINESE,
    "    ✗ " + LONG_ENGLISH, "- " + LONG_ENGLISH, "https://zh.d2l.ai/" + "x" * 150 + " and more",
])
def test_wrapped_lines_fit_and_keep_every_word(text):
    lines = cells.wrap_line(text)
    assert len(lines) > 1 and all(cells.display_width(line) <= WIDTH for line in lines)
    assert words("\n".join(lines)).replace(" ", "") == words(text).replace(" ", "")
    assert all(line == line.rstrip() for line in lines)
    if "x" * 150 not in text:                    # only a word longer than a line is cut
        assert words("\n".join(lines)) == words(text)


def test_wrapping_keeps_indentation_and_hangs_list_items():
    lines = cells.wrap_line("    ✗ " + LONG_ENGLISH)
    assert lines[0].startswith("    ✗ the network's") and all(line.startswith("      ") for line in lines[1:])
    lines = cells.wrap_line("- " + LONG_ENGLISH)
    assert all(line.startswith("  ") and not line.startswith("   ") for line in lines[1:])
    lines = cells.wrap_line(LONG_CHINESE)
    assert not any(line[0] in cells.CLOSING for line in lines[1:])        # no line starts with ，or 。


def test_short_text_is_left_as_it_is():
    text = "a  b\n\n    indented   spaces\n网络结构"
    assert cells.wrap_text(text) == text
    assert cells.wrap_text(cells.wrap_text(LONG_ENGLISH)) == cells.wrap_text(LONG_ENGLISH)


def notebooks():
    prose = dict(course.KIT_SUMMARIES, **course.book_prose(course.BOOK_TEXT.read_text(encoding="utf-8")))
    for module in ALL_MODULES:
        yield module, nbformat.from_dict(course.build_notebook(module, list(KINDS), OPTIONS, prose[module]))


def test_notebook_code_cells_fit_the_width_but_for_the_solutions_code():
    """Every line the kit writes in a code cell (tag lines, docstrings with the spec's notes, comments,
    the test calls) fits; only lines of the solutions' code itself (not their docstrings) may not."""
    for module, nb in notebooks():
        solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
        code_lines = set(solution.splitlines())
        docstrings = course.docstring_lines(ast.parse(solution))
        text_lines = {line for n, line in enumerate(solution.splitlines(), start=1)
                      if n in docstrings or line.lstrip().startswith("#")}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for line in cell.source.splitlines():
                if cells.display_width(line) > WIDTH:
                    assert line in code_lines and line not in text_lines, (module, line)


def test_fit_code_wraps_docstrings_and_comments_only():
    code = ('def f(x):\n'
            f'    """{LONG_ENGLISH}.\n\n'
            f'    - {LONG_ENGLISH}\n    """\n'
            f'    # {LONG_ENGLISH}\n'
            f'    y = x  # {LONG_ENGLISH}\n'
            f'    {course.BEGIN}\n    # {LONG_ENGLISH}\n    {course.END}\n'
            '    return y\n')
    fitted = course.fit_code(code)
    assert course.same_words(ast.parse(fitted)) == course.same_words(ast.parse(code))
    lines = fitted.splitlines()
    long = [line for line in lines if cells.display_width(line) > WIDTH]
    assert long == [f"    y = x  # {LONG_ENGLISH}", f"    # {LONG_ENGLISH}"]     # code, and the solution's region
    assert ast.get_docstring(ast.parse(fitted).body[0]).startswith("the network's structure")
    assert sum(line.startswith("    # ") for line in lines) > 2
    assert course.fit_code("def broken(:\n") == "def broken(:\n"


def test_cells_written_by_the_kit_fit_and_still_work():
    for line in course.hidden_source("batch_norm_scratch", "training", 3, OPTIONS).splitlines() \
            + course.visible_source("batch_norm_scratch", "lenet_bn_scratch", 60).splitlines() \
            + cells.tag_line("batch_norm_scratch", 1, 4, "imports and constants, read-only / 导入与常量（只读）").splitlines():
        assert cells.display_width(line) <= WIDTH, line
    source = course.hidden_source("batch_norm_scratch", "training", 3, OPTIONS)
    assert regrade.hidden_call(source) == ("batch_norm_scratch", "training", {
        "timeout": 60, "memory_mb": 3072, "train_timeout": 300, "device": "cpu"})
    assert cells.TAG.match(cells.tag_line("densenet", 5, 5, "your answer: transition_block(...) / 你的答案"))
    ast.parse(course.CODE_STUB)
    assert widest(course.CODE_STUB) + 8 <= WIDTH              # inside a method, indented twice


def test_messages_printed_in_the_notebook_fit(monkeypatch, capsys):
    failure = cells.CheckFailed(f"{LONG_ENGLISH}\n{LONG_CHINESE}")
    assert max(cells.display_width(line) for line in failure._render_traceback_()) <= WIDTH
    for trusted in ("1", "0"):
        monkeypatch.setenv(cells.REGRADE_ENV, trusted)
        assert cells.hidden_check("lenet", "shapes") is None                # the cell's value: nothing shown
        assert widest(capsys.readouterr().out) <= WIDTH
    cell = nbformat.v4.new_code_cell("pass")
    execute.not_run(cell, nbformat.v4.new_output, f"Not run: {LONG_ENGLISH}.", LONG_CHINESE)
    assert max(cells.display_width(line) for line in cell.outputs[0]["traceback"]) <= WIDTH
    assert cell.outputs[0]["evalue"] == f"Not run: {LONG_ENGLISH}."


# -- the grade cells' messages -----------------------------------------------------------------

def report(*rows):
    """A grading report: (kind, max_score, score, status, same_as) per check."""
    return {"results": [{"module": "lenet", "kind": kind, "name": f"check {n}: every operation as in the book, "
                         "in training and in eval mode", "max_score": points, "score": score, "status": status,
                         "output": "" if status == "passed" else
                         ("skipped on cpu: no plan" if status == "skipped" else f"{LONG_ENGLISH}\n{LONG_CHINESE}"),
                         "same_as": same, "cause": ""}
                        for n, (kind, points, score, status, same) in enumerate(rows)]}


@pytest.fixture
def graded(monkeypatch):
    """grade_kind(kind) on a report: structure (passed, failed, same mistake charged elsewhere, failed
    worth nothing), behaviour (passed, skipped for the device), training (all skipped)."""
    rows = report(("structure", 1.5, 1.5, "passed", ""), ("structure", 1.5, 0.0, "failed", ""),
                  ("structure", 1.0, 1.0, "failed", "check 1"), ("structure", 0.0, 0.0, "failed", ""),
                  ("behaviour", 2.0, 2.0, "passed", ""), ("behaviour", 0.0, 0.0, "skipped", ""),
                  ("training", 0.0, 0.0, "skipped", ""))
    monkeypatch.setattr(regrade, "grade_in_child", lambda *args: rows)
    monkeypatch.setattr(regrade, "REPORTS", {})
    sources = [cells.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
               cells.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    pass"]
    return lambda kind: regrade.grade_kind("lenet", kind, lambda: regrade.module_from_cells("lenet", sources))


CHECK = re.compile(r"^(?P<mark>[✓✗-]) \[(?:skipped|跳过)?(?:, )?(?:(?P<score>[\d.]+)/(?P<max>[\d.]+))?\] check \d+", re.M)


def test_grade_cell_messages_fit_the_width(graded):
    for kind in ("structure", "behaviour", "training"):
        text, _ = graded(kind)
        assert widest(text) <= WIDTH, text


def test_marks_match_the_points(graded):
    text, score = graded("structure")
    assert score == 2.5 and "2.5 / 4 points" in words(text)
    marks = [(m["mark"], m["score"], m["max"]) for m in CHECK.finditer(text)]
    assert marks == [("✓", "1.5", "1.5"), ("✗", "0", "1.5"), ("✓", "1", "1"), ("✗", "0", "0")]
    assert "same mistake as another check, charged there" in words(text)
    for mark, got, most in marks:                 # a ✗ never beside full points, a ✓ never beside lost ones
        assert (mark == "✓") == (float(got) >= float(most) > 0) or (float(most) == 0 and mark == "✗")
    for result in rows_of(("structure", 1.0, 1.0, "failed", "x"), ("structure", 1.0, 0.0, "failed", ""),
                          ("structure", 1.0, 1.0, "passed", ""), ("structure", 0.0, 0.0, "passed", "")):
        full = result["score"] >= result["max_score"]
        assert regrade.check_mark(result) == ("✓" if full and (result["max_score"] or result["status"] == "passed")
                                              else "✗")


def rows_of(*rows):
    return report(*rows)["results"]


def test_skipped_checks_read_as_skipped(graded):
    text, score = graded("behaviour")
    assert score is None                                        # 2 of 2: full points for the cell
    assert "1 of 1 checks passed, 1 skipped" in words(text)
    assert [(m["mark"], m["score"]) for m in CHECK.finditer(text)] == [("✓", "2"), ("-", None)]
    assert "- [skipped] check 5" in text and "0/0" not in text
    text, score = graded("training")                            # nothing ran: 0, and each check says skipped
    assert score == 0 and "could not run on the grading machine" in words(text)
    assert "- [skipped] check 6" in text and "✓" not in text and "✗" not in text
    assert regrade.check_mark(rows_of(("x", 1.0, 0.0, "skipped", ""))[0]) == "-"


def test_no_stray_value_in_the_feedback(graded):
    """A grade cell of partial credit returns its score for nbgrader (``Out[...]: 2.5``); the feedback
    leaves that value out (its score is in the cell's heading), and keeps the message."""
    from nbgrader.utils import determine_grade
    text, score = graded("structure")
    cell = nbformat.v4.new_code_cell("hidden_check('lenet', 'structure')", execution_count=11,
                                     outputs=regrade.trusted_outputs(text, score, 11))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 4, "grade_id": "structure",
                                 "locked": True}
    assert determine_grade(cell)[0] == 2.5
    nb = nbformat.v4.new_notebook(cells=[cell])
    regrade.quiet_grade_cells(nb)
    assert [o.output_type for o in cell.outputs] == ["stream"] and "2.5 / 4 points" in words(cell.outputs[0].text)
    namespace = {"get_config": lambda: config, "load_subconfig": lambda name: None}
    from traitlets.config import Config
    config = Config()
    exec(compile(course.config_text(OPTIONS, "COURSE"), "nbgrader_config.py", "exec"), namespace)
    names = [p.__name__ for p in config.GenerateFeedback.preprocessors]
    assert names.index("GetGrades") < names.index("QuietGradeCells")


# -- the book's excerpts ---------------------------------------------------------------------

def test_no_orphan_lead_ins_in_the_book_excerpts():
    """A paragraph ending with a colon or mid-sentence, followed by a listing the notebook does not hold
    (a demonstration, not a definition nor the printing loop), is left out; other lead-ins stay."""
    prose = course.book_prose(course.BOOK_TEXT.read_text(encoding="utf-8"))
    resnet = "".join(prose["resnet"])
    assert "查看输入和输出形状一致的情况" not in resnet and "也可以在增加输出通道数的同时" not in resnet
    assert len(prose["resnet"]) == 2 and "ResNet则使用4个由残差块组成的模块" in resnet
    assert any("实现如下" in p for p in prose["batch_norm"])         # its listing is the network the student writes
    lines = course.BOOK_TEXT.read_text(encoding="utf-8").splitlines()
    for module, paragraphs in prose.items():
        for paragraph in paragraphs:
            following = next(i for i, line in enumerate(lines)
                             if line.strip() and paragraph.endswith(line.strip()[-20:])) + 1
            assert not course.orphan_lead_in(paragraph, lines[following:]), (module, paragraph)


def synthetic_book(section: str) -> str:
    """The book's text with ``section`` as ResNet's part (every heading there, as book_prose needs)."""
    other = "\n".join(f"{heading} 说明文字。" for _, heading in course.BOOK_SECTIONS if heading != "ResNet")
    return f"{other}\nResNet 残差块 1 2 3 class Residual (nn.Module): pass\n{section}\n{course.BOOK_END}\n"


@pytest.mark.parametrize("lead_in, listing, kept", [
    ("看一下输出的形状:", "1 2 3 blk = Residual(3 ,3 ) X = torch.rand(4 , 3 , 6 , 6 ) Y = blk(X) Y.shape", False),
    ("看一下输出的形状：", "1 2 blk(X).shape", False),
    ("也可以减半输出的高和宽", "1 2 blk = Residual(3 ,6 , use_1x1conv=True , strides=2 ) blk(X).shape", False),
    ("残差块的实现如下:", "1 2 3 4 def resnet_block (a, b): return a", True),            # the student writes it
    ("网络如下:", "1 2 net = nn.Sequential( b1, b2 )", True),
    ("逐层打印输出形状:", "1 2 3 4 for layer in net: X = layer(X) print (layer.__class__.__name__,'output shape:')", True),
    ("这是一段完整的说明。", "1 2 blk(X).shape", True),                                       # not a lead-in
    ("最后是一句没有代码的话:", "后面是文字而不是代码。", True),
])
def test_the_orphan_rule(lead_in, listing, kept):
    prose = course.book_prose(synthetic_book(f"{lead_in}\n{listing}\ntorch.Size([4, 3, 6, 6])\n结尾的说明。"))
    assert (lead_in in "".join(prose["resnet"])) == kept
    assert "结尾的说明。" in "".join(prose["resnet"])


# -- the solutions in git ------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@needs_git
def test_a_course_in_a_git_repository_gets_one_warning_saying_how_to_fix_it(tmp_path):
    repo = tmp_path / "repo"
    (repo / "course").mkdir(parents=True)
    git(repo, "init", "-q")
    env = {"HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"), "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run([sys.executable, "-m", "grader", "nbgrader", str(repo / "course"), "--only", "lenet",
                             "--no-train"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "git" in line]
    assert len(warnings) == 1, result.stderr
    warning = warnings[0]
    assert warning.startswith("nbgrader: warning:") and "gradebook.db" in warning and "solutions" in warning
    assert f"add /course/ to {repo.resolve() / '.gitignore'}" in warning
    (repo / ".gitignore").write_text("/course/\n")                     # the fix it names
    assert course.git_exposure(repo / "course", "modern_cnns") is None
    (repo / ".gitignore").write_text("/course/gradebook.db\n")          # half a fix: source/ still public
    warning = course.git_exposure(repo / "course", "modern_cnns")
    assert warning and "source/modern_cnns/" in warning and "not ignore gradebook.db" not in warning
    (repo / ".gitignore").unlink()
    assert "add /gradebook.db and /source/ to" in course.git_exposure(repo, "modern_cnns")   # the repository is the course
    outside = tmp_path / "outside"
    outside.mkdir()
    assert course.git_exposure(outside, "modern_cnns") is None
