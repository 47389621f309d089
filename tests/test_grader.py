"""The hidden grader: full marks for every correct style, points lost for every mutant, isolation.

The corpus (mutants and alternative correct submissions) is in tests/corpus.
Grading runs in this process through ``grade_submission``; each network is
still graded in its own sandboxed child, as on the command line.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.checking import catalogue
from grader.checking.points import POINTS
from grader.grade import RESULTS_CACHE, grade_submission
from grader.sandbox import Limits
from grader.spec import MODULES
from tests.corpus.mutants import MUTANTS, materialize

ROOT = Path(__file__).resolve().parent.parent
ALTERNATIVES = sorted(p for p in (ROOT / "tests" / "corpus" / "alternatives").iterdir() if p.is_dir())
NON_TRAINING = {m: sum(v for k, v in POINTS[m].items() if k != "training") for m in MODULES}


def failed(report):
    return [(r.module, r.name, r.output[:300]) for r in report.results if r.status == "failed"]


def test_points_add_up_to_100():
    """100 for the seven networks graded by default (the new parts' 20 each: tests/test_extra_parts.py)."""
    assert sum(sum(POINTS[m].values()) for m in MODULES) == 100
    for module in MODULES:
        checks = catalogue.checks(module)
        assert sum(c.points for c in checks) == pytest.approx(sum(POINTS[module].values()))


def test_solutions_get_every_non_training_point():
    report = grade_submission(ROOT / "solutions", train=False)
    assert failed(report) == []
    assert report.score == report.max_score == sum(NON_TRAINING.values())


def test_stubs_score_exactly_zero_with_the_stub_message():
    report = grade_submission(ROOT / "exercises", train=False)
    assert report.score == 0 and report.max_score == sum(NON_TRAINING.values())
    assert all("is not implemented yet" in r.output for r in report.results), failed(report)


@pytest.mark.parametrize("style", ALTERNATIVES, ids=lambda p: p.name)
def test_alternative_correct_styles_get_full_marks(style):
    report = grade_submission(style, train=False)
    assert failed(report) == []


LAZY_LENET = """from torch import nn

def lenet():
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.LazyLinear(120), nn.Sigmoid(), nn.LazyLinear(84), nn.Sigmoid(), nn.LazyLinear(10))
"""


def test_lazy_layers_of_the_english_edition_get_full_marks(tmp_path):
    (tmp_path / "lenet.py").write_text(LAZY_LENET)
    assert failed(grade_submission(tmp_path, modules=("lenet",), train=False)) == []


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_every_mutant_loses_points_on_its_own_network(mutant, tmp_path):
    submission = materialize(mutant, tmp_path / "submission")
    report = grade_submission(submission, modules=(mutant.module,), train=False)
    assert report.score < NON_TRAINING[mutant.module], f"{mutant.id} went unnoticed: {mutant.description}"


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.invisible][:2], ids=lambda m: m.id)
def test_a_mutant_costs_points_only_on_its_network(mutant, tmp_path):
    report = grade_submission(materialize(mutant, tmp_path / "s"), train=False)
    lost = {r.module for r in report.results if r.status == "failed"}
    assert lost == {mutant.module}


def test_grading_is_deterministic(tmp_path):
    mutant = next(m for m in MUTANTS if m.module == "resnet" and m.invisible)
    submission = materialize(mutant, tmp_path / "s")
    first = grade_submission(submission, modules=("resnet",), train=False)
    RESULTS_CACHE.clear()             # grade it again for real, in fresh children
    second = grade_submission(submission, modules=("resnet",), train=False)
    assert [(r.name, r.score, r.output) for r in first.results] == \
           [(r.name, r.score, r.output) for r in second.results]


