"""The BatchNorm written from scratch: its statistics are its own, and it trains where it cannot see the data.

Issue 25, item 1. ``F.batch_norm`` on the right tensors gives the book's
numbers, so the numbers alone cannot tell: the student's ``batch_norm`` and
``BatchNorm`` run once more under a dispatch mode that sees PyTorch's own
normalization kernels, whatever they were called by (``computation.library_calls``),
and a layer that uses them earns nothing of the part. The network trains on a
replay where that layer is the book's, only once its own checks pass: the
student's process never holds the data.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.checking.outcome import GraderBroken
from grader.grade import grade_submission, training_data_dir
from grader.sandbox import Limits, Sandbox

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "solutions" / "batch_norm_scratch.py").read_text()
BEGIN = SOLUTION.index("    ### BEGIN SOLUTION", SOLUTION.index("def batch_norm("))
END = SOLUTION.index("    ### END SOLUTION", BEGIN)

# Each a body of ``batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum)`` whose output and
# gradients are the book's, computed by one of torch's normalizations (``NORMALIZE``), spelt differently.
LIBRARY_SPELLINGS = {
    "F.batch_norm": "torch.nn.functional.batch_norm(X, None, None, gamma.flatten(), beta.flatten(), True, 0.0, eps)",
    "torch.batch_norm": "torch.batch_norm(X, gamma.flatten(), beta.flatten(), None, None, True, 0.0, eps, False)",
    "aten.native_batch_norm": "torch.ops.aten.native_batch_norm(X, gamma.flatten(), beta.flatten(), None, None, "
                              "True, 0.0, eps)[0]",
    "nn.BatchNorm module": "_module(X, gamma, beta, eps)",
    "F.instance_norm over the batch": "_as_instance(X, gamma, beta, eps)",
}
HELPERS = '''
def _module(X, gamma, beta, eps):
    layer = (torch.nn.BatchNorm1d if X.dim() == 2 else torch.nn.BatchNorm2d)(X.shape[1], eps=eps,
                                                                             track_running_stats=False)
    layer.weight, layer.bias = None, None        # gamma and beta stay the caller's, with their gradients
    return layer(X) * gamma + beta


def _as_instance(X, gamma, beta, eps):
    # the batch as one "instance" whose channels are normalized over everything else
    Z = X.transpose(0, 1).unsqueeze(0) if X.dim() == 4 else X.t().unsqueeze(0)
    Y = torch.nn.functional.instance_norm(Z, eps=eps)[0]
    Y = Y.transpose(0, 1) if X.dim() == 4 else Y.t()
    return gamma * Y + beta
'''
BODY = '''    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        return gamma * X_hat + beta, moving_mean, moving_var
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    mean = X.mean(dim=dims, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)
    Y = NORMALIZE
    return Y, (momentum * moving_mean + (1.0 - momentum) * mean).detach(), \\
        (momentum * moving_var + (1.0 - momentum) * var).detach()
'''


def with_body(body: str, helpers: str = "") -> str:
    head = SOLUTION[:BEGIN]
    at = head.index("def batch_norm(")
    return head[:at] + helpers.lstrip("\n") + "\n\n" + head[at:] + body + SOLUTION[END:]


def submit(tmp_path: Path, name: str, source: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "batch_norm_scratch.py").write_text(source)
    return folder


def data_or_skip() -> None:
    try:
        training_data_dir()
    except GraderBroken as error:
        pytest.skip(f"no Fashion-MNIST for the training check: {str(error)[:200]}")


@pytest.mark.parametrize("spelling", sorted(LIBRARY_SPELLINGS))
def test_library_normalization_earns_nothing_of_the_part(spelling, tmp_path):
    source = with_body(BODY.replace("NORMALIZE", LIBRARY_SPELLINGS[spelling]), HELPERS)
    report = grade_submission(submit(tmp_path, "library", source), ("batch_norm_scratch",), train=False)
    text = report.text("en")
    assert report.score == 0, text
    assert text.count("your BatchNorm calls PyTorch's own normalization (") == 1, text


def test_own_arithmetic_in_any_spelling_keeps_full_marks(tmp_path):
    """The same body with the statistics the student computed: no library kernel, every point."""
    own = BODY.replace("NORMALIZE", "gamma * (X - mean) / torch.sqrt(var + eps) + beta")
    for name, source in {"solution": SOLUTION, "own": with_body(own),
                         "var": with_body(own.replace("((X - mean) ** 2).mean(dim=dims, keepdim=True)",
                                                      "X.var(dim=dims, unbiased=False, keepdim=True)"))}.items():
        report = grade_submission(submit(tmp_path, name, source), ("batch_norm_scratch",), train=False)
        assert report.score == report.max_score, report.text("en")
        assert "own normalization" not in report.text("en")


# A BatchNorm that behaves only where it cannot find the data: it trains well only if its code never sees it.
SNOOP = '''
import os as _os

_DATA_PLACES = [_os.environ.get("FASHION_MNIST_DIR", ""), "/usr/share/datasets/fashion-mnist", "{data}"]


def _sees_the_data():
    return any(p and _os.path.exists(_os.path.join(p, "t10k-labels-idx1-ubyte.gz")) for p in _DATA_PLACES)
'''


def test_the_network_trains_where_its_code_cannot_see_the_data(tmp_path):
    data_or_skip()
    body = SOLUTION[BEGIN:END].replace("    Y = gamma * X_hat + beta",
                                       "    Y = gamma * X_hat + beta\n    if _sees_the_data():\n        Y = Y * 0")
    source = with_body(body, SNOOP.format(data=training_data_dir()))
    assert "_sees_the_data()" in source
    report = grade_submission(submit(tmp_path, "snoop", source), ("batch_norm_scratch",), train=True, device="cpu")
    training = [r for r in report.results if r.kind == "training"]
    assert training and all(r.status == "passed" for r in training), report.text("en")


def test_student_children_are_never_shown_the_data(tmp_path):
    with pytest.raises(ValueError, match="replay children only"):
        Sandbox(tmp_path, "batch_norm_scratch", Limits(), data_dir=tmp_path)


def test_a_mistaken_layer_keeps_its_behaviour_points_and_does_not_train(tmp_path):
    """A wrong variance is charged by the layer's own checks; the network's behaviour checks keep their
    points; the training run, which would train the book's layer in its place, is not started."""
    data_or_skip()
    source = SOLUTION.replace("var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)",
                              "var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True) * 1.1")
    assert source != SOLUTION
    report = grade_submission(submit(tmp_path, "mistake", source), ("batch_norm_scratch",), train=True,
                              device="cpu")
    by_name = {r.name: r for r in report.results}
    assert by_name["gradients reach every parameter"].status == "passed", report.text("en")
    training = by_name["short training run reaches the target accuracy"]
    assert training.score == 0 and "does not yet compute the book's batch normalization" in training.output


