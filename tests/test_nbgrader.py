"""nbgrader: the course notebooks (``python -m grader nbgrader``) and the whole loop with real nbgrader.

Fast tests check the generated notebooks of all seven modules and how the
grade cells read the student's module from the kernel's input history.

The end-to-end test builds a course (LeNet only, no training cells, a 10 s
budget per network), runs ``nbgrader generate_assignment``, hands in one
notebook per test student, runs ``nbgrader autograde`` student by student
(timed), reads the scores from the gradebook and runs ``nbgrader
generate_feedback``. The students: the solution; the untouched release; an
invisible mutant of ``tests/corpus/mutants.py`` (right shapes and parameter
counts, wrong network); that mutant with every locked cell edited to
``pass``, one hidden grade cell deleted and a fake ``grader`` package handed in; the mutant whose
answer cell also replaces ``d2lkit.jupyter.cells.hidden_check`` in the kernel (a forger); an endless loop
in ``lenet()``; ``os._exit(0)`` in the answer cell (the kernel dies).
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader import visible
from grader.jupyter import cells, course, regrade
from grader.checking.points import KINDS, POINTS
from grader.spec import ALL_MODULES, MODULES, NETWORKS

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ASSIGNMENT = "ps1"
MODULE = "lenet"
TIMEOUT = 15          # seconds per network in the test course
STUDENTS = ("perfect", "untouched", "mutant", "tamper", "forger", "loop", "exit")


# -- the generated notebooks (no nbgrader run) ----------------------------------------------

OPTIONS = {"train": True, "device": "cpu", "timeout": 60.0, "train_timeout": 300.0, "memory": 3072}


@pytest.fixture(scope="module")
def prose():
    return course.book_prose(course.BOOK_TEXT.read_text(encoding="utf-8"))


def module_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code" and cells.TAG.match(c.source)]


@pytest.mark.parametrize("module", ALL_MODULES)
def test_notebook_matches_solution_spec_and_points(module, prose, tmp_path):
    kinds = [k for k in KINDS if k != "training"] + ["training"]
    prose = dict(course.KIT_SUMMARIES, **prose)      # the book's text in tests/data lacks the two new parts
    nb = nbformat.from_dict(course.build_notebook(module, kinds, OPTIONS, prose[module]))
    solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    answers = [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]
    # the solution cells hold exactly the solution regions that exercises/ stubs out, one per name
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == \
        [f"{module}_{name}" for name in NETWORKS[module].student_names]
    assert course.solution_regions("\n".join(c.source for c in answers)) == course.solution_regions(solution)
    stubs = (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
    assert len(re.findall(r"^\s+raise NotImplementedError\(", stubs, re.M)) == len(course.solution_regions(solution))
    # one locked grade cell per kind, worth that kind's points
    grades = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata["nbgrader"]["grade"]}
    assert {gid: c.metadata["nbgrader"]["points"] for gid, c in grades.items()} == \
        {f"{module}_hidden_{k}": POINTS[module][k] for k in kinds}
    for cell in grades.values():
        assert cell.metadata["nbgrader"]["locked"]
        assert "### BEGIN HIDDEN TESTS" in cell.source and "hidden_check(" in cell.source
        assert "hidden_check(" not in cell.source.split("### BEGIN HIDDEN TESTS")[0]
    # the book's explanation and the English summary are there
    intro = nb.cells[0].source
    assert NETWORKS[module].title in intro and "In English." in intro
    for paragraph in prose[module]:
        assert paragraph in intro
    # the module cells, run as the kernel would run them, give a module that passes the visible tests
    assembled = cells.assemble(module, module_cells(nb))
    assert not assembled.missing
    (tmp_path / f"{module}.py").write_text(assembled.source, encoding="utf-8")
    for case in visible.cases(module):
        visible.run(tmp_path, case)


def test_book_prose_is_chinese_text_without_code(prose):
    assert set(prose) == set(MODULES)
    for module, paragraphs in prose.items():
        for p in paragraphs:
            assert re.search(r"[\u4e00-\u9fff]", p) and "output shape" not in p and "import torch" not in p
    assert all(prose[m] for m in MODULES if m != "alexnet")      # the book's AlexNet part is code only


def test_config_is_valid_python_with_the_traps_handled():
    text = course.config_text(OPTIONS, "COURSE")
    compile(text, "nbgrader_config.py", "exec")
    for needed in ("c.Execute.kernel_name = 'd2l-cnn-kit'", "--InteractiveShell.xmode=Minimal", "ignore_cwd=True",
                   "warnings.simplefilter('ignore')", "ClearHiddenTests", "KitExecute", "KitNotebookExporter",
                   "RebuildFromSource"):
        assert needed in text
    assert "timeout_func" not in text          # no cell's time limit is read from a cell's text
    times = course.cell_timeouts(OPTIONS)
    assert times["cell"] < times["notebook"] <= course.NOTEBOOK_CAP
    from traitlets.config import Config
    config = Config()
    namespace = {"get_config": lambda: config, "load_subconfig": lambda name: None}
    exec(compile(text, "nbgrader_config.py", "exec"), namespace)
    assert config.Execute.kernel_name == course.KERNEL_NAME
    assert config.Execute.timeout == times["cell"] and config.KitExecute.notebook_timeout == times["notebook"]
    assert config.Autograde.autograde_preprocessors[0].__name__ == "KitExecute"
    assert config.Autograde.sanitize_preprocessors[0].__name__ == "RebuildFromSource"
    assert config.Autograde.exporter_class.__name__ == "KitNotebookExporter"


def test_no_student_text_chooses_a_time_limit():
    """Every cell gets the configured limit, a grade cell's text or a comment naming training included,
    and no cell runs past the notebook's budget."""
    from traitlets.config import Config
    from grader.jupyter.execute import KitExecute
    config = Config()
    config.Execute.timeout = 75
    config.KitExecute.notebook_timeout = 600
    execute = KitExecute(config=config)
    execute.deadline = time.monotonic() + 600
    sources = ["pass", course.hidden_source("lenet", "training", 1, OPTIONS),
               "# hidden_check('lenet', 'training')\nimport time; time.sleep(1000)",
               "'training' # hidden_check( " * 50]
    assert {execute._get_timeout(nbformat.v4.new_code_cell(s)) for s in sources} == {75}
    execute.deadline = time.monotonic() + 20
    assert execute._get_timeout(nbformat.v4.new_code_cell(sources[2])) <= 20


