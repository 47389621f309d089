"""The chapter's two other parts: BatchNorm from scratch (7.5) and DenseNet (7.7), graded like the rest.

They are scored parts of their own (20 points each, on top of the seven networks' 100) and are graded
when named (``--only batch_norm_scratch,densenet`` or ``--only all``). Each test grades in this process
through ``grade_submission`` (each module still in its own sandboxed child); the corpus of correct
styles and one-defect submissions is ``tests/corpus/extra_parts.py``.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from grader import batch, build, recipes
from grader.checking import catalogue
from grader.checking.points import CAUSE_SHARE, POINTS, design_points
from grader.computation.canonical import canonical, first_mismatch
from grader.computation.record import record
from grader.grade import grade_submission
from grader.options import selected_modules
from grader.spec import ALL_MODULES, EXTRA_MODULES, MODULES, NETWORKS
from tests.corpus.extra_parts import ALTERNATIVES, MUTANTS

ROOT = Path(__file__).resolve().parent.parent
DESIGN = {m: design_points(m) for m in EXTRA_MODULES}


def failed(report):
    return [(r.module, r.name, r.output[:300]) for r in report.results if r.status == "failed"]


def test_points_keep_100_for_the_seven_and_20_for_each_new_part():
    assert sum(sum(POINTS[m].values()) for m in MODULES) == 100
    assert {m: sum(POINTS[m].values()) for m in EXTRA_MODULES} == {"batch_norm_scratch": 20, "densenet": 20}
    for module in ALL_MODULES:
        kinds = {c.kind for c in catalogue.checks(module)}
        assert kinds == set(POINTS[module]), module          # every kind has checks, and only those
        assert sum(c.points for c in catalogue.checks(module)) == pytest.approx(sum(POINTS[module].values()))


def test_the_new_parts_are_graded_when_named():
    assert selected_modules(None, "grade") == MODULES
    assert selected_modules("all", "grade") == ALL_MODULES
    assert selected_modules("densenet,batch_norm_scratch", "grade") == ("densenet", "batch_norm_scratch")


def test_solutions_get_every_non_training_point_and_the_stubs_none():
    report = grade_submission(ROOT / "solutions", modules=EXTRA_MODULES, train=False)
    assert failed(report) == []
    assert report.score == pytest.approx(sum(DESIGN.values())) and report.max_score == pytest.approx(report.score)
    stubs = grade_submission(ROOT / "exercises", modules=EXTRA_MODULES, train=False)
    assert stubs.score == 0 and stubs.max_score == pytest.approx(sum(DESIGN.values()))
    assert all("is not implemented yet" in r.output for r in stubs.results), failed(stubs)


@pytest.mark.parametrize("variant", ALTERNATIVES, ids=lambda v: v.id)
def test_correct_styles_get_full_marks(variant, tmp_path):
    """self.training instead of torch.is_grad_enabled(), torch.var(unbiased=False), F.batch_norm, the English
    edition's momentum convention and buffers, a DenseBlock that keeps its features in a list."""
    report = grade_submission(variant.write(tmp_path), modules=(variant.module,), train=False)
    assert failed(report) == [] and report.score == pytest.approx(DESIGN[variant.module])


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda v: v.id)
def test_one_defect_costs_one_share_of_its_own_part_with_the_cause_named(mutant, tmp_path):
    folder = mutant.write(tmp_path)
    other = next(m for m in EXTRA_MODULES if m != mutant.module)
    (folder / f"{other}.py").write_text((ROOT / "solutions" / f"{other}.py").read_text(encoding="utf-8"))
    report = grade_submission(folder, modules=EXTRA_MODULES, train=False)
    lost = {r.module for r in report.results if r.status == "failed"}
    assert lost == {mutant.module}, f"{mutant.id}: {failed(report)}"
    mine = [r for r in report.results if r.module == mutant.module]
    first = next(r for r in mine if r.status == "failed")
    assert mutant.words in first.output, f"{mutant.id}: the first message does not name it:\n{first.output}"
    assert len({r.cause for r in mine if r.cause}) == 1, [r.cause for r in mine]
    # one mistake: at most a quarter of the part's points, all of it when its checks are worth that much
    at_stake = sum(r.max_score for r in mine if r.status == "failed")
    assert DESIGN[mutant.module] - sum(r.score for r in mine) == \
        pytest.approx(min(CAUSE_SHARE * DESIGN[mutant.module], at_stake))