# -- the arithmetic's mistakes, named from a generator of them ---------------------------------------------------

def student_step(x, gamma, beta, g, *, mean_axes=None, var_axes=None, unbiased=False, eps=1e-5, cut=False):
    """One training call of a BatchNorm written with the given choices, as the child reports it (float32)."""
    import torch
    from grader.checking import batchnorm as bn
    x_, gamma_, beta_ = (v.float().clone().requires_grad_(True) for v in (x, gamma, beta))
    book = bn.BOOK_AXES[x.dim()]
    mean = x_.mean(dim=mean_axes or book, keepdim=True)
    var = ((x_ - mean) ** 2).mean(dim=var_axes or mean_axes or book, keepdim=True)
    if unbiased:
        n = bn.count(x_, var_axes or mean_axes or book)
        var = var * n / (n - 1)
    if cut:
        mean, var = mean.detach(), var.detach()
    y = gamma_ * (x_ - mean) / torch.sqrt(var + eps) + beta_
    (y * g.float()).sum().backward()
    return {"Y": y.detach().double().tolist(), "dX": x_.grad.double().flatten().tolist(),
            "dgamma": gamma_.grad.double().flatten().tolist(), "dbeta": beta_.grad.double().flatten().tolist()}


STUDENT_MISTAKES = {       # (the student's choices, the causes' keys the grader must name, in order)
    "variance over axis 0 only": ({"var_axes": (0,)}, ["variance axes"]),
    "no eps": ({"eps": 0.0}, ["eps"]),
    "unbiased variance": ({"unbiased": True}, ["unbiased variance"]),
    "mean and variance per pixel": ({"mean_axes": (0,)}, ["axes"]),
    "unbiased, and no eps": ({"unbiased": True, "eps": 0.0}, ["unbiased variance", "eps"]),
    "statistics cut off from autograd": ({"cut": True}, ["gradient"]),
}


@pytest.mark.parametrize("mistake", sorted(STUDENT_MISTAKES))
def test_a_mistake_in_the_arithmetic_is_named_once_and_only_it(mistake):
    from grader.checking import batchnorm as bn
    from grader.report import CheckFailure
    choices, keys = STUDENT_MISTAKES[mistake]
    case = bn.function_case((3, 4, 3, 3), 5, eps=1e-3)
    x, gamma, beta, g = (bn.t(case[k]) for k in ("X", "gamma", "beta", "G"))
    found = student_step(x, gamma, beta, g, **{"eps": case["eps"], **choices})
    with pytest.raises(CheckFailure) as failure:
        bn.check_training_step("batch_norm(...)", "batch_norm(...)", x, gamma, beta, case["eps"], found, g)
    named = [failure.value.cause[0], *failure.value.also] if failure.value.cause else []
    assert [cause.key[1] for cause in named] == keys, str(failure.value)
    if "gradient" not in keys:
        assert "cut off from autograd" not in str(failure.value)
