"""An nbgrader course of the kit, as ``python -m grader nbgrader COURSE_DIR`` creates or refreshes it.

Writes ``COURSE_DIR/nbgrader_config.py`` and one notebook per module under
``COURSE_DIR/source/<assignment>/``, generated from ``solutions/`` and
``grader/spec.py`` (never edit them by hand: re-run the command), and
installs the course's Jupyter kernel (``grader.jupyter.kernel``) in this
environment, which has the grader installed.

A notebook holds the book's explanation of the network (Chinese, as in the
book, with the English summary of the solution's docstring), the module as
cells (a locked cell of imports and constants, then one answer cell per
function or class, with ``### BEGIN SOLUTION`` / ``### END SOLUTION``
exactly where ``exercises/`` has its stubs), a locked visible-test cell
after each answer cell (the checks of ``exercises/test_<module>.py``), and
at the end one locked, hidden grade cell per check kind worth that kind's
points in ``grader.checking.points.POINTS``.

The cells import the student package ``d2lkit`` (``d2lkit.jupyter.cells``),
as a student's own environment has it (``python -m grader release``); the
course's kernel gives it to them, never the kit's ``grader``. The grade cells
grade nothing in the kernel: ``grader.jupyter.execute.KitExecute`` grades
them outside it.
"""
from __future__ import annotations

import ast
import copy
import json
import re
import subprocess
from pathlib import Path

from .. import editions, stubgen
from ..options import TRAIN_BUDGET_CAP
from ..spec import NETWORKS
from .cells import WIDTH, display_width, tag_line, wrap_line
from .execute import GENERATOR
from .kernel import KERNEL_DISPLAY, KERNEL_NAME

ROOT = Path(__file__).resolve().parent.parent.parent
SOLUTIONS = ROOT / "solutions"
BOOK_TEXT = ROOT / "tests" / "data" / "d2l_zh_modern_cnns.txt"
DEFAULT_ASSIGNMENT = "modern_cnns"
BEGIN, END = stubgen.BEGIN, stubgen.END
KEEP_BEGIN, KEEP_END = "### KEEP-BEGIN-SOLUTION", "### KEEP-END-SOLUTION"
# What nbgrader puts in place of a solution: its message on two lines, each within cells.WIDTH.
CODE_STUB = ("# YOUR CODE HERE / 在此编写你的代码\n"
             "raise NotImplementedError(\n"
             '    "write this part, then run the visible tests below\\n"\n'
             '    "请完成这一部分，然后运行下方的公开测试")')
KIND_TITLES = {"shapes": ("output shapes", "输出形状"), "params": ("parameter counts", "参数数量"),
               "structure": ("structure: every operation, training and eval mode", "结构：每个运算（训练与评估模式）"),
               "property": ("random configurations (hypothesis)", "随机配置（hypothesis）"),
               "behaviour": ("behaviour: real arithmetic on small inputs", "行为：小输入上的真实计算"),
               "training": ("a short training run on Fashion-MNIST", "在 Fashion-MNIST 上的短时间训练")}


# -- the book's text ----------------------------------------------------------------------

BOOK_SECTIONS = (("lenet", "LeNet"), ("batch_norm", "Batch Norm"), ("alexnet", "AlexNet"), ("vgg", "VGG"),
                 ("nin", "NiN"), ("googlenet", "GoogLeNet"), ("resnet", "ResNet"))