def test_the_scratch_batchnorm_is_one_operation_in_the_recorded_computation():
    """The structure check compares where the student's BatchNorm sits, not how it computes (that has checks
    of its own). The recording runs without gradients, so op by op a layer that switches on self.training
    (training mode: the batch's statistics) would differ from the book's (torch.is_grad_enabled(): the
    prediction branch); as one operation each, they leave the same trace."""
    variant = next(v for v in ALTERNATIVES if v.id == "bns-self-training")
    book = build.load_module(ROOT / "solutions", "batch_norm_scratch")
    other = type(book)("other")
    exec(compile(variant.source(), "batch_norm_scratch.py", "exec"), other.__dict__)
    traces = {}
    for name, module in (("book", book), ("other", other)):
        net = build.build(module, "lenet_bn_scratch()", "meta", (2, 1, 28, 28)).train()
        traces[name] = {opaque: canonical(record(net, torch.empty(2, 1, 28, 28, device="meta"),
                                                 opaque=(module.BatchNorm,) if opaque else ()))
                        for opaque in (True, False)}
    assert first_mismatch(traces["book"][True], traces["other"][True]) is None
    assert first_mismatch(traces["book"][False], traces["other"][False]) is not None
    ops = [n.op for n in traces["book"][True].nodes]
    assert ops.count("scratch_batch_norm") == 4 and "sqrt" not in ops


def test_training_checks():
    """LeNet with the scratch BatchNorm trains on the CPU (calibrated); DenseNet is skipped there, with a reason."""
    plan = recipes.training_check_plan("batch_norm_scratch", "cpu")
    assert plan is not None and plan["calibrated"] and 0.5 < plan["target"] < 0.9
    assert recipes.training_check_plan("densenet", "cpu") is None
    assert "CUDA only" in recipes.training_skip_reason("densenet", "cpu")
    for module in EXTRA_MODULES:
        plan = recipes.training_check_plan(module, "cuda")
        assert plan is not None and plan["input_size"] == recipes.BOOK[module].input_size
        assert recipes.book_recipe(module).epochs == 10


def test_book_recipe_and_printed_accuracies():
    assert (recipes.BOOK["batch_norm_scratch"].lr, recipes.BOOK["batch_norm_scratch"].batch_size) == (1.0, 256)
    assert (recipes.BOOK["densenet"].lr, recipes.BOOK["densenet"].batch_size, recipes.BOOK["densenet"].input_size) == \
        (0.1, 256, 96)


# -- batch and Gradescope with the new parts ------------------------------------------------------

def test_batch_finds_and_grades_the_new_parts(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student, folder in (("s1", ROOT / "solutions"), ("s2", ROOT / "exercises")):
        (subs / student).mkdir(parents=True)
        for module in EXTRA_MODULES:
            (subs / student / f"{module}.py").write_text((folder / f"{module}.py").read_text(encoding="utf-8"))
    found, _ = batch.find_modules(subs / "s1", EXTRA_MODULES)
    assert set(found) == set(EXTRA_MODULES)
    run = subprocess.run([sys.executable, "-m", "grader", "batch", str(subs), "--out", str(out), "--no-train",
                          "--only", ",".join(EXTRA_MODULES), "--jobs", "1"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    total = sum(DESIGN.values())
    assert float(rows["s1"]["total"]) == pytest.approx(total, abs=1e-3)
    assert float(rows["s1"]["max_score"]) == pytest.approx(total, abs=1e-3)
    assert float(rows["s2"]["total"]) == 0
    assert all(float(rows["s1"][m]) == pytest.approx(DESIGN[m], abs=1e-3) for m in EXTRA_MODULES)


def test_gradescope_package_with_the_new_parts(tmp_path):
    from tests.test_gradescope import gradescope_layout, run_autograder, validate_results
    package = tmp_path / "autograder.zip"
    run = subprocess.run([sys.executable, "-m", "grader", "gradescope", str(package), "--no-train", "--only",
                          "densenet"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
    assert "kit/solutions/densenet.py" in names
    root = gradescope_layout(package, tmp_path / "gs")
    (root / "submission" / "densenet.py").write_text((ROOT / "solutions" / "densenet.py").read_text())
    result = run_autograder(root)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    validate_results(data)
    assert data["score"] == pytest.approx(DESIGN["densenet"], abs=1e-3)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(DESIGN["densenet"], abs=1e-3)


def test_specs_of_the_new_parts():
    assert NETWORKS["batch_norm_scratch"].params == NETWORKS["batch_norm"].params
    renamed = [row.name.replace("BatchNorm2d", "BatchNorm").replace("BatchNorm1d", "BatchNorm")
               for row in NETWORKS["batch_norm"].table]
    assert [row.name for row in NETWORKS["batch_norm_scratch"].table] == renamed
    assert [row.shape for row in NETWORKS["batch_norm_scratch"].table] == \
        [row.shape for row in NETWORKS["batch_norm"].table]
