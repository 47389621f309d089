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
answer cell also replaces ``grader.notebook.hidden_check`` in the kernel (a forger); an endless loop
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

from grader import course, notebook, visible
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
    return [c.source for c in nb.cells if c.cell_type == "code" and notebook.TAG.match(c.source)]


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
    assembled = notebook.assemble(module, module_cells(nb))
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
                   "warnings.simplefilter('ignore')", "ClearHiddenTests", "c.Execute.timeout_func",
                   "KitExecute"):
        assert needed in text
    times = course.cell_timeouts(OPTIONS)
    assert times["cell"] < times["grade"] < times["train"]
    assert times["grade"] > notebook.child_budget(60, False, 0)
    assert times["train"] > notebook.child_budget(60, True, 300)
    from traitlets.config import Config
    config = Config()
    namespace = {"get_config": lambda: config, "load_subconfig": lambda name: None}
    exec(compile(text, "nbgrader_config.py", "exec"), namespace)
    timeout = config.Execute.timeout_func
    for kind, expected in (("structure", times["grade"]), ("training", times["train"])):
        cell = nbformat.v4.new_code_cell(course.hidden_source("lenet", kind, 1, OPTIONS))
        assert timeout(cell) == expected
    assert timeout(nbformat.v4.new_code_cell("# Hidden tests: ...")) == times["cell"]      # as released
    assert config.Execute.kernel_name == course.KERNEL_NAME
    assert config.Autograde.autograde_preprocessors[0].__name__ == "KitExecute"


def fake_report(*results):
    return {"results": [{"module": "lenet", "kind": kind, "name": f"check {n}", "max_score": points,
                         "score": points if status == "passed" else 0.0, "status": status,
                         "output": "" if status == "passed" else "expected X, found Y at lenet.py line 8"}
                        for n, (kind, points, status) in enumerate(results)]}