BOOK_END = "其他乱七八糟的东西"
CJK = re.compile(r"[\u4e00-\u9fff]")
# The book's text in tests/data has no part on the BatchNorm from scratch nor on DenseNet: their notebooks
# carry the kit's own summary of the book's section instead, marked as such.
KIT_SUMMARIES = {
    "batch_norm_scratch": [
        "（本节的书中摘录未收录这一部分；以下是本套件对书中 7.5 节从零实现批量规范化的概述，原文见 "
        "https://zh.d2l.ai/chapter_convolutional-modern/batch-norm.html 。）",
        "训练时，批量规范化层用当前小批量的均值和方差，对全连接层的每个特征（在批量维上）或卷积层的每个通道"
        "（在批量和所有像素上）做标准化，再用可学习的拉伸参数 gamma 和偏移参数 beta 缩放和移位。方差是小批量"
        "本身的方差（偏差平方的均值），eps 为 1e-5。同时，层用 moving = momentum * moving + (1 - momentum) * "
        "batch（momentum 为 0.9）维护均值和方差的移动平均；预测时改用移动平均，这样一张图片的输出不依赖同一批"
        "中的其他图片。书中用 torch.is_grad_enabled() 区分训练和预测。",
    ],
    "densenet": [
        "（本节的书中摘录未收录这一部分；以下是本套件对书中 7.7 节稠密连接网络的概述，原文见 "
        "https://zh.d2l.ai/chapter_convolutional-modern/densenet.html 。）",
        "ResNet 把输入与输出相加，DenseNet 则在通道维上把它们连结起来：稠密块中的每个卷积块都能看到块的输入和"
        "之前所有卷积块的输出，并增加 num_channels（增长率）个通道。卷积块采用改良的“批量规范化、激活、卷积”"
        "顺序。稠密块之间的过渡层用 1x1 卷积减少通道数，并用步幅为 2 的平均汇聚层把高和宽减半。书中的 DenseNet "
        "有 4 个稠密块，每块 4 个卷积块，增长率 32，输入为 96x96。",
    ],
}


LISTING = re.compile(r"(?:^|\s)1((?: \d+)*) (?=\D)")     # a code listing: its line numbers, then the code
# What of a listing the notebook holds: a definition (the student writes it in an answer cell) or the
# book's printing loop (its output is the notebook's table). Any other listing (a demonstration such as
# ``blk = Residual(3, 3); blk(X).shape``) is left out of the notebook with its output.
KEPT_CODE = re.compile(r"\bdef \w|\bclass \w|nn\.Sequential\s*\(|output shape")
SENTENCE_END = "。.!?！？)）"


def listing_code(line: str) -> str | None:
    """The code of a listing line of the book's text (``1 2 3 import torch...``), or None."""
    for match in LISTING.finditer(line):
        numbers = [1] + [int(n) for n in match.group(1).split()]
        if numbers == list(range(1, len(numbers) + 1)):
            return line[match.end():]
    return None


def is_lead_in(paragraph: str) -> bool:
    """A paragraph that leads into the code after it: it ends with a colon, or mid-sentence."""
    end = paragraph.rstrip()[-1:]
    return end in ":：" or end not in SENTENCE_END


def book_prose(text: str) -> dict[str, list[str]]:
    """The Chinese explanations of each network in the book's text (code listings and outputs left out).

    Adjacent prose lines (one paragraph broken by the scrape) are joined. A lead-in (a paragraph
    ending with a colon or mid-sentence) whose following listing the notebook does not hold (see
    ``KEPT_CODE``) is left out: it would introduce nothing.
    """
    lines = text.splitlines()
    starts, index = [], 0
    for module, heading in BOOK_SECTIONS:
        while not lines[index].startswith(heading + " "):
            index += 1
        starts.append((module, heading, index))
        index += 1
    end = next((i for i, line in enumerate(lines) if line.startswith(BOOK_END)), len(lines))
    prose: dict[str, list[str]] = {}
    for n, (module, heading, start) in enumerate(starts):
        stop = starts[n + 1][2] if n + 1 < len(starts) else end
        paragraphs, previous = [], None
        for i in range(start, stop):
            line = lines[i][len(heading):].strip() if i == start else lines[i].strip()
            if (not CJK.search(line) or re.search(r"\b1 2 3\b", line) or "output shape" in line
                    or "torch.Size(" in line):
                continue
            if previous == i - 1:
                paragraphs[-1] = (paragraphs[-1][0] + line, i)
            else:
                paragraphs.append((line, i))
            previous = i
        prose[module] = [p for p, last in paragraphs if not orphan_lead_in(p, lines[last + 1:stop])]
    return prose


def orphan_lead_in(paragraph: str, after: list[str]) -> bool:
    """Whether ``paragraph`` leads into a listing (the next line) that the notebook does not hold."""
    code = listing_code(after[0]) if after else None
    return code is not None and is_lead_in(paragraph) and not KEPT_CODE.search(code)


# -- the module as cells ------------------------------------------------------------------

