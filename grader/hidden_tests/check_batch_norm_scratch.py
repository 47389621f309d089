"""The BatchNorm written from scratch: its arithmetic, against nn.BatchNorm1d/2d and the book's moving averages.

The student's ``batch_norm`` and ``BatchNorm`` run in the sandbox on inputs made
here; the verdicts and the names of the mistakes come from
``grader/checking/batchnorm.py``, in this process. Training is ``net.train()``
with gradients on, prediction ``net.eval()`` under ``torch.no_grad()``: the
book's own use, where ``torch.is_grad_enabled()`` and ``self.training`` agree.
"""
import pytest
from hypothesis import example, given

from grader import strategies
from grader.checking.compare import PROPERTY_SETTINGS
from grader.report import CheckFailure, bilingual


class Arithmetic:
    """``grader/checking/batchnorm.py``, imported on first use: it needs torch, which grading the other
    networks does not (the grading process then leaves torch to its children)."""

    def __getattr__(self, name):
        if name.startswith("_"):        # pytest's look at every name of a test module
            raise AttributeError(name)
        from grader.checking import batchnorm
        return getattr(batchnorm, name)


bn = Arithmetic()

# The network trains (on a replay where this layer is the book's) only once these pass: policy.scratch_layer_difference.
pytestmark = [pytest.mark.networks("batch_norm_scratch"), pytest.mark.scratch_layer]

# (features, num_dims, input shape) of the fixed cases: after a fully connected layer and after a convolution
CASES = [(5, 2, (4, 5)), (3, 4, (3, 3, 4, 5))]


def layer_call(features, dims) -> str:
    return f"BatchNorm({features}, num_dims={dims})"


def run_layer(student, features, dims, steps):
    call = layer_call(features, dims)
    return student.ask("bn_module", f"running {call}", num_features=features, num_dims=dims, steps=steps)


def parameters_of(observed, name, shape):
    return bn.t(observed["initial"][name]).reshape(shape)


def check_layer_steps(call, features, dims, steps, observed) -> None:
    """Every step of ``observed`` (``do_bn_module``) against nn.BatchNorm and the book's moving averages."""
    shape = bn.stat_shape((1, features) if dims == 2 else (1, features, 1, 1))
    bn.registration(call, observed, features, dims)
    gamma, beta = parameters_of(observed, "gamma", shape), parameters_of(observed, "beta", shape)
    before = [observed["moving"][name]["value"] for name in ("moving_mean", "moving_var")]
    for k, (step, seen) in enumerate(zip(steps, observed["steps"])):
        x = bn.t(step["X"])
        what = f"{call} (step {k + 1}, {'training' if step['mode'] == 'train' else 'prediction'})"
        if step["mode"] == "train":
            found = {"Y": seen["Y"], "dX": seen["dX"], "dgamma": seen["grads"].get("gamma"),
                     "dbeta": seen["grads"].get("beta")}
            moving = tuple(bn.per_channel(v, x, n, what).reshape(shape)
                           for v, n in zip(before, ("moving_mean", "moving_var")))
            bn.check_training_step(call, what, x, gamma, beta, bn.BOOK_EPS, found, bn.t(step["G"]), moving)
            bn.check_moving_update(call, what, x, before, seen["moving"])
        else:
            bn.check_prediction(call, what, x, gamma, beta, bn.BOOK_EPS, before, seen["Y"])
            bn.check_moving_unchanged(call, what, x, before, seen["moving"])
        before = seen["moving"]


def wrong_for_some_inputs(what: str, failure: CheckFailure) -> CheckFailure:
    return CheckFailure(bilingual(f"{what} is wrong for some inputs (random shapes and values, smallest failing "
                                  "one shown):", f"{what} 在某些输入上出错（随机形状与数值，显示最小的失败例子）：")
                        + failure.text, cause=failure.cause)


def holds_for(prop, what: str) -> None:
    """``prop(data, settings)`` for random inputs (``strategies``), the book's two shapes first."""
    failures = []
    book = strategies.BOOK_BATCH_NORM_SETTINGS

    @PROPERTY_SETTINGS
    @given(strategies.batch_norm_input(), strategies.batch_norm_settings)
    @example(strategies.BOOK_BATCH_NORM_INPUTS[0], book)
    @example(strategies.BOOK_BATCH_NORM_INPUTS[1], book)
    def test(data, settings):
        try:
            prop(data, settings)
        except CheckFailure as failure:
            failures.append(failure)
            raise

    try:
        test()
    except CheckFailure:
        raise wrong_for_some_inputs(what, failures[-1]) from None


# -- params -----------------------------------------------------------------------------------------

@pytest.mark.kind("params")
def test_gamma_and_beta_are_parameters_and_the_moving_statistics_are_not(network, student):
    """BatchNorm: gamma and beta are parameters, moving_mean and moving_var are not
    中文：BatchNorm：gamma 和 beta 是参数，moving_mean 和 moving_var 不是
    """
    for features, dims, _ in CASES:
        bn.registration(layer_call(features, dims), run_layer(student, features, dims, []), features, dims)


# -- property ---------------------------------------------------------------------------------------