def fake_report(*results):
    return {"results": [{"module": "lenet", "kind": kind, "name": f"check {n}", "max_score": points,
                         "score": points if status == "passed" else 0.0, "status": status,
                         "output": "" if status == "passed" else "expected X, found Y at lenet.py line 8"}
                        for n, (kind, points, status) in enumerate(results)]}


def test_grade_kind_scoring(monkeypatch):
    sources = [cells.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
               cells.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    pass"]
    student = lambda: regrade.module_from_cells("lenet", sources)      # noqa: E731
    report = fake_report(("structure", 1.5, "passed"), ("structure", 1.5, "failed"), ("shapes", 2, "passed"),
                         ("behaviour", 1, "failed"), ("behaviour", 1, "failed"),
                         ("training", 0, "skipped"))
    calls = []
    monkeypatch.setattr(regrade, "grade_in_child", lambda *args: calls.append(args) or report)
    monkeypatch.setattr(regrade, "REPORTS", {})
    text, score = regrade.grade_kind("lenet", "shapes", student)
    assert score is None and "✓ [2/2] check 2" in text                             # full points
    text, score = regrade.grade_kind("lenet", "structure", student)
    line = 8 - student().starts[2] + 1                                # the report's lenet.py line 8, in the cell
    assert score == 1.5 and "1.5 / 3 points" in text and f"(cell [lenet.py 2/2], line {line})" in text  # partial
    text, score = regrade.grade_kind("lenet", "behaviour", student)
    assert score == 0 and "0 / 2 points" in text and "expected X, found Y" in text  # nothing earned
    assert len(calls) == 1                                                          # graded once, kept
    text, score = regrade.grade_kind("lenet", "training", student)
    assert score == 0 and "could not run on the grading machine" in text
    assert len(calls) == 2 and calls[1][2] is True                                  # training: its own run
    monkeypatch.setattr(regrade, "grade_in_child", lambda *args: {"broken": "no reference"})
    sources[1] += "\n# edited"
    text, score = regrade.grade_kind("lenet", "shapes", student)
    assert score == 0 and "the grader could not run: no reference" in text


def test_regrade_grades_every_grade_cell_from_the_answer_cells_whatever_the_kernel_said(monkeypatch):
    from nbgrader.utils import determine_grade
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    report = fake_report(("structure", 1.5, "passed"), ("structure", 1.5, "failed"), ("shapes", 2, "passed"),
                         ("behaviour", 2, "failed"), ("params", 1, "failed"))
    graded = []
    monkeypatch.setattr(regrade, "grade_in_child", lambda module, source, *args: graded.append(source) or report)
    monkeypatch.setattr(regrade, "REPORTS", {})
    forged = new_output("stream", name="stdout", text="all passed, honestly\n")

    def grade_cell(kind, points, ran=True):
        cell = new_code_cell(course.hidden_source("lenet", kind, points, OPTIONS), outputs=[forged],
                             execution_count=7 if ran else None)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": points, "grade_id": kind,
                                     "locked": True}
        return cell
    imports = new_code_cell(cells.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn")
    imports.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "grade_id": "lenet_cell1"}
    answer = new_code_cell("def lenet():\n    pass")          # its tag line deleted, never run
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": "lenet_lenet"}
    scratch = new_code_cell("def lenet():\n    return 'a scratch cell, not the module'", execution_count=3)
    nb = new_notebook(cells=[imports, scratch, answer, grade_cell("shapes", 2), grade_cell("structure", 3),
                             grade_cell("behaviour", 2), grade_cell("params", 1, ran=False)])
    unreadable = grade_cell("property", 1)
    unreadable.source = "hidden_check('lenet', kind)"
    nb.cells.append(unreadable)
    assert regrade.regrade(nb, "lenet") == 5
    assert [determine_grade(c)[0] for c in nb.cells[3:]] == [2, 1.5, 0, 0, 0]  # full, partial, none, ran or not
    assert len(graded) == 1 and "def lenet():\n    pass" in graded[0] and "scratch" not in graded[0]
    assert "expected X, found Y" in nb.cells[5].outputs[0]["evalue"] + "".join(nb.cells[5].outputs[0]["traceback"])
    assert "cannot be read by the grader" in nb.cells[7].outputs[0]["evalue"]
    assert regrade.hidden_call("hidden_check('lenet', kind)") is None
    assert regrade.hidden_call("hidden_check('lenet', 'shapes', evil=1)") is None


