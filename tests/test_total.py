"""One total per assignment (issue 25, item 3).

What a student is graded out of is fixed by the instructor's choices alone (the parts, training on or
off, the device): ``grade.maximum``. A complete submission, one with only ``lenet.py`` and a rejected
archive get the same maximum in ``grade`` (report and results.json), ``batch`` (grades.csv, each
student's report, the class summary) and Gradescope's results.json; a training check the device does not
run is out of the maximum for everyone, and a missing file counts its network's whole (device-dependent)
maximum. In results.json a status reads as what happened: no 0-of-0 "pass" for a check that did not run,
no red failure for a check that keeps its points because its mistake was charged in another check.

No training run here: the training checks the CPU runs (LeNet's) are replaced by a pass
(``no_training_run``); the maximum needs no training, and the checks the CPU skips are the kit's own.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from grader import batch, grade, gradescope
from grader.checking.outcome import Result
from grader.spec import ALL_MODULES, MODULES
from tests.test_gradescope import validate_results

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
TWO = ("lenet", "alexnet")        # LeNet trains on a CPU, AlexNet's training check is skipped there


@pytest.fixture
def no_training_run(monkeypatch):
    """Training checks the device runs pass at once, without data; the others go through the grader's own
    path (skipped). Batch's forked workers inherit the patch."""
    real = grade.run_training

    def run_training(submission, module, source, checks, limits, reference, device):
        if grade.training_plan_or_reason(module, device)[0] is None:
            return real(submission, module, source, checks, limits, reference, device)
        return [Result(module, c.kind, c.name, c.points, c.points, "passed", "(not trained in this test)")
                for c in checks]
    monkeypatch.setattr(grade, "run_training", run_training)
    monkeypatch.setattr(grade, "training_data_dir", lambda: Path("/nonexistent-data"))
    monkeypatch.setattr(grade, "RESULTS_CACHE", {})


def submissions(base: Path, modules=TWO) -> dict[str, Path]:
    """complete: every file of ``modules``; lenet_only; empty: no file at all."""
    folders = {"complete": base / "complete", "lenet_only": base / "lenet_only", "empty": base / "empty"}
    for folder in folders.values():
        folder.mkdir(parents=True)
    for module in modules:
        shutil.copy(SOLUTIONS / f"{module}.py", folders["complete"])
    shutil.copy(SOLUTIONS / "lenet.py", folders["lenet_only"])
    return folders


def assert_statuses_read_right(data: dict) -> None:
    """Every test of results.json: points all earned and ``passed``, or some lost and ``failed``; none
    out of 0 (a check that did not run on this device is not a test, and shows as no pass)."""
    for test in data["tests"]:
        assert test["max_score"] > 0, test
        if test["status"] == "passed":
            assert test["score"] >= test["max_score"], test
        else:
            assert test["status"] == "failed" and test["score"] < test["max_score"], test


def assert_one_total(data: dict, total: float) -> None:
    validate_results({k: v for k, v in data.items() if k != "max_score"})    # grade --json adds max_score
    assert_statuses_read_right(data)
    assert abs(sum(t["max_score"] for t in data["tests"]) - total) < 1e-6
    assert f"/ {total:g}." in data["output"]


# -- the rule ---------------------------------------------------------------------------------

def test_the_maximum_depends_on_the_options_only():
    assert grade.maximum(MODULES, False, "cpu") == grade.maximum(MODULES, False, "cuda") == 82
    assert grade.maximum(MODULES, True, "cpu") == 92          # AlexNet, VGG, NiN, GoogLeNet train on CUDA only
    assert grade.maximum(ALL_MODULES, True, "cpu") == 128     # and DenseNet
    assert grade.maximum(("lenet", "alexnet"), True, "cpu") == 12 + 10
    assert not grade.training_counts("alexnet", True, "cpu") and grade.training_counts("lenet", True, "cpu")
    assert not grade.training_counts("lenet", False, "cpu")


def test_a_file_that_cannot_be_graded_counts_its_networks_maximum_on_this_device():
    for module in ALL_MODULES:
        for train in (False, True):
            results = grade.not_graded(module, train, "cpu", "lenet.py is missing")
            assert abs(sum(r.max_score for r in results) - grade.module_maximum(module, train, "cpu")) < 1e-6
            assert all(r.status == "skipped" and r.max_score == 0 for r in results if not r.counted)
            assert [r for r in results if r.kind == "training"] == [] or train


# -- grade ------------------------------------------------------------------------------------

def test_grade_gives_every_submission_the_same_total_with_training_on_the_cpu(tmp_path, no_training_run):
    total = 92                         # grade.maximum(MODULES, True, "cpu"), the rule (above)
    folders = submissions(tmp_path, MODULES)
    started = time.monotonic()
    reports = {name: grade.grade_submission(folder, MODULES, train=True, device="cpu")
               for name, folder in folders.items()}
    assert {name: report.max_score for name, report in reports.items()} == dict.fromkeys(folders, total)
    for name, report in reports.items():
        assert abs(sum(r.max_score for r in report.results) - total) < 1e-6, name     # the checks agree
        assert f"Total: {report.score:g} / 92" in report.text(), name
        for module in MODULES:
            shown = sum(r.max_score for r in report.results if r.module == module)
            assert abs(shown - grade.module_maximum(module, True, "cpu")) < 1e-6, (name, module)
        data = json.loads(json.dumps(report.gradescope()))
        assert data["max_score"] == 92
        assert_one_total(data, 92)
        assert not any(t["tags"] == ["alexnet", "training"] for t in data["tests"])     # not run: not a test
        assert "alexnet training" in data["output"] and "not part of the total" in data["output"]
    assert reports["complete"].score == 92
    assert reports["lenet_only"].score == 12 and reports["empty"].score == 0
    assert time.monotonic() - started < 120