@pytest.mark.kind("property")
def test_batch_norm_function_on_random_inputs(network, student):
    """batch_norm(...) in training on random 2-D and 4-D inputs: outputs, gradients, moving statistics
    中文：batch_norm(...) 在训练模式下处理随机的二维和四维输入：输出、梯度、移动统计量
    """
    def prop(data, settings):
        case = bn.function_case(data["shape"], data["seed"], data["scale"], data["shift"], **settings)
        found = student.ask("bn_function", "running batch_norm(...)", cases=[case])[0]
        x = bn.t(case["X"])
        what = f"batch_norm(X, ..., eps={settings['eps']:g}, momentum={settings['momentum']:g})"
        moving = (bn.t(case["moving_mean"]), bn.t(case["moving_var"]))
        bn.check_training_step("batch_norm(...)", what, x, bn.t(case["gamma"]), bn.t(case["beta"]),
                               settings["eps"], found, bn.t(case["G"]), moving)
        # either edition's convention for the function's momentum; BatchNorm's checks pin the update itself
        bn.check_moving_update("batch_norm(...)", what, x, moving, (found["moving_mean"], found["moving_var"]),
                               momentum=settings["momentum"], conventions=("zh", "en"))
    holds_for(prop, "batch_norm(...)")


@pytest.mark.kind("property")
def test_BatchNorm_layer_on_random_inputs(network, student):
    """BatchNorm(...) on random 2-D and 4-D inputs: one training step, then prediction
    中文：BatchNorm(...) 处理随机的二维和四维输入：一步训练，然后预测
    """
    def prop(data, settings):
        shape = tuple(data["shape"])
        features, dims = shape[1], len(shape)
        steps = bn.module_steps(shape, data["seed"], ["train", "eval", "eval1"], data["scale"], data["shift"])
        call = layer_call(features, dims)
        check_layer_steps(call, features, dims, steps, run_layer(student, features, dims, steps))
    holds_for(prop, "BatchNorm(...)")


# -- behaviour --------------------------------------------------------------------------------------

@pytest.mark.kind("behaviour")
def test_training_outputs_and_gradients_equal_nn_batchnorm(network, student):
    """BatchNorm in training: outputs and gradients equal nn.BatchNorm1d/2d
    中文：训练模式下的 BatchNorm：输出和梯度与 nn.BatchNorm1d/2d 相同
    """
    for features, dims, shape in CASES:
        steps = bn.module_steps(shape, 11, ["train"], scale=2.0, shift=1.0)
        check_layer_steps(layer_call(features, dims), features, dims, steps,
                          run_layer(student, features, dims, steps))


@pytest.mark.kind("behaviour")
def test_moving_statistics_follow_the_book_after_one_and_several_steps(network, student):
    """BatchNorm: moving statistics after one and after several training steps (momentum 0.9)
    中文：BatchNorm：一步和多步训练后的移动统计量（momentum 0.9）
    """
    for features, dims, shape in CASES:
        steps = bn.module_steps(shape, 23, ["train", "train", "train", "train"], scale=1.5, shift=-1.0)
        call = layer_call(features, dims)
        observed = run_layer(student, features, dims, steps)
        check_layer_steps(call, features, dims, steps, observed)
        # several steps: the book's trajectory from 0 and 1, whatever happened on the way
        # (the variance may be the batch's own, the book's, or unbiased, as nn.BatchNorm's running_var)
        m = bn.BOOK_MOMENTUM
        mean, var, var_unbiased = bn.t([0.0] * features), bn.t([1.0] * features), bn.t([1.0] * features)
        for step in steps:
            x = bn.t(step["X"])
            batch_mean, batch_var = (s.flatten() for s in bn.batch_stats(x))
            mean = m * mean + (1 - m) * batch_mean
            var = m * var + (1 - m) * batch_var
            var_unbiased = m * var_unbiased + (1 - m) * bn.batch_stats(x, unbiased=True)[1].flatten()
        found = observed["steps"][-1]["moving"]
        for label, expected, seen in (("moving_mean", mean, found[0]), ("moving_var", var, found[1])):
            if not bn.close(seen, expected) and not (label == "moving_var" and bn.close(seen, var_unbiased)):
                bn.fail(f"after {len(steps)} training steps from the start, {call}.{label} is not the book's "
                        "moving average.", f"从头训练 {len(steps)} 步后，{call}.{label} 与书中的移动平均不同。",
                        [f"expected: {bn.shown(expected)}", f"found:    {bn.shown(seen)}"])


@pytest.mark.kind("behaviour")
def test_prediction_uses_the_moving_statistics(network, student):
    """BatchNorm in prediction: the moving statistics, and one image's output does not depend on the batch
    中文：预测模式下的 BatchNorm：使用移动统计量，单张图片的输出与批量无关
    """
    for features, dims, shape in CASES:
        steps = bn.module_steps(shape, 37, ["train", "train", "eval", "eval1"], scale=0.7, shift=2.0)
        call = layer_call(features, dims)
        observed = run_layer(student, features, dims, steps)
        check_layer_steps(call, features, dims, steps, observed)
        batch, alone = observed["steps"][-2]["Y"], observed["steps"][-1]["Y"]
        if not bn.close(alone[0], batch[0]):
            bn.fail(f"in prediction, {call} gives the first image another output alone than in its batch.",
                    f"预测模式下，{call} 对第一张图片单独计算与在批量中计算的输出不同。",
                    [f"in the batch: {bn.shown(batch[0])}", f"alone:        {bn.shown(alone[0])}"],
                    bn.batch_in_prediction_cause(call))