def test_assemble_takes_the_latest_run_of_each_module_cell():
    first = cells.tag_line("vgg", 1, 3, "imports") + "\nfrom torch import nn"
    old = cells.tag_line("vgg", 2, 3, "answer") + "\ndef vgg_block():\n    return 1"
    new = cells.tag_line("vgg", 2, 3, "answer") + "\ndef vgg_block():\n    return 2"
    untagged = "%time x = 1\ndef vgg(arch):\n    !ls\n    return arch"     # tag line deleted by the student
    scratch = "print(vgg_block())"
    got = cells.assemble("vgg", [first, old, scratch, new, untagged, scratch],
                            {2: "vgg_block", 3: "vgg"})
    assert not got.missing
    assert "return 2" in got.source and "return 1" not in got.source and "print(" not in got.source
    assert "pass  # IPython only: %time x = 1" in got.source
    assert "    pass  # IPython only: !ls" in got.source
    compile(got.source, "vgg.py", "exec")
    line = got.source.splitlines().index("    return 2") + 1
    in_cell = new.splitlines().index("    return 2") + 1
    assert got.where(line) == f"cell [vgg.py 2/3], line {in_cell}"
    assert cells.locate_lines(f"at vgg.py line {line}: return 2", "vgg", got) == \
        f"at vgg.py line {line} (cell [vgg.py 2/3], line {in_cell}): return 2"
    assert cells.assemble("vgg", [first, scratch], {2: "vgg_block", 3: "vgg"}).missing == [2, 3]