def test_hidden_check_scoring(monkeypatch, capsys):
    cells = [notebook.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
             notebook.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    pass"]
    monkeypatch.setattr(notebook, "kernel_inputs", lambda: cells)
    report = fake_report(("structure", 1.5, "passed"), ("structure", 1.5, "failed"), ("shapes", 2, "passed"),
                         ("behaviour", 1, "failed"), ("behaviour", 1, "failed"),
                         ("training", 0, "skipped"))
    calls = []
    monkeypatch.setattr(notebook, "grade_in_child", lambda *args: calls.append(args) or report)
    monkeypatch.setattr(notebook, "REPORTS", {})
    assert notebook.hidden_check("lenet", "shapes") is None                       # full points
    assert "✓ check 2" in capsys.readouterr().out
    assert notebook.hidden_check("lenet", "structure") == 1.5                     # partial credit
    out = capsys.readouterr().out
    assert "1.5 / 3 points" in out and "(cell [lenet.py 2/2], line 2)" in out
    with pytest.raises(notebook.CheckFailed) as zero:                             # nothing earned: raises
        notebook.hidden_check("lenet", "behaviour")
    assert "0 / 2 points" in str(zero.value) and "expected X, found Y" in str(zero.value)
    assert len(calls) == 1                                                        # graded once, cached
    with pytest.raises(notebook.CheckFailed, match="could not run on the grading machine"):
        notebook.hidden_check("lenet", "training")
    assert len(calls) == 2 and calls[1][2] is True                                # training: its own run
    monkeypatch.setattr(notebook, "grade_in_child", lambda *args: {"broken": "no reference"})
    cells[1] += "\n# edited"
    with pytest.raises(notebook.CheckFailed, match="the grader could not run: no reference"):
        notebook.hidden_check("lenet", "shapes")
    assert capsys.readouterr().err == ""


def test_regrade_replaces_what_the_kernel_printed_with_a_grading_outside_it(monkeypatch):
    from nbgrader.utils import determine_grade
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    module_cells = [notebook.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
                    notebook.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    pass"]
    report = fake_report(("structure", 1.5, "passed"), ("structure", 1.5, "failed"), ("shapes", 2, "passed"),
                         ("behaviour", 2, "failed"))
    graded = []
    monkeypatch.setattr(notebook, "grade_in_child", lambda module, source, *args: graded.append(source) or report)
    monkeypatch.setattr(notebook, "REPORTS", {})
    forged = new_output("stream", name="stdout", text="all passed, honestly\n")

    def grade_cell(kind, points, ran=True):
        cell = new_code_cell(course.hidden_source("lenet", kind, points, OPTIONS), outputs=[forged],
                             execution_count=7 if ran else None)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": points, "grade_id": kind}
        return cell
    cells = [new_code_cell(c, execution_count=i + 1) for i, c in enumerate(module_cells)]
    cells += [grade_cell("shapes", 2), grade_cell("structure", 3), grade_cell("behaviour", 2),
              grade_cell("params", 1, ran=False)]
    nb = new_notebook(cells=cells)
    assert course.regrade(nb) == 3
    assert [determine_grade(c)[0] for c in nb.cells[2:5]] == [2, 1.5, 0]   # full, partial, none
    assert nb.cells[5].outputs == [forged]                                 # never ran: left as it was
    assert len(graded) == 1 and "def lenet():" in graded[0]
    assert "expected X, found Y" in nb.cells[4].outputs[0]["evalue"] + "".join(nb.cells[4].outputs[0]["traceback"])
    assert course.hidden_call("hidden_check('lenet', kind)") is None
    assert course.hidden_call("hidden_check('lenet', 'shapes', evil=1)") is None


def test_assemble_takes_the_latest_run_of_each_module_cell():
    first = notebook.tag_line("vgg", 1, 3, "imports") + "\nfrom torch import nn"
    old = notebook.tag_line("vgg", 2, 3, "answer") + "\ndef vgg_block():\n    return 1"
    new = notebook.tag_line("vgg", 2, 3, "answer") + "\ndef vgg_block():\n    return 2"
    untagged = "%time x = 1\ndef vgg(arch):\n    !ls\n    return arch"     # tag line deleted by the student
    scratch = "print(vgg_block())"
    got = notebook.assemble("vgg", [first, old, scratch, new, untagged, scratch],
                            {2: "vgg_block", 3: "vgg"})
    assert not got.missing
    assert "return 2" in got.source and "return 1" not in got.source and "print(" not in got.source
    assert "pass  # IPython only: %time x = 1" in got.source
    assert "    pass  # IPython only: !ls" in got.source
    compile(got.source, "vgg.py", "exec")
    line = got.source.splitlines().index("    return 2") + 1
    assert got.where(line) == "cell [vgg.py 2/3], line 3"
    assert notebook.locate_lines(f"at vgg.py line {line}: return 2", "vgg", got) == \
        f"at vgg.py line {line} (cell [vgg.py 2/3], line 3): return 2"
    assert notebook.assemble("vgg", [first, scratch], {2: "vgg_block", 3: "vgg"}).missing == [2, 3]


def test_visible_tests_report_failures_without_frames(monkeypatch):
    cells = [notebook.tag_line("lenet", 1, 2, "imports") + "\nfrom torch import nn",
             notebook.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    return nn.Sequential(nn.Flatten())"]
    monkeypatch.setattr(notebook, "kernel_inputs", lambda: cells)
    with pytest.raises(notebook.CheckFailed) as failure:
        notebook.visible_tests("lenet", "lenet", timeout=30)
    text = "\n".join(failure.value._render_traceback_())
    assert "2 of 2 visible test(s) of lenet failed" in text and "differs from the book" in text
    assert "Traceback" not in text and "grader/" not in text
    cells[1] = notebook.tag_line("lenet", 2, 2, "answer") + "\ndef lenet():\n    while True:\n        pass"
    started = time.monotonic()
    with pytest.raises(notebook.CheckFailed, match="timed out"):
        notebook.visible_tests("lenet", "lenet", timeout=1)
    assert time.monotonic() - started < 10


def test_visible_tests_of_an_early_cell_need_not_wait_for_later_cells(monkeypatch, capsys):
    _, parts = course.module_parts("resnet")
    cells = [notebook.tag_line("resnet", k, len(parts), "x") + "\n" + code
             for k, (name, code) in enumerate(parts, start=1)]
    monkeypatch.setattr(notebook, "kernel_inputs", lambda: cells[:2])       # imports and Residual only
    notebook.visible_tests("resnet", "Residual")
    assert "All 2 visible test(s) of Residual passed" in capsys.readouterr().out
    with pytest.raises(notebook.CheckFailed, match=r"\[resnet.py 3/4\]"):
        notebook.visible_tests("resnet", "resnet_block")


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


FORGERY = ("import grader.notebook as kit\n"             # (spelt so that the feedback test's word stays unique)
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
    logs = {}
    for student in STUDENTS:
        started = time.monotonic()
        logs[student] = nbgrader(env, course_dir, "autograde", ASSIGNMENT, "--student", student)
        times[f"autograde {student}"] = time.monotonic() - started
    started = time.monotonic()
    nbgrader(env, course_dir, "generate_feedback", ASSIGNMENT)
    times["generate_feedback"] = time.monotonic() - started
    nbgrader(env, course_dir, "export")
    print("\n" + "\n".join(f"{name:<24} {seconds:6.1f} s" for name, seconds in times.items()))
    return {"course": course_dir, "times": times, "logs": logs, "release": release}


@pytest.fixture(scope="module")
def scores(loop):
    """{student: {kind: score}} from the gradebook, plus the notebook total under 'total'."""
    from nbgrader.api import Gradebook
    table = {}
    with Gradebook(f"sqlite:///{loop['course'] / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(MODULE, ASSIGNMENT, student)
            row = {g.name.removeprefix(f"{MODULE}_hidden_"): g.score for g in nb.grades}
            row["total"] = nb.score
            table[student] = row
    kinds = [k for k in KINDS if k != "training"]
    print("\nstudent    " + " ".join(f"{k:>9}" for k in kinds) + "     total")
    for student, row in table.items():
        print(f"{student:<10} " + " ".join(f"{row[k]:>9g}" for k in kinds) + f" {row['total']:>9g}")
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
    assert loop["times"]["autograde loop"] < limits["cell"] + limits["grade"]
    graded = (loop["course"] / "autograded" / "loop" / ASSIGNMENT / f"{MODULE}.ipynb").read_text(encoding="utf-8")
    assert "timed out" in graded


def test_os_exit_gives_a_clear_zero_row(scores, loop):
    assert set(scores["exit"]) == set(FULL) | {"total"}            # a row for every grade cell
    assert scores["exit"]["total"] == 0
    graded = (loop["course"] / "autograded" / "exit" / ASSIGNMENT / f"{MODULE}.ipynb").read_text(encoding="utf-8")
    assert "KernelDied" in graded and "os._exit" in graded
    grades = (loop["course"] / "grades.csv").read_text(encoding="utf-8")
    assert re.search(rf"^{ASSIGNMENT},.*,exit,.*", grades, re.M)


def test_no_grade_cell_wrote_to_stderr(loop):
    for student in STUDENTS:
        nb = nbformat.read(loop["course"] / "autograded" / student / ASSIGNMENT / f"{MODULE}.ipynb", 4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.outputs if o.get("name") == "stderr"], (student, cell.outputs)


def grader_source_lines(release) -> set[str]:
    """Lines of grader/ (30 characters or more) that are not also public: in the released notebook
    (its text is written by grader/course.py), the solutions or the stubs."""
    public = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    for folder in ("solutions", "exercises"):
        for path in (ROOT / folder).glob("*.py"):
            public |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    lines = set()
    for path in (ROOT / "grader").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 30 and line.strip() not in public:
                lines.add(line.strip())
    return lines


def test_feedback_leaks_no_hidden_test_and_no_grader_source(loop):
    feedback = sorted((loop["course"] / "feedback").rglob("*.html"))
    assert {p.parent.parent.name for p in feedback} == set(STUDENTS)
    hidden = grader_source_lines(loop["release"])
    for path in feedback:
        text = html_text(path)
        for secret in ("hidden_check", "HIDDEN TESTS", "grader/", "grader.grade", "Traceback (most recent",
                       'File "', ".py\", line"):
            assert secret not in text, (path, secret)
        leaked = [line for line in hidden if line in text]
        assert not leaked, (path, leaked[:3])
    mutant = html_text(loop["course"] / "feedback" / "mutant" / ASSIGNMENT / f"{MODULE}.html")
    assert "✗" in mutant and "every operation as in the book" in mutant      # the check's message is shown


def html_text(path: Path) -> str:
    """The text of an HTML file, without its styles and scripts."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|script)\b.*?</\1>", "", raw, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def test_autograde_wall_time(loop):
    for student in STUDENTS:
        assert loop["times"][f"autograde {student}"] < 240, loop["times"]