def test_a_child_started_ahead_is_graded_as_it_would_be_and_none_is_left_open(tmp_path, monkeypatch):
    """``grade`` starts each module's child while the one before it is graded: same grade, no child left over,
    also when the module's result is already known (its child is then closed unused)."""
    import shutil
    from grader import grade
    from grader.sandbox import box
    ahead_of_time = []
    start_ahead = grade.StudentChildren.start_ahead

    def recorded(children, module):
        ahead_of_time.append(module)
        start_ahead(children, module)
    monkeypatch.setattr(grade.StudentChildren, "start_ahead", recorded)
    modules = ("lenet", "batch_norm")
    ahead = tmp_path / "ahead"
    ahead.mkdir()
    for module in modules:
        shutil.copyfile(ROOT / "exercises" / f"{module}.py", ahead / f"{module}.py")
    (ahead / "lenet.py").write_text((ROOT / "solutions" / "lenet.py").read_text() + "\n# ahead\n")
    together = grade_submission(ahead, modules=modules, train=False)
    assert ahead_of_time == ["batch_norm"], "batch_norm's child was not started while lenet was graded"
    RESULTS_CACHE.clear()
    alone = [r for m in modules for r in grade_submission(ahead, modules=(m,), train=False).results]
    assert [(r.name, r.score, r.output) for r in together.results] == [(r.name, r.score, r.output) for r in alone]
    (ahead / "lenet.py").write_text((ahead / "lenet.py").read_text() + "# changed\n")
    grade_submission(ahead, modules=modules, train=False)        # batch_norm's result is known: child unused
    assert ahead_of_time == ["batch_norm", "batch_norm"]
    assert not [b for b in box._OPEN.values() if b.submission == ahead], "a child of the submission is still open"


# -- isolation: every way a module can go wrong costs only that module -------

ISOLATION = {
    "exception at import": ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    "SystemExit from the builder": ("def lenet():\n    raise SystemExit(0)\n", "SystemExit"),
    "os._exit while building": ("import os\ndef lenet():\n    os._exit(0)\n", "exited (exit code 0)"),
    "infinite loop at import": ("while True:\n    pass\n", "timed out after 4 s while importing lenet.py"),
    "memory hog": ("def lenet():\n    hog = []\n    while True:\n        hog.append(bytearray(10**8))\n",
                   "ran out of memory"),
    "syntax error": ("def lenet(:\n    pass\n", "SyntaxError"),
    "wrong return type": ("def lenet():\n    return [1, 2, 3]\n", "lenet() returned list"),
    "returns a tensor": ("import torch\ndef lenet():\n    return torch.zeros(3)\n", "returned Tensor"),
}


@pytest.mark.parametrize("case", ISOLATION, ids=str)
def test_a_broken_module_scores_zero_with_a_clear_message(case, tmp_path):
    source, message = ISOLATION[case]
    for module in MODULES:
        (tmp_path / f"{module}.py").write_text((ROOT / "solutions" / f"{module}.py").read_text())
    (tmp_path / "lenet.py").write_text(source)
    report = grade_submission(tmp_path, modules=("lenet", "batch_norm"), train=False,
                              limits=Limits(timeout=4, memory_mb=1024))
    lenet = [r for r in report.results if r.module == "lenet"]
    assert sum(r.score for r in lenet) == 0
    assert message in lenet[0].output, lenet[0].output
    assert all(r.status == "passed" for r in report.results if r.module == "batch_norm")


def test_a_missing_file_scores_zero_for_that_network_only(tmp_path):
    (tmp_path / "batch_norm.py").write_text((ROOT / "solutions" / "batch_norm.py").read_text())
    report = grade_submission(tmp_path, modules=("lenet", "batch_norm"), train=False)
    assert {r.module for r in report.results if r.status == "failed"} == {"lenet"}
    assert "lenet.py is missing" in report.results[0].output


# -- the command line contract ----------------------------------------------

