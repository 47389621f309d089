"""Diagnosis at the cause: each kind of mistake is named in the first message, and charged once.

Every case grades a one-defect submission of the corpus (``tests/corpus/mutants.py``)
and asserts that the first failing check's message names the mistake. Grading is cached
per module file in this process, so the mutants graded by ``test_grader.py`` cost nothing here.
"""

import pytest

from grader.checking.points import CAUSE_SHARE, design_points
from grader.grade import grade_submission
from tests.corpus.mutants import BY_ID, materialize

# cause (issue 11, part 3) -> (one-defect submission, words the first message must hold)
CAUSES = {
    "concatenation order": ("inc-cat-order", "concatenated in another order"),
    "shortcut missing": ("res-no-skip", "the shortcut is missing"),
    "shortcut after the final ReLU": ("res-relu-before-add", "added after the final ReLU"),
    "shortcut before the second BatchNorm": ("res-add-before-bn2", "added before the second BatchNorm"),
    "shortcut through a ReLU": ("res-shortcut-through-relu", "passes through a ReLU"),
    "conv_arch ignored": ("vgg-hardcoded-arch", "conv_arch"),
    "first_block ignored": ("res-ignores-first-block", "first_block"),
    "num_residuals ignored": ("res-ignores-num-residuals", "num_residuals"),
    "kernel_size ignored": ("nin-ignores-kernel-size", "kernel_size"),
    "use_1x1conv ignored": ("res-never-1x1", "use_1x1conv"),
    "activation missing": ("lenet-missing-sigmoid", "the book has Sigmoid here; yours has nothing"),
    "activation of another kind": ("lenet-relu", "the book uses Sigmoid here; yours uses ReLU"),
    "pooling kind": ("lenet-maxpool", "yours uses MaxPool2d"),
    "pooling window": ("alex-pool-window4", "kernel_size 3; yours has kernel_size 4"),
    "pooling stride": ("nin-ignores-stride", "strides"),
    "padding": ("lenet-no-first-padding", "padding 2; yours has padding 0"),
    "kernel size": ("nin-1x1-kernel3", "kernel_size 1 and padding 0; yours has kernel_size 3 and padding 1"),
    "dropout rate": ("alex-dropout-p", "dropout rate p 0.5; yours has dropout rate p 0.2"),
    "dropout position": ("vgg-dropout-in-block", "yours has Dropout(p=0.5) here; the book has none"),
    "BatchNorm position": ("bn-after-sigmoid", "at another place than in the book"),
    "BatchNorm settings": ("bn-momentum", "momentum 0.1; yours has momentum 0.9"),
    "a layer too many": ("lenet-extra-linear", "the book has none at this place"),
    "a layer too few": ("vgg-ignores-num-convs", "num_convs"),
    "channels not passed on": ("vgg-no-channel-update", "input channels"),
}


def graded(mutant_id, tmp_path):
    mutant = BY_ID[mutant_id]
    return grade_submission(materialize(mutant, tmp_path / "submission"), modules=(mutant.module,), train=False)


@pytest.mark.parametrize("cause", CAUSES, ids=str)
def test_the_first_message_names_the_cause(cause, tmp_path):
    mutant_id, words = CAUSES[cause]
    report = graded(mutant_id, tmp_path)
    failures = [r for r in report.results if r.status == "failed"]
    assert failures, f"{mutant_id} went unnoticed"
    assert words in failures[0].output, f"{cause}: the first message does not name it:\n{failures[0].output}"


@pytest.mark.parametrize("mutant_id", ["lenet-no-first-padding", "alex-dropout-p", "res-no-skip"])
def test_one_mistake_costs_one_share_and_is_shown_once(mutant_id, tmp_path):
    report = graded(mutant_id, tmp_path)
    module = BY_ID[mutant_id].module
    lost = design_points(module) - report.score
    assert lost == pytest.approx(CAUSE_SHARE * design_points(module))
    charged = [r for r in report.results if r.status == "failed" and not r.same_as]
    assert len(charged) >= 1 and len({r.cause for r in report.results if r.cause}) == 1
    text = report.text("en")
    assert text.count("where:") == 1, text


def test_the_report_follows_the_language(tmp_path):
    report = graded("alex-dropout-p", tmp_path)
    english, chinese, both = report.text("en"), report.text("zh"), report.text("both")
    assert "dropout rate p 0.5" in english and "丢弃率" not in english
    assert "丢弃率" in chinese and "总分" in chinese
    assert "dropout rate p 0.5" in both and "丢弃率" in both