def test_visible_tests_report_failures_without_frames(monkeypatch):
    inputs = [cells.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
             cells.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    return nn.Sequential(nn.Flatten())"]
    monkeypatch.setattr(cells, "kernel_inputs", lambda: inputs)
    with pytest.raises(cells.CheckFailed) as failure:
        cells.visible_tests("lenet", "lenet", timeout=30)
    lines = failure.value._render_traceback_()
    assert max(cells.display_width(line) for line in lines) <= cells.WIDTH       # wrapped to the notebook
    text = " ".join("\n".join(lines).split())
    assert "2 of 2 visible test(s) of lenet failed" in text and "differs from the book" in text
    assert "Traceback" not in text and "grader/" not in text
    inputs[1] = cells.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    while True:\n        pass"
    started = time.monotonic()
    with pytest.raises(cells.CheckFailed, match="timed out"):
        cells.visible_tests("lenet", "lenet", timeout=1)
    assert time.monotonic() - started < 10


def test_visible_tests_of_an_early_cell_need_not_wait_for_later_cells(monkeypatch, capsys):
    _, parts = course.module_parts("resnet")
    inputs = [cells.tag_line("resnet", k, len(parts), "x") + "\n" + code
             for k, (name, code) in enumerate(parts, start=1)]
    monkeypatch.setattr(cells, "kernel_inputs", lambda: inputs[:2])       # imports and Residual only
    cells.visible_tests("resnet", "Residual")
    assert "All 2 visible test(s) of Residual passed" in capsys.readouterr().out
    with pytest.raises(cells.CheckFailed, match=r"\[resnet.py 3/4\]"):
        cells.visible_tests("resnet", "resnet_block")


def test_command_rejects_unknown_modules(tmp_path):
    result = subprocess.run([sys.executable, "-m", "grader", "nbgrader", str(tmp_path / "c"), "--only", "lenet,foo"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "foo" in result.stderr


# -- end to end with nbgrader ----------------------------------------------------------------

def nbgrader_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"      # nbgrader needs alembic on PATH
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        (home / name).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / name)
    return env


def nbgrader(env, course_dir, *args, timeout=600):
    result = subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=course_dir, env=env,
                            capture_output=True, text=True, timeout=timeout)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Exception while loading config file" not in log, log[-3000:]
    return log


def fill_answers(release, source):
    """The release notebook with the source notebook's answer cells (a student who solved it)."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def answer_cell(nb, name="lenet"):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{MODULE}_{name}")


def invisible_mutant():
    """An invisible LeNet mutant; preferably the one that fails one of the two behaviour checks
    (partial credit inside a kind)."""
    from tests.corpus.mutants import MUTANTS
    candidates = [m for m in MUTANTS if m.module == MODULE and m.invisible]
    return next((m for m in candidates if m.id == "lenet-flatten-mixes-batch"), candidates[0])


FORGERY = ("import d2lkit.jupyter.cells as kit\n"       # (spelt so that the feedback test's word stays unique)
           "setattr(kit, 'hidden_' + 'check', lambda *args, **kwargs: print('all passed'))   # every grade cell 'passes'")


def submissions(release, source) -> dict[str, nbformat.NotebookNode]:
    mutant = invisible_mutant()
    subs = {"perfect": fill_answers(release, source), "untouched": release}
    nb = fill_answers(release, source)
    cell = answer_cell(nb)
    assert (cell.source + "\n").count(mutant.old) == 1
    cell.source = (cell.source + "\n").replace(mutant.old, mutant.new).rstrip("\n")
    subs["mutant"] = nb
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for c in nb.cells:                  # every locked cell edited to `pass`, one grade cell deleted
        if c.cell_type == "code" and c.metadata["nbgrader"].get("locked"):
            c.source = "pass"
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"].get("grade_id") != f"{MODULE}_hidden_behaviour"]
    subs["tamper"] = nb
    nb = nbformat.from_dict(json.loads(json.dumps(subs["mutant"])))
    forgery = nbformat.v4.new_code_cell(FORGERY)        # a cell of the student's own, not part of the module
    nb.cells.insert(nb.cells.index(answer_cell(nb)) + 1, forgery)
    subs["forger"] = nb
    nb = fill_answers(release, source)
    cell = answer_cell(nb)
    cell.source = cell.source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    while True:\n        pass", 1)
    subs["loop"] = nb
    nb = fill_answers(release, source)
    answer_cell(nb).source += "\n\nimport os\nos._exit(0)\n"
    subs["exit"] = nb
    return subs


# A cell of the student's own that makes the kernel answer every grade cell "ok" without running it
# and with no execution count: the grade cells then have no output (nbgrader's "full points").
FORGED_COUNT = """\
kernel = get_ipython().kernel
original = kernel.do_execute
async def answer_ok(code, *args, **kwargs):
    if "hidden_" + "check" in code or "BEGIN HIDDEN" in code:
        return {"status": "ok", "execution_count": None, "user_expressions": {}, "payload": []}
    result = original(code, *args, **kwargs)
    return await result if hasattr(result, "__await__") else result
kernel.do_execute = answer_ok"""


def intrusion(course_dir: Path) -> str:
    """A cell of the student's own that tries to rewrite the kit and read the instructor's files."""
    writes = [ROOT / "grader" / "grade.py", ROOT / "solutions" / f"{MODULE}.py", course_dir / "gradebook.db"]
    reads = [course_dir / "source" / ASSIGNMENT / f"{MODULE}.ipynb", course_dir / "gradebook.db",
             ROOT / "solutions" / f"{MODULE}.py", course_dir / "submitted" / "perfect" / ASSIGNMENT / f"{MODULE}.ipynb"]
    # the paths as their parts: the feedback test looks for the kit's folder names in every feedback
    return ("import os\n"
            f"for parts in {[p.parts for p in writes]!r}:\n"
            "    path = os.path.join(*parts)\n"
            "    try:\n        open(path, 'a').write('# changed by a student')\n        print('WROTE', path)\n"
            "    except OSError as error:\n        print('could not write', type(error).__name__)\n"
            f"for parts in {[p.parts for p in reads]!r}:\n"
            "    path = os.path.join(*parts)\n"
            "    try:\n        print('READ', open(path, 'rb').read(3000))\n"
            "    except OSError as error:\n        print('could not read', type(error).__name__)\n"
            f"import glob\nplaces = ['/work', '/root', '/home', '/tmp', '/srv', '/opt', '/var', {str(ROOT.parent)!r}]\n"
            "print('FOUND', [p for base in places for p in glob.glob(base + '/**/solutions/*.py', recursive=True)])\n"
            "print('UID', os.getuid())\n"
            "import ctypes, platform\nlib = ctypes.CDLL(None, use_errno=True)\n"      # add_key into the user keyring
            "number = {'x86_64': 248, 'aarch64': 217}[platform.machine()]\n"
            "print('KEYRING', lib.syscall(number, b'user', b'd2l', b'x', 1, -4), ctypes.get_errno())")


def hostile(release, source, course_dir: Path) -> dict[str, nbformat.NotebookNode | bytes]:
    """Notebooks nbgrader itself trusts too much (graded as one class, by one ``nbgrader autograde``)."""
    subs = {}
    nb = nbformat.from_dict(json.loads(json.dumps(release)))          # a stub that forges its grade cells
    nb.cells.insert(1, nbformat.v4.new_code_cell(FORGED_COUNT))
    subs["forged_count"] = nb
    nb = nbformat.from_dict(json.loads(json.dumps(release)))          # a stub whose grade cells are skipped
    for cell in nb.cells:
        cell.metadata.setdefault("tags", []).append("skip-execution")
    subs["tagged"] = nb
    nb = nbformat.from_dict(json.loads(json.dumps(release)))          # a stub that attacks the machine
    nb.cells.insert(1, nbformat.v4.new_code_cell(intrusion(course_dir)))
    subs["intruder"] = nb
    subs["bad_json"] = b'{"cells": [ this is not JSON'
    nb = fill_answers(release, source)                                # correct, metadata of another schema
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["schema_version"] = 99
    subs["schema"] = nb
    nb = fill_answers(release, source)                                # correct, one cell copied by mistake
    copied = nbformat.from_dict(json.loads(json.dumps(answer_cell(nb))))
    copied.id = "copied-by-the-student"
    nb.cells.insert(nb.cells.index(answer_cell(nb)), copied)
    subs["duplicate"] = nb
    subs["nbformat3"] = nbformat.writes(nbformat.convert(fill_answers(release, source), 3)).encode()
    subs["symlink"] = course_dir / "source" / ASSIGNMENT / f"{MODULE}.ipynb"    # the instructor's, solutions and all
    subs["bad_timestamp"] = fill_answers(release, source)             # correct, timestamp.txt unreadable
    return subs


HOSTILE = ("forged_count", "tagged", "intruder", "bad_json", "schema", "duplicate", "nbformat3", "symlink",
           "bad_timestamp")


def kit_digest() -> dict[str, str]:
    """sha256 of every file of the kit's code and solutions."""
    import hashlib
    return {str(path.relative_to(ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in ("grader", "solutions", "exercises") for path in sorted((ROOT / folder).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """Run the whole loop once; the tests below read what it left."""
    base = tmp_path_factory.mktemp("nbgrader")
    course_dir = base / "course"
    env = nbgrader_env(base / "home")
    times = {}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "grader", "nbgrader", str(course_dir), "--assignment", ASSIGNMENT,
                             "--only", MODULE, "--no-train", "--timeout", str(TIMEOUT)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    times["build course"] = time.monotonic() - started
    started = time.monotonic()
    nbgrader(env, course_dir, "generate_assignment", ASSIGNMENT)
    times["generate_assignment"] = time.monotonic() - started
    release = nbformat.read(course_dir / "release" / ASSIGNMENT / f"{MODULE}.ipynb", 4)
    source = nbformat.read(course_dir / "source" / ASSIGNMENT / f"{MODULE}.ipynb", 4)
    for student, nb in submissions(release, source).items():
        folder = course_dir / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{MODULE}.ipynb")
    fake = course_dir / "submitted" / "tamper" / ASSIGNMENT / "grader"     # handed in next to the notebook
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "notebook.py").write_text("def hidden_check(*args, **kwargs):\n    return None\n"
                                      "def visible_tests(*args, **kwargs):\n    return None\n")
    fake = course_dir / "submitted" / "tamper" / ASSIGNMENT / "d2lkit"     # and the student package too
    fake.mkdir()
    (fake / "__init__.py").write_text("raise SystemExit('a fake d2lkit')\n")
    logs = {}
    before = kit_digest()
    for student in STUDENTS:
        started = time.monotonic()
        logs[student] = nbgrader(env, course_dir, "autograde", ASSIGNMENT, "--student", student)
        times[f"autograde {student}"] = time.monotonic() - started
    for student, nb in hostile(release, source, course_dir).items():
        folder = course_dir / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(nb, Path):
            (folder / f"{MODULE}.ipynb").symlink_to(nb)
        else:
            (folder / f"{MODULE}.ipynb").write_bytes(nb if isinstance(nb, bytes) else nbformat.writes(nb).encode())
    (course_dir / "submitted" / "bad_timestamp" / ASSIGNMENT / "timestamp.txt").write_text("handed in on time!")
    started = time.monotonic()
    logs["class"] = nbgrader(env, course_dir, "autograde", ASSIGNMENT)      # the whole class: exit 0
    times["autograde the hostile ones"] = time.monotonic() - started
    after = kit_digest()
    started = time.monotonic()
    nbgrader(env, course_dir, "generate_feedback", ASSIGNMENT)
    times["generate_feedback"] = time.monotonic() - started
    nbgrader(env, course_dir, "export")
    print("\n" + "\n".join(f"{name:<24} {seconds:6.1f} s" for name, seconds in times.items()))
    return {"course": course_dir, "times": times, "logs": logs, "release": release, "kit": (before, after)}


@pytest.fixture(scope="module")
def scores(loop):
    """{student: {kind: score}} from the gradebook, plus the notebook total under 'total'."""
    from nbgrader.api import Gradebook
    table = {}
    with Gradebook(f"sqlite:///{loop['course'] / 'gradebook.db'}") as gb:
        for student in STUDENTS + HOSTILE:
            nb = gb.find_submission_notebook(MODULE, ASSIGNMENT, student)
            row = {g.name.removeprefix(f"{MODULE}_hidden_"): g.score for g in nb.grades}
            row["total"] = nb.score
            table[student] = row
    kinds = [k for k in KINDS if k != "training"]
    print("\nstudent    " + " ".join(f"{k:>9}" for k in kinds) + "     total")
    for student, row in table.items():
        print(f"{student:<12} " + " ".join(f"{row[k]:>9g}" for k in kinds) + f" {row['total']:>9g}")
    return table


@pytest.fixture(scope="module")
def command_line_mutant(tmp_path_factory):
    """The mutant's points per kind, as ``python -m grader grade`` scores them."""
    from grader.grade import grade_submission
    from grader.sandbox import Limits
    from tests.corpus.mutants import materialize
    folder = materialize(invisible_mutant(), tmp_path_factory.mktemp("mutant"))
    report = grade_submission(folder, (MODULE,), train=False, limits=Limits(timeout=60))
    points = {}
    for r in report.results:
        points[r.kind] = points.get(r.kind, 0) + r.score
    return points


FULL = {k: v for k, v in POINTS[MODULE].items() if k != "training"}


def test_release_has_no_solution_no_hidden_test_no_grader_file(loop):
    release_dir = loop["course"] / "release" / ASSIGNMENT
    assert sorted(p.name for p in release_dir.rglob("*") if p.is_file()) == [f"{MODULE}.ipynb"]
    text = (release_dir / f"{MODULE}.ipynb").read_text(encoding="utf-8")
    solution = (ROOT / "solutions" / f"{MODULE}.py").read_text(encoding="utf-8")
    for region in course.solution_regions(solution):
        for line in region.splitlines():
            if len(line.strip()) >= 12:
                assert json.dumps(line.strip())[1:-1] not in text, line
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "hidden_check"):
        assert secret not in text


def test_solution_scores_full_marks(scores):
    assert {k: scores["perfect"][k] for k in FULL} == FULL
    assert scores["perfect"]["total"] == sum(FULL.values())


def test_untouched_release_scores_zero(scores):
    assert scores["untouched"]["total"] == 0


def test_mutant_loses_exactly_the_command_line_points(scores, command_line_mutant):
    assert 0 < scores["mutant"]["total"] < sum(FULL.values())
    assert scores["mutant"]["shapes"] == FULL["shapes"] and scores["mutant"]["params"] == FULL["params"]
    assert {k: scores["mutant"][k] for k in FULL} == pytest.approx(command_line_mutant)
    partial = [k for k in FULL if 0 < scores["mutant"][k] < FULL[k]]
    assert partial == [k for k in FULL if 0 < command_line_mutant[k] < FULL[k]]    # nbgrader's partial credit


def test_tampering_is_undone(scores, loop):
    assert scores["tamper"] == scores["mutant"]
    graded = nbformat.read(loop["course"] / "autograded" / "tamper" / ASSIGNMENT / f"{MODULE}.ipynb", 4)
    assert not [c for c in graded.cells if c.cell_type == "code" and c.source.strip() == "pass"]


def test_forging_the_grade_cells_in_the_kernel_changes_nothing(scores, loop):
    assert scores["forger"] == scores["mutant"] and scores["mutant"]["total"] < scores["perfect"]["total"]
    graded = nbformat.read(loop["course"] / "autograded" / "forger" / ASSIGNMENT / f"{MODULE}.ipynb", 4)
    forgery = next(c for c in graded.cells if c.source == FORGERY)
    assert forgery.get("execution_count") and not [o for o in forgery.outputs if o.output_type == "error"]


def test_endless_loop_scores_zero_in_bounded_time(scores, loop):
    assert scores["loop"]["total"] == 0
    limits = course.cell_timeouts({"timeout": TIMEOUT, "train_timeout": 0})
    assert loop["times"]["autograde loop"] < limits["cell"] + regrade.child_budget(TIMEOUT, False, 0)
    graded = (loop["course"] / "autograded" / "loop" / ASSIGNMENT / f"{MODULE}.ipynb").read_text(encoding="utf-8")
    assert "timed out" in graded


def test_os_exit_gives_a_clear_zero_row(scores, loop):
    assert set(scores["exit"]) == set(FULL) | {"total"}            # a row for every grade cell
    assert scores["exit"]["total"] == 0
    skip_without_a_sandbox()
    graded = (loop["course"] / "autograded" / "exit" / ASSIGNMENT / f"{MODULE}.ipynb").read_text(encoding="utf-8")
    assert "KernelDied" in graded and "os._exit" in graded
    grades = (loop["course"] / "grades.csv").read_text(encoding="utf-8")
    assert re.search(rf"^{ASSIGNMENT},.*,exit,.*", grades, re.M)


def test_no_grade_cell_wrote_to_stderr(loop):
    for student in STUDENTS + HOSTILE:
        nb = nbformat.read(loop["course"] / "autograded" / student / ASSIGNMENT / f"{MODULE}.ipynb", 4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.outputs if o.get("name") == "stderr"], (student, cell.outputs)


def grader_source_lines(release) -> set[str]:
    """Lines of grader/ (30 characters or more) that are not also public: in the released notebook
    (its text is written by grader/jupyter/course.py), the solutions, the stubs or the student package."""
    public = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    for folder in ("solutions", "exercises"):
        for path in (ROOT / folder).glob("*.py"):
            public |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    from grader.release import student_package
    for text in student_package().values():                 # what students have anyway (d2lkit)
        public |= {line.strip() for line in text.splitlines()}
    lines = set()
    for path in (ROOT / "grader").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 30 and line.strip() not in public:
                lines.add(line.strip())
    return lines


def test_feedback_leaks_no_hidden_test_and_no_grader_source(loop):
    feedback = sorted((loop["course"] / "feedback").rglob("*.html"))
    assert {p.parent.parent.name for p in feedback} == set(STUDENTS + HOSTILE)
    hidden = grader_source_lines(loop["release"])
    for path in feedback:
        text = html_text(path)
        for secret in ("hidden_check", "HIDDEN TESTS", "grader/", "grader.grade", "Traceback (most recent",
                       'File "', ".py\", line"):
            assert secret not in text, (path, secret)
        leaked = [line for line in hidden if line in text]
        assert not leaked, (path, leaked[:3])
    mutant = html_text(loop["course"] / "feedback" / "mutant" / ASSIGNMENT / f"{MODULE}.html")
    mutant = " ".join(mutant.split())                                          # lines wrapped at the width
    assert "✗" in mutant and "every operation as in the book" in mutant      # the check's message is shown


def html_text(path: Path) -> str:
    """The text of an HTML file, without its styles and scripts."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|script)\b.*?</\1>", "", raw, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


# -- in a browser: the pages fit the window -------------------------------------------------------

from tests.browser import chromium, overflowing  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the tests below; they skip, saying why, without chromium or selenium."""
    with chromium() as driver:
        yield driver

# A small laptop's window: nbgrader's feedback then gives code and messages about 880 px, the
# notebooks about 885 px: some 100 characters of 14 px monospace (the kit wraps its text at
# cells.WIDTH = 79 columns, a CJK character counting two).
NARROW_WINDOW = (1024, 900)

# Boxes of code or text that scroll sideways inside the page: ``overflowing`` leaves them out (a box
# that scrolls is meant to hold wider content), but a message or a docstring read by scrolling
# sideways is what the kit's wrapping is for.
SIDEWAYS_SCRIPT = """
const found = [];
for (const el of document.querySelectorAll(
        "pre, .input_area, .output_area, .output_subarea, .jp-InputArea-editor, .jp-OutputArea-output")) {
    if (el.scrollWidth > el.clientWidth + 1) {
        const words = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
        found.push(el.tagName.toLowerCase() + "." + el.className.split(" ").join(".") + ' "' + words
                   + '": ' + el.scrollWidth + "px wide in a " + el.clientWidth + "px box");
    }
}
return found;
"""


def page_problems(driver, page: Path) -> list[str]:
    """What sticks out of the window, or scrolls sideways, in ``page`` at ``NARROW_WINDOW``."""
    driver.set_window_size(*NARROW_WINDOW)
    driver.get(page.as_uri())
    return overflowing(driver) + driver.execute_script(SIDEWAYS_SCRIPT)


def test_feedback_fits_the_window_with_marks_that_match_the_points(loop, browser):
    """Every student's feedback of the real nbgrader run, in a real browser: nothing wider than the
    window, no box to scroll sideways; a grade cell shows no stray value (``Out[...]: 1.5``), a check
    marked ✓ earned its points and one marked ✗ lost some."""
    pages = sorted((loop["course"] / "feedback").rglob("*.html"))
    assert {p.parent.parent.name for p in pages} == set(STUDENTS + HOSTILE)
    # the code of the cells some students add themselves is theirs, long lines and all
    theirs = tuple(" ".join(source.split())[:30] for source in (FORGERY, FORGED_COUNT, intrusion(loop["course"])))
    problems = {p.parent.parent.name: [found for found in page_problems(browser, p)
                                       if not any(f'"{start}' in found for start in theirs)] for p in pages}
    assert not {student: found for student, found in problems.items() if found}
    for page in pages:
        text = html_text(page)
        assert not re.search(r"Out\[\d*\]", text), page
        for mark, earned, most in re.findall(r"([✓✗]) \[([\d.]+)/([\d.]+)\]", text):
            assert (mark == "✓") == (float(earned) >= float(most) > 0) or (mark, earned, most) == ("✗", "0", "0"), page
    mutant = html_text(loop["course"] / "feedback" / "mutant" / ASSIGNMENT / f"{MODULE}.html")
    assert re.search(r"✗ \[0/[\d.]+\]", mutant) and re.search(r"✓ \[[\d.]+/[\d.]+\]", mutant)


def test_every_notebook_fits_the_window(tmp_path, browser):
    """Every module's notebook as students get it (nbgrader's ClearSolutions), rendered by nbconvert as
    JupyterLab shows it, in a real browser: no line of a code cell wider than the window."""
    from nbconvert import HTMLExporter
    from nbgrader.preprocessors import ClearSolutions
    prose = dict(course.KIT_SUMMARIES, **course.book_prose(course.BOOK_TEXT.read_text(encoding="utf-8")))
    problems = {}
    for module in ALL_MODULES:
        nb = nbformat.from_dict(course.build_notebook(module, list(KINDS), OPTIONS, prose[module]))
        nb, _ = ClearSolutions(code_stub={"python": course.CODE_STUB}).preprocess(nb, {})
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        page = tmp_path / f"{module}.html"
        page.write_text(body, encoding="utf-8")
        problems[module] = page_problems(browser, page)
    assert not {module: found for module, found in problems.items() if found}


def test_autograde_wall_time(loop):
    for student in STUDENTS:
        assert loop["times"][f"autograde {student}"] < 240, loop["times"]


# -- what nbgrader alone would trust -------------------------------------------------------------

def autograded(loop, student) -> str:
    return (loop["course"] / "autograded" / student / ASSIGNMENT / f"{MODULE}.ipynb").read_text(encoding="utf-8")


def test_stubs_score_zero_whatever_their_cells_do(scores):
    for student in ("untouched", "forged_count", "tagged", "intruder", "bad_json", "symlink"):
        assert scores[student]["total"] == 0, (student, scores[student])


def test_the_grade_comes_from_the_kits_regrade(loop):
    assert "Graded 5 grade cell(s) outside the kernel" in loop["logs"]["class"]
    graded = nbformat.reads(autograded(loop, "forged_count"), 4)
    for cell in graded.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            assert [o for o in cell.outputs if o.output_type == "error"], cell.outputs     # every grade cell: 0


def skip_without_a_sandbox():
    from grader.jupyter.kernel import sandbox_unavailable
    why = sandbox_unavailable()
    if why:
        pytest.skip(f"the notebooks' kernel cannot be sandboxed on this machine ({why}): autograde does not "
                    "run the notebooks here, so there is no kernel output to check (run the tests as root "
                    "with bubblewrap installed)")


def test_the_kernel_can_neither_change_the_kit_nor_read_the_course(loop):
    before, after = loop["kit"]
    assert before == after
    skip_without_a_sandbox()
    graded = nbformat.reads(autograded(loop, "intruder"), 4)
    cell = next(c for c in graded.cells if "could not write" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "could not write" in text and "could not read" in text, cell.outputs
    assert "WROTE" not in text and "READ" not in text and "FOUND []" in text
    assert "UID 0" not in text
    assert "KEYRING -1 1" in text                   # EPERM: the sandbox's seccomp filter
    text = autograded(loop, "intruder")
    for line in course.solution_regions((ROOT / "solutions" / f"{MODULE}.py").read_text(encoding="utf-8"))[0].splitlines():
        if len(line.strip()) >= 12:
            assert line.strip() not in text


def test_one_bad_notebook_never_stops_the_class(scores, loop):
    """One ``nbgrader autograde`` for the whole class: a notebook nbgrader cannot read, one with
    another schema version, a copied cell, nbformat 3, a symbolic link to the instructor's notebook,
    an unreadable timestamp.txt; each gets its honest marks and a note."""
    perfect = scores["perfect"]["total"]
    honest = ("schema", "duplicate", "nbformat3", "bad_timestamp")
    assert {s: scores[s]["total"] for s in honest} == dict.fromkeys(honest, perfect)
    assert scores["bad_json"]["total"] == 0
    assert "could not be read (the file is not valid JSON" in autograded(loop, "bad_json")
    assert "appears 2 times: the last one was graded" in autograded(loop, "duplicate")
    assert "it is a symbolic link, not a notebook" in autograded(loop, "symlink")


def test_the_maximum_is_the_same_for_every_student(loop):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{loop['course'] / 'gradebook.db'}") as gb:
        maxima = {s: gb.find_submission_notebook(MODULE, ASSIGNMENT, s).max_score for s in STUDENTS + HOSTILE}
    assert set(maxima.values()) == {sum(FULL.values())}, maxima


# -- a whole course, with training -----------------------------------------------------------------

@pytest.fixture(scope="module")
def full_course(tmp_path_factory):
    """The seven networks with the default options (training cells for the networks that train on a
    CPU), the solutions handed in by one student, graded by one ``nbgrader autograde`` (about 100 s)."""
    base = tmp_path_factory.mktemp("full")
    course_dir = base / "course"
    env = nbgrader_env(base / "home")
    result = subprocess.run([sys.executable, "-m", "grader", "nbgrader", str(course_dir), "--assignment", ASSIGNMENT],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    nbgrader(env, course_dir, "generate_assignment", ASSIGNMENT)
    folder = course_dir / "submitted" / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True)
    for module in MODULES:
        release = nbformat.read(course_dir / "release" / ASSIGNMENT / f"{module}.ipynb", 4)
        source = nbformat.read(course_dir / "source" / ASSIGNMENT / f"{module}.ipynb", 4)
        nbformat.write(fill_answers(release, source), folder / f"{module}.ipynb")
    nbgrader(env, course_dir, "autograde", ASSIGNMENT, timeout=1200)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        submission = gb.find_submission(ASSIGNMENT, "solutions")
        return {"total": (submission.score, submission.max_score),
                "notebooks": {nb.name: (nb.score, nb.max_score) for nb in submission.notebooks}}


def test_the_solutions_score_what_grade_gives_with_training_on_a_cpu(full_course):
    """``grade`` leaves out the training check of a network that does not train on the device (and its
    points from the maximum); the course has a training cell for exactly the others: 92 / 92."""
    from grader.grade import training_plan_or_reason
    expected = {m: sum(p for kind, p in POINTS[m].items()
                       if kind != "training" or training_plan_or_reason(m, "cpu")[0] is not None) for m in MODULES}
    assert full_course["notebooks"] == {m: (float(p), float(p)) for m, p in expected.items()}
    assert full_course["total"] == (92.0, 92.0) == (sum(expected.values()),) * 2


def test_without_a_sandbox_the_notebook_is_not_run_and_still_graded(monkeypatch):
    """Where the kernel cannot be sandboxed, KitExecute starts no kernel: every code cell says why,
    and the grade cells are graded outside it as always."""
    from traitlets.config import Config
    from grader.jupyter import execute
    monkeypatch.setattr(execute, "sandbox_unavailable", lambda: "no bwrap here (a test)")
    monkeypatch.setattr(regrade, "grade_in_child", lambda *args: fake_report(("shapes", 2, "passed")))
    monkeypatch.setattr(regrade, "REPORTS", {})
    prose = course.book_prose(course.BOOK_TEXT.read_text(encoding="utf-8"))
    nb = nbformat.from_dict(course.build_notebook("lenet", ["shapes"], OPTIONS, prose["lenet"]))
    started = False

    def no_kernel(*args, **kwargs):
        nonlocal started
        started = True
        raise AssertionError("a kernel was started")
    monkeypatch.setattr(execute.KitExecute, "run_in_sandbox", no_kernel)
    nb, _ = execute.KitExecute(config=Config()).preprocess(nb, {"unique_key": "lenet"})
    assert not started
    code = [c for c in nb.cells if c.cell_type == "code"]
    grade = [c for c in code if c.metadata["nbgrader"].get("grade")]
    assert all(any("no bwrap here (a test)" in o.get("evalue", "") for o in c.outputs) for c in code if c not in grade)
    assert [o.output_type for o in grade[0].outputs] == ["stream"] and "✓" in grade[0].outputs[0].text
