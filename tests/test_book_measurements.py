"""A network whose replay would be the reference's is measured on the reference (``Observer.book_measurement``).

The replay (``grader/computation/replay.py``) reads of a recorded graph its operations, settings, inputs,
shapes and layers, in the canonical order of ``computation.canonical``: the ``replay_form``. Two networks
with the same replay form are one network, so the reference's measurements, kept on disk, are theirs.
These tests check that the form ignores only the student's names and the order of independent branches,
that a copy of the book (or the book with its branches run in another order) starts no replay of its own
(and, with the data, trains no network of its own), and that a network that differs is still measured on
its own.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from grader import build
from grader.checking import observer
from grader.computation.canonical import replay_form
from grader.computation.record import record
from grader.grade import GraderBroken, grade_submission, training_data_dir
from grader.spec import NETWORKS
from tests.corpus.mutants import MUTANTS, materialize

ROOT = Path(__file__).resolve().parent.parent


def graphs(folder, module: str) -> dict:
    spec = NETWORKS[module]
    model = build.build(build.load_module(str(folder), module), spec.call, "meta", spec.input_shape)
    found = {}
    for mode in ("train", "eval"):
        model.train(mode == "train")
        found[mode] = record(model, torch.empty(2, *spec.input_shape[1:], device="meta"))
    return found


def renamed_copy(module: str, folder: Path) -> Path:
    """The reference with other attribute names (where it has any): the same computation, other labels in the
    graph, another file (no result of this process's cache applies)."""
    source = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(re.sub(r"\bself\.(\w+)", r"self.renamed_\1", source)
                                         + "\n# handed in by a student\n", encoding="utf-8")
    return folder


class ReplaysStarted:
    """Which submissions got a replay child of their own, and whether it had the data (a training run)."""

    def __init__(self, monkeypatch):
        self.started: list[tuple[str, bool]] = []
        box = observer.Measurer.box

        def counted(measurer):
            if measurer.sandbox is None or measurer.sandbox.dead is not None:
                self.started.append((Path(measurer.submission).name, measurer.data_dir is not None))
            return box(measurer)
        monkeypatch.setattr(observer.Measurer, "box", counted)

    def of(self, submission: Path) -> list[bool]:
        return [with_data for name, with_data in self.started if name == submission.name]


def test_the_replay_form_ignores_the_names_and_nothing_else(tmp_path):
    book = graphs(ROOT / "solutions", "resnet")
    assert any(node["where"] for node in book["train"]["nodes"])
    assert replay_form(graphs(renamed_copy("resnet", tmp_path / "copy"), "resnet")) == replay_form(book)
    mutant = next(m for m in MUTANTS if m.module == "resnet")
    assert replay_form(graphs(materialize(mutant, tmp_path / "mutant"), "resnet")) != replay_form(book)


def test_the_replay_form_ignores_the_order_of_independent_branches(tmp_path):
    """A GoogLeNet of the corpus computes its Inception branches from the last to the first and concatenates
    them in the book's order: one network with the book's. Concatenated in another order, it is not."""
    book = graphs(ROOT / "solutions", "googlenet")
    reordered = graphs(ROOT / "tests" / "corpus" / "alternatives" / "ordered_dict_identity", "googlenet")
    assert [n["op"] for n in reordered["train"]["nodes"]] != [n["op"] for n in book["train"]["nodes"]]
    assert replay_form(reordered) == replay_form(book)
    swapped = next(m for m in MUTANTS if m.id == "inc-cat-order")
    assert replay_form(graphs(materialize(swapped, tmp_path / "swapped"), "googlenet")) != replay_form(book)


def test_a_network_with_its_branches_in_another_order_starts_no_replay_of_its_own(tmp_path, monkeypatch):
    replays = ReplaysStarted(monkeypatch)
    submission = tmp_path / "reordered"
    submission.mkdir()
    source = ROOT / "tests" / "corpus" / "alternatives" / "ordered_dict_identity" / "googlenet.py"
    (submission / "googlenet.py").write_text(source.read_text(encoding="utf-8") + "\n# handed in by a student\n",
                                             encoding="utf-8")
    report = grade_submission(submission, modules=("googlenet",), train=False)
    assert report.score == report.max_score, report.text("en")
    assert replays.of(submission) == []


def test_a_copy_of_the_book_starts_no_replay_of_its_own(tmp_path, monkeypatch):
    replays = ReplaysStarted(monkeypatch)
    copy = renamed_copy("resnet", tmp_path / "copy")
    report = grade_submission(copy, modules=("resnet",), train=False)
    assert report.score == report.max_score, report.text("en")
    assert replays.of(copy) == []


def test_a_network_that_differs_is_measured_on_its_own_replay(tmp_path, monkeypatch):
    replays = ReplaysStarted(monkeypatch)
    mutant = next(m for m in MUTANTS if m.module == "resnet" and m.invisible)
    submission = materialize(mutant, tmp_path / "mutant")
    with open(submission / "resnet.py", "a", encoding="utf-8") as source:   # graded afresh, not from this
        source.write("\n# handed in by a student\n")                         # process's earlier gradings
    report = grade_submission(submission, modules=("resnet",), train=False)
    assert report.score < report.max_score
    assert replays.of(submission), "a network that is not the book's must be measured on its own replay"


def test_a_copy_of_the_book_gets_the_reference_training_run(tmp_path, monkeypatch):
    """Its training check is the reference's run, trained once (by the reference, with the data) and kept."""
    try:
        training_data_dir()
    except GraderBroken as error:
        pytest.skip(f"no Fashion-MNIST for the training check: {str(error)[:200]}")
    replays = ReplaysStarted(monkeypatch)
    copy = renamed_copy("lenet", tmp_path / "copy")
    report = grade_submission(copy, modules=("lenet",), train=True)
    training = [r for r in report.results if r.kind == "training"]
    assert [r.status for r in training] == ["passed"], report.text("en")
    assert True not in replays.of(copy), "the copy trained a network of its own"