def grade_cli(*args):
    return subprocess.run([sys.executable, "-m", "grader", "grade", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_writes_gradescope_results(tmp_path):
    (tmp_path / "lenet.py").write_text("print('x' * 10**6)\n" + (ROOT / "solutions" / "lenet.py").read_text())
    results = tmp_path / "results.json"
    run = grade_cli(str(tmp_path), "--no-train", "--json", str(results), "--lang", "zh")
    assert run.returncode == 0, run.stderr
    data = json.loads(results.read_text())
    assert results.stat().st_size < 1_000_000
    assert set(data) >= {"score", "max_score", "execution_time", "tests"}
    assert data["max_score"] == sum(NON_TRAINING.values())
    assert data["score"] == NON_TRAINING["lenet"]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "tags"}
        assert test["status"] in ("passed", "failed")
        module, kind = test["tags"]
        assert module in MODULES and kind in ("shapes", "params", "structure", "property", "behaviour", "training")
    assert "总分" in run.stdout


@pytest.mark.parametrize("args", [["/nonexistent/folder"], ["solutions", "--only", "lenet,nope"]])
def test_cli_fails_only_when_the_grader_cannot_run(args):
    run = grade_cli(*args, "--no-train")
    assert run.returncode == 2 and run.stderr.strip()


def test_grading_from_a_script_outside_the_repository(tmp_path):
    """A driver script's folder (here under /tmp) is on sys.path but must not leak into the sandbox."""
    driver = tmp_path / "driver.py"
    driver.write_text("import sys\nfrom grader.grade import grade_submission\n"
                      f"report = grade_submission({str(ROOT / 'solutions')!r}, modules=('lenet',), train=False)\n"
                      "print(report.score, report.max_score)\n")
    run = subprocess.run([sys.executable, str(driver)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.stdout.split() == [str(float(NON_TRAINING["lenet"]))] * 2, run.stdout + run.stderr


COURSE_CHECK = '''
import pytest
from grader.report import CheckFailure, bilingual

@pytest.mark.kind("course")
@pytest.mark.points(2)
@pytest.mark.networks("lenet")
def test_lenet_has_no_bias_in_the_last_layer(network, student):
    """{call}: the class scores are computed without bias
    中文：{call}：类别得分的计算不带偏置
    """
    graph = student.graph(network.call, (2, 1, 28, 28))
    last = [n for n in graph["nodes"] if n["op"] == "linear"][-1]
    if last["attrs"]["bias"]:
        raise CheckFailure(bilingual("the last Linear of lenet() has a bias; this course asks for bias=False",
                                     "lenet() 的最后一个 Linear 不应有偏置。"))
'''


def test_a_course_adds_its_own_check_as_one_test_function(tmp_path, monkeypatch):
    """The example of docs/instructors/grading.md: one pytest function in a folder named by D2L_KIT_CHECKS."""
    (tmp_path / "my_checks").mkdir()
    (tmp_path / "my_checks" / "check_course.py").write_text(COURSE_CHECK)
    monkeypatch.setenv("D2L_KIT_CHECKS", str(tmp_path / "my_checks"))
    report = grade_submission(ROOT / "solutions", modules=("lenet",), train=False)
    course = [r for r in report.results if r.kind == "course"]
    assert [(r.name, r.max_score, r.status) for r in course] == [
        ("lenet(): the class scores are computed without bias", 2.0, "failed")]
    assert report.max_score == NON_TRAINING["lenet"] + 2 and report.score == NON_TRAINING["lenet"]
    assert course[0].title("zh") == "lenet()：类别得分的计算不带偏置"
    assert course[0].output.show("zh") == "lenet() 的最后一个 Linear 不应有偏置。"


HAND_WRITTEN_LENET = '''import torch
from torch import nn
from torch.nn import functional as F


class LeNet(nn.Module):
    """The book's function with other operations: sigmoid and one Linear written out by hand."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(1 / (1 + torch.exp(-self.c1(x))), 2)
        x = F.avg_pool2d(torch.sigmoid(self.c2(x)), 2).reshape(x.shape[0], -1)
        x = torch.sigmoid(x @ self.f1.weight.T + self.f1.bias)
        return self.f3(torch.sigmoid(self.f2(x)))


def lenet():
    return LeNet()
'''


def test_the_same_function_written_with_other_operations_gets_full_marks(tmp_path):
    """Judged on the outputs with the same weights (given by the order of use), not on the spelling."""
    (tmp_path / "lenet.py").write_text(HAND_WRITTEN_LENET)
    report = grade_submission(tmp_path, modules=("lenet",), train=False)
    assert failed(report) == [] and report.score == NON_TRAINING["lenet"]
    (tmp_path / "lenet.py").write_text(HAND_WRITTEN_LENET.replace("1 / (1 + torch.exp(", "1 / (2 + torch.exp("))
    RESULTS_CACHE.clear()
    assert grade_submission(tmp_path, modules=("lenet",), train=False).score < NON_TRAINING["lenet"]


class SlowStudent:
    """An observer whose answers never come: what a check waiting on the grader's own work looks like."""
    sandbox = measurer = None

    def params(self, call, shape=None):
        import time
        time.sleep(30)


def test_every_check_has_a_wall_clock_limit_in_the_grading_process():
    import time
    from grader.checking import runner
    started = time.monotonic()
    results = runner.run_checks("lenet", SlowStudent(), None, {"params"}, check_seconds=1)
    assert time.monotonic() - started < 10
    assert [r.status for r in results] == ["failed"]
    assert "took the grader more than 1 s" in results[0].output and "秒" in results[0].output