def annotated_solution(module: str) -> str:
    """``solutions/<module>.py`` with the spec's notes added to its docstrings, as in ``exercises/``,
    and the solution markers kept (``stubgen.generate`` with the markers hidden from it)."""
    source = (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")
    if KEEP_BEGIN in source or KEEP_END in source:
        raise ValueError(f"solutions/{module}.py contains {KEEP_BEGIN!r}")
    text = stubgen.generate(source.replace(BEGIN, KEEP_BEGIN).replace(END, KEEP_END), module)
    header = stubgen.HEADER.format(name=f"{module}.py")
    if not text.startswith(header):
        raise ValueError("grader.stubgen.generate no longer starts with its HEADER")
    return text[len(header):].replace(KEEP_BEGIN, BEGIN).replace(KEEP_END, END)


def module_parts(module: str) -> tuple[str, list[tuple[str, str]]]:
    """(English docstring, [(name, code)]): the module split into its top-level code before the first
    definition (name ``""``) and one part per top-level function or class."""
    text = annotated_solution(module)
    tree = ast.parse(text)
    lines = text.splitlines()
    docstring = ast.get_docstring(tree) or ""
    body = tree.body[1:] if docstring else tree.body
    definitions = [n for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    names = [n.name for n in definitions]
    if names != list(NETWORKS[module].student_names):
        raise ValueError(f"solutions/{module}.py defines {names} at top level; the notebooks need exactly "
                         f"the spec's student_names {list(NETWORKS[module].student_names)}, in that order")
    starts = [(n.decorator_list[0].lineno if n.decorator_list else n.lineno) - 1 for n in definitions]
    for k, start in enumerate(starts):        # comment lines directly above a definition belong to it
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        starts[k] = start
    first = tree.body[1].lineno - 1 if docstring and len(tree.body) > 1 else 0
    bounds = [first] + starts + [len(lines)]
    parts = []
    for k in range(len(bounds) - 1):
        code = "\n".join(lines[bounds[k]:bounds[k + 1]]).strip("\n")
        parts.append(("" if k == 0 else names[k - 1], code))
    return docstring, parts


def solution_regions(text: str) -> list[str]:
    """The text of every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region, markers excluded."""
    return [m.group(1) for m in re.finditer(rf"{re.escape(BEGIN)}\n(.*?)\n[ \t]*{re.escape(END)}", text, re.S)]


def docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers (1-based) of the triple-quoted docstrings of a module, its classes and functions."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


TAG_COMMENT = re.compile(r"###|#\s*\[\w+\.py \d+/\d+\]")      # markers and tag lines stay whole


def same_words(tree: ast.AST) -> str:
    """``tree`` dumped with every string's whitespace made one space: equal for code whose docstrings
    were only wrapped."""
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = " ".join(node.value.split())
    return ast.dump(tree)


def fit_code(code: str, width: int = WIDTH) -> str:
    """``code`` with the text the kit writes in it (docstrings and whole-line comments) wrapped at
    ``width`` columns, as a notebook shows it; code and the solution regions are left as they are.

    A docstring line is broken at spaces and continued at its indentation; a comment goes on as a
    comment. Where the result would not parse as the original did, ``code`` is kept."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    quoted = docstring_lines(tree)
    out, solution = [], False
    for number, line in enumerate(code.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            solution = True
        elif stripped.startswith(END):
            solution = False
        if solution or display_width(line) <= width:
            out.append(line)
        elif number in quoted:
            out += wrap_line(line, width)
        elif stripped.startswith("#") and not TAG_COMMENT.match(stripped):
            indent = line[:len(line) - len(line.lstrip())]
            out += wrap_line(line, width, prefix=indent + re.match(r"#+\s*", stripped).group(0))
        else:
            out.append(line)
    fitted = "\n".join(out)
    try:
        same = same_words(ast.parse(fitted)) == same_words(tree)
    except SyntaxError:
        same = False
    return fitted if same else code


# -- the notebook ---------------------------------------------------------------------------

def cell_metadata(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def display_call(name: str, module: str) -> str:
    spec = NETWORKS[module]
    if name == spec.builder:
        return spec.call
    return name if name[:1].isupper() else f"{name}(...)"


def intro_markdown(module: str, docstring: str, prose: list[str], hidden_kinds: list[str], points: dict) -> str:
    spec = NETWORKS[module]
    names = ", ".join(f"`{display_call(n, module)}`" for n in spec.student_names)
    table = "\n".join(f"    {row.name} output shape: torch.Size({list(row.shape)})" for row in spec.table)
    printed = " ".join(line for line in stubgen.printed_by(spec) if line).replace("::", ":")
    book = "\n\n".join(f"> {p}" for p in prose) or "> （本节的书中摘录只有代码与输出，没有文字说明。）"
    total = sum(points[k] for k in hidden_kinds)
    rows = "\n".join(f"| {kind} | {KIND_TITLES[kind][0]} / {KIND_TITLES[kind][1]} | {points[kind]:g} |"
                     for kind in hidden_kinds)
    summary, _, details = docstring.partition("\n")
    section = editions.SECTIONS[module]
    return f"""# {spec.title} — 《动手学深度学习》{section.zh}节 / Dive into Deep Learning {section.en}

**In English.** {summary.strip()}

{details.strip()}

**书中的讲解（摘录）**

{book}

{printed}

{table}

Parameters (参数总数): {spec.params:,}

## What to do / 任务

Write {names} in the answer cells below: replace each `raise NotImplementedError(...)` with your
code. After each answer cell, run its visible-test cell (the same checks as
`exercises/test_{module}.py`). Only the code cells whose first line is a tag such as
`# [{module}.py 2/...]` form your `{module}.py` and are graded: keep those first lines, and put any
helper you need inside those cells (cells you add yourself are scratch space). Run a cell again
after you edit it.

在下方的答题单元中编写 {names}：把每个 `raise NotImplementedError(...)` 换成你的代码。每个答题单元之后
运行其公开测试单元（与 `exercises/test_{module}.py` 相同）。只有第一行带有 `# [{module}.py 2/...]`
这类标签的代码单元组成你的 `{module}.py` 并参与评分：请保留这些第一行，所需的辅助代码也写在这些单元里
（你自己添加的单元只是草稿）。修改单元后请重新运行它。

The hidden tests at the end run when your notebook is graded ({total:g} points):
结尾的隐藏测试在评分时运行（共 {total:g} 分）：

| kind | what is checked / 检查内容 | points |
|---|---|---|
{rows}
"""


def has_visible_tests(module: str, name: str) -> bool:
    spec = NETWORKS[module]
    return name == spec.builder or any(ex.call.split("(", 1)[0] == name for ex in spec.examples)


def comment(*texts: str) -> str:
    """``texts`` as comment lines of at most ``WIDTH`` columns."""
    return "\n".join(part for text in texts for part in wrap_line(f"# {text}", WIDTH, prefix="# "))


def call_source(function: str, args: list[str]) -> str:
    """``function(args...)`` on lines of at most ``WIDTH`` columns, continued under the first argument."""
    lines, current = [], f"{function}("
    for k, arg in enumerate(args):
        piece = arg + (", " if k < len(args) - 1 else ")")
        if display_width(current + piece.rstrip()) > WIDTH and current.strip() != f"{function}(":
            lines.append(current.rstrip())
            current = " " * (len(function) + 1)
        current += piece
    return "\n".join(lines + [current])


def visible_source(module: str, name: str, timeout: float) -> str:
    what = display_call(name, module)
    return (comment(f"Visible tests of {what} (as in exercises/test_{module}.py)", f"{what} 的公开测试") + "\n"
            "from d2lkit.jupyter.cells import visible_tests\n"
            + call_source("visible_tests", [repr(module), repr(name), f"timeout={timeout:g}"]))


def hidden_source(module: str, kind: str, points: float, options: dict) -> str:
    english, chinese = KIND_TITLES[kind]
    args = [repr(module), repr(kind), f"timeout={options['timeout']:g}", f"memory_mb={options['memory']}"]
    if kind == "training":
        args += [f"train_timeout={options['train_timeout']:g}", f"device={options['device']!r}"]
    if options.get("lang", "both") != "both":
        args.append(f"lang={options['lang']!r}")
    return (comment(f"Hidden tests: {english} ({points:g} point{'s' if points != 1 else ''}).",
                    "They run when your notebook is graded.", f"隐藏测试：{chinese}（{points:g} 分），评分时运行。")
            + "\n### BEGIN HIDDEN TESTS\n"
            "from d2lkit.jupyter.cells import hidden_check\n"
            + call_source("hidden_check", args) + "\n"
            "### END HIDDEN TESTS")


def build_notebook(module: str, hidden_kinds: list[str], options: dict, prose: list[str]) -> dict:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from ..checking.points import POINTS
    docstring, parts = module_parts(module)
    total = len(parts)
    cells = [new_markdown_cell(intro_markdown(module, docstring, prose, hidden_kinds, POINTS[module]),
                               metadata=cell_metadata(f"{module}_intro", locked=True))]
    for k, (name, code) in enumerate(parts, start=1):
        if not name:
            what = "imports and constants, read-only / 导入与常量（只读）"
            cells.append(new_code_cell(f"{tag_line(module, k, total, what)}\n{fit_code(code)}",
                                       metadata=cell_metadata(f"{module}_cell{k}", locked=True)))
            continue
        what = f"your answer: {display_call(name, module)} / 你的答案"
        cells.append(new_code_cell(f"{tag_line(module, k, total, what)}\n{fit_code(code)}",
                                   metadata=cell_metadata(f"{module}_{name}", solution=True)))
        if has_visible_tests(module, name):     # batch_norm (the function) has none: BatchNorm's test it
            cells.append(new_code_cell(visible_source(module, name, options["timeout"]),
                                       metadata=cell_metadata(f"{module}_{name}_visible", locked=True)))
    cells.append(new_markdown_cell(
        "## Hidden tests / 隐藏测试\n\nThe cells below are filled in and run when your notebook is graded; "
        "each is worth the points it names.\n\n以下单元在评分时填入并运行，每个单元的分值见其注释。",
        metadata=cell_metadata(f"{module}_hidden_intro", locked=True)))
    for kind in hidden_kinds:
        points = POINTS[module][kind]
        cells.append(new_code_cell(hidden_source(module, kind, points, options),
                                   metadata=cell_metadata(f"{module}_hidden_{kind}", grade=True, locked=True,
                                                          points=points)))
    for n, cell in enumerate(cells):       # stable ids: refreshing an unchanged course changes nothing
        cell["id"] = f"{module}-{n:02d}"
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY, "language": "python"},
        "language_info": {"name": "python"},
        GENERATOR: {"module": module, "generated_by": "python -m grader nbgrader"}})
    nbformat.validate(nb)
    return nb


# -- nbgrader's configuration ---------------------------------------------------------------

def cell_timeouts(options: dict) -> dict[str, int]:
    """Seconds the kernel may take: one cell (answers and visible tests: their time budget plus
    start-up; the grade cells do nothing in the kernel) and the whole notebook (every cell of the
    instructor's version at most, and as many again for the student's own cells, up to the cap)."""
    cell = int(options["timeout"] + 60)
    return {"cell": cell, "notebook": min(NOTEBOOK_CELLS * cell, NOTEBOOK_CAP)}


NOTEBOOK_CELLS = 12          # a course notebook has at most 7 code cells before its grade cells
NOTEBOOK_CAP = 1800


CONFIG = '''\
"""nbgrader configuration of the d2l CNN kit course.

Written by `python -m grader nbgrader {args}`; running that command again
rewrites this file. Put your own settings (course_id, exchange, ...) in
nbgrader_config_local.py next to it: it is loaded last and never touched.
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, GetGrades, IgnorePattern, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)

from grader.jupyter.execute import KitExecute
from grader.jupyter.regrade import QuietGradeCells
from grader.jupyter.submitted import KitNotebookExporter, RebuildFromSource, repair_timestamp

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "d2l_cnn"

# A submission is read whatever it holds, and only its answer cells' text is kept: the notebook
# is rebuilt on the instructor's version in source/ (ids, order, types, metadata) before nbgrader
# looks at it, so no notebook can stop the class or change how it is graded.
c.Autograde.exporter_class = KitNotebookExporter
c.Autograde.pre_convert_hook = repair_timestamp        # an unreadable timestamp.txt fails no one
c.Autograde.sanitize_preprocessors = [RebuildFromSource, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCells, CheckCellMetadata]

# The kernel: the course's ({kernel!r}, installed by `python -m grader nbgrader`), run in a sandbox
# by KitExecute whatever kernel a notebook names. No history file; one-line error messages; files
# next to the notebook cannot shadow modules; library warnings filtered at kernel start.
c.Execute.kernel_name = {kernel!r}
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShell.xmode=Minimal",
    "--InteractiveShellApp.ignore_cwd=True",
    "--IPKernelApp.exec_lines=import warnings; warnings.simplefilter('ignore')",
]