def test_a_repeated_mistake_keeps_its_points_and_reads_as_passed(tmp_path):
    (tmp_path / "lenet.py").write_text((SOLUTIONS / "lenet.py").read_text().replace(
        "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),", "nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(),"))
    report = grade.grade_submission(tmp_path, ("lenet",), train=False)
    repeats = [r for r in report.results if r.same_as and r.score == r.max_score]
    assert repeats, [(r.name, r.status, r.score, r.same_as) for r in report.results]
    data = report.gradescope()
    assert_one_total(data, 9)
    tests = {t["name"].split(" (same mistake")[0]: t for t in data["tests"]}
    for result in repeats:
        test = tests[f"lenet: {result.name}"]
        assert test["status"] == "passed" and "same mistake" in test["name"] and "reported there" in test["output"]
        assert test["extra_data"]["same_as"] == result.same_as
    # students see no more of it than of a failure (brief feedback: headlines only)
    viewed = gradescope.student_view(repeats[0], "none", "visible")
    assert viewed["output"] == "" or viewed["tags"][1] in gradescope.VISIBLE_KINDS


def test_gradescope_statuses_for_each_kind_of_result():
    passed = Result("lenet", "shapes", "table", 2, 2, "passed").gradescope()
    failed = Result("lenet", "shapes", "table", 2, 0, "failed", "wrong").gradescope()
    repeat = Result("lenet", "structure", "ops", 3, 3, "failed", "the same mistake as in 'table'",
                    cause="padding", same_as="table").gradescope()
    charged = Result("lenet", "structure", "ops", 3, 1.5, "failed", "the same mistake as in 'table'",
                     cause="padding", same_as="table").gradescope()
    not_run = Result("lenet", "course", "my check", 2, 0, "skipped", "skipped: no GPU").gradescope()
    assert (passed["status"], failed["status"], repeat["status"], charged["status"]) == \
        ("passed", "failed", "passed", "failed")
    assert "same mistake" in repeat["name"] and "charged there" in repeat["name"]
    assert not_run["status"] == "failed" and "not run" in not_run["name"]
    skipped = Result("alexnet", "training", "run", 0, 0, "skipped", "skipped on cpu: too slow")
    report = grade.GradeReport("s", [Result("alexnet", "shapes", "table", 2, 2, "passed"), skipped], maximum=2)
    data = report.gradescope()
    assert [t["tags"] for t in data["tests"]] == [["alexnet", "shapes"]]
    validate_results({k: v for k, v in data.items() if k != "max_score"})
    assert_statuses_read_right(data)


# -- batch ------------------------------------------------------------------------------------

def test_batch_gives_every_student_the_same_total_with_training_on_the_cpu(tmp_path, no_training_run):
    subs, out = tmp_path / "subs", tmp_path / "out"
    submissions(subs)
    with zipfile.ZipFile(subs / "rejected.zip", "w") as archive:
        archive.writestr("../../lenet.py", "x = 1\n")
    options = batch.Options(TWO, True, "cpu", 60, 300, 3072)
    counts = batch.run_batch(subs, out, options, jobs=1, stream=io.StringIO())
    assert counts["graded"] == 4 and counts["errors"] == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert {name: rows[name]["max_score"] for name in rows} == dict.fromkeys(
        ("complete", "empty", "lenet_only", "rejected"), "22")
    assert rows["complete"]["total"] == "22" and rows["lenet_only"]["total"] == "12"
    for student in rows:
        folder = out / "students" / student
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert data["max_score"] == 22, student
        assert_one_total(data, 22)
        assert f"/ 22   (" in (folder / "report.txt").read_text(encoding="utf-8"), student
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "(of 22)" in summary and "/ 12 " in summary and "/ 10 " in summary
    assert grade.maximum(TWO, True, "cpu") == 22


# -- Gradescope -------------------------------------------------------------------------------

def test_gradescope_gives_every_submission_the_same_total_with_training_on_the_cpu(tmp_path, no_training_run,
                                                                                     monkeypatch):
    monkeypatch.setattr(grade, "resolve_device", lambda choice: "cpu")     # Gradescope's containers: no GPU
    kit = tmp_path / "kit"          # run_autograder reads the package's options from the kit it belongs to
    (kit / "grader").mkdir(parents=True)
    (kit / "autograder.json").write_text(json.dumps({"train": True, "modules": list(TWO)}))
    monkeypatch.setattr(gradescope, "__file__", str(kit / "grader" / "gradescope.py"))
    outputs = {}
    for name, folder in submissions(tmp_path / "subs").items():
        root = tmp_path / name / "autograder"
        (root / "results").mkdir(parents=True)
        shutil.copytree(folder, root / "submission")
        assert gradescope.run_autograder(root) == 0
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        validate_results(data)
        assert "max_score" not in data                   # Gradescope takes it from the assignment's settings
        assert_one_total(data, 22)
        outputs[name] = data["score"]
    assert outputs == {"complete": 22, "lenet_only": 12, "empty": 0}