# Seconds: one cell, and the whole notebook in its kernel. The grade cells are graded outside the
# kernel afterwards ({timeout:g} s for the student's code, as much again for the reference, plus
# start-up; the training check {train_timeout:g} s, up to {train_cap}x that on a busy machine).
c.Execute.timeout = {cell}
c.KitExecute.notebook_timeout = {notebook}

# Autograde as nbgrader does, with the kit's Execute: the kernel sandboxed, then every grade cell
# graded by the kit outside it (a kernel that died still leaves its row, its cells at 0).
c.Autograde.autograde_preprocessors = [KitExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

# Feedback shows the hidden cells' messages but not their code, nor the number a grade cell of
# partial credit returns (its score is in the cell's heading).
c.GenerateFeedback.preprocessors = [GetGrades, QuietGradeCells, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

c.ClearSolutions.code_stub = {{"python": {stub!r}}}
# Deleted grade cells come back (and score 0 if the student's code fails them).
c.OverwriteCells.add_missing_cells = True

load_subconfig("nbgrader_config_local.py")  # noqa: F821
'''


def config_text(options: dict, args: str) -> str:
    times = cell_timeouts(options)
    return CONFIG.format(args=args, kernel=KERNEL_NAME, stub=CODE_STUB, timeout=options["timeout"],
                         train_timeout=options["train_timeout"], train_cap=TRAIN_BUDGET_CAP, **times)


def training_kinds(modules, device: str) -> tuple[dict[str, bool], list[str]]:
    """Which modules get a training cell on ``device``, and why the others do not."""
    from ..grade import training_plan_or_reason
    have, notes = {}, []
    for module in modules:
        plan, reason = training_plan_or_reason(module, device)
        have[module] = plan is not None
        if plan is None:
            notes.append(f"{module}: no training cell ({reason})")
    return have, notes


# -- the command ----------------------------------------------------------------------------

def write_course(course: Path, assignment: str, modules, options: dict, args: str = "") -> list[Path]:
    """Write the config and the notebooks; return what was written (the kernel is installed apart)."""
    from ..checking.points import KINDS
    course.mkdir(parents=True, exist_ok=True)
    folder = course / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    train_on, notes = (training_kinds(modules, options["device"]) if options["train"]
                       else ({m: False for m in modules}, []))
    prose = dict(KIT_SUMMARIES, **book_prose(BOOK_TEXT.read_text(encoding="utf-8")))
    written = []
    config = course / "nbgrader_config.py"
    config.write_text(config_text(options, args), encoding="utf-8")
    written.append(config)
    for module in modules:
        kinds = [k for k in KINDS if k != "training" or train_on[module]]
        nb = build_notebook(module, kinds, options, prose[module])
        path = folder / f"{module}.ipynb"
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    for stale in sorted(folder.glob("*.ipynb")):          # this command's notebooks of modules left out
        if stale.stem not in modules:
            try:
                owned = GENERATOR in json.loads(stale.read_text(encoding="utf-8")).get("metadata", {})
            except (OSError, ValueError):
                owned = False
            if owned:
                stale.unlink()
                notes.append(f"removed {stale.relative_to(course)} (module not selected)")
    for note in notes:
        print(f"nbgrader: {note}")
    return written


def git(folder: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None


def git_exposure(course: Path, assignment: str) -> str | None:
    """The warning to print when ``course`` is inside a git repository that does not ignore the files
    holding the solutions (nbgrader's ``gradebook.db``, the notebooks in ``source/``); None when it
    is not in a repository, git ignores them, or git cannot tell."""
    top = git(course, "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0 or not top.stdout.strip():
        return None
    root = Path(top.stdout.strip()).resolve()
    secret = ["gradebook.db", f"source/{assignment}/"]
    check = git(course, "check-ignore", "--no-index", *secret)
    if check is None or check.returncode not in (0, 1):
        return None
    ignored = {line.strip().rstrip("/") for line in check.stdout.splitlines()}
    exposed = [p for p in secret if p.rstrip("/") not in ignored]
    if not exposed:
        return None
    try:
        relative = course.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    entry = "/gradebook.db and /source/" if relative == "." else f"/{relative}/"
    return (f"nbgrader: warning: the course folder {course} is inside the git repository {root}, which does "
            f"not ignore {' nor '.join(exposed)} (nbgrader's gradebook and the source notebooks hold the "
            f"solutions): add {entry} to {root / '.gitignore'}, or put the course outside the repository")
