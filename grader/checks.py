"""The hidden checks, one table of them, with their points.

Every check is a function ``check(student, reference)`` that raises
``CheckFailure`` with a message for the student. ``student`` and
``reference`` are ``Observer`` objects: they ask a sandboxed child for
observations (tables, traces, numbers) of the student's module or of the
reference solution. Verdicts are computed here, in the grader's process.

Points: each network has a budget per KIND (``POINTS``); the checks of one
kind share it equally. ``python -m grader points`` prints the table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings

from . import strategies
from .report import CheckFailure, bilingual, shape_text, wrong_output_shape, wrong_parameter_count
from .spec import NETWORKS, LayerRow
from .trace import Trace, explain_mismatch, first_mismatch
from .visible import table_failure

KINDS = ("shapes", "params", "structure", "property", "behaviour", "training")

# Points per network and kind; 100 in all.
POINTS = {
    "lenet":      {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "batch_norm": {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 2, "training": 3},
    "alexnet":    {"shapes": 2, "params": 1, "structure": 3, "property": 1, "behaviour": 3, "training": 2},
    "vgg":        {"shapes": 2, "params": 1, "structure": 3, "property": 4, "behaviour": 2, "training": 2},
    "nin":        {"shapes": 2, "params": 1, "structure": 3, "property": 2, "behaviour": 2, "training": 2},
    "googlenet":  {"shapes": 2, "params": 1, "structure": 4, "property": 2, "behaviour": 3, "training": 2},
    "resnet":     {"shapes": 2, "params": 2, "structure": 4, "property": 4, "behaviour": 8, "training": 4},
}

# Inputs for the checks that do real arithmetic: as small as each architecture allows.
BEHAVIOUR_INPUT = {
    "lenet": ("lenet()", (4, 1, 28, 28)),
    "batch_norm": ("lenet_bn()", (4, 1, 28, 28)),
    "alexnet": ("alexnet()", (2, 1, 224, 224)),
    "vgg": ("vgg(((1, 4), (2, 8)))", (3, 1, 28, 28)),
    "nin": ("nin()", (2, 1, 96, 96)),
    "googlenet": ("googlenet()", (2, 1, 96, 96)),
    "resnet": ("resnet18()", (2, 1, 64, 64)),
}
HAS_DROPOUT = {"alexnet", "vgg", "nin"}
PROPERTY_EXAMPLES = 20


class Observer:
    """Asks one sandbox for observations, caching them (the reference is asked once per process)."""

    def __init__(self, sandbox, label: str, device: str = "cpu"):
        self.sandbox, self.label, self.cache = sandbox, label, {}
        self.device = device          # where the training check trains

    def ask(self, op: str, activity: str, **args):
        key = (op, repr(sorted(args.items())))
        if key not in self.cache:
            self.cache[key] = self.sandbox.request(op, activity, **args)
        return self.cache[key]

    def table(self, call, shape):
        rows = self.ask("table", f"running {call} layer by layer", call=call, input_shape=list(shape))
        return [LayerRow(name, tuple(s)) for name, s in rows]

    def params(self, call, shape=None):
        return self.ask("params", f"building {call}", call=call,
                        input_shape=list(shape) if shape is not None else None)

    def output_shape(self, call, shape):
        return tuple(self.ask("output_shape", f"running {call}", call=call, input_shape=list(shape)))

    def trace(self, call, shape, mode="train"):
        data = self.ask("trace", f"running {call} ({mode} mode)", call=call, input_shape=list(shape), mode=mode)
        return Trace.from_data(data)


@dataclass(frozen=True)
class Check:
    module: str
    kind: str
    name: str
    run: Callable
    points: float = 0.0


# -- shapes and parameters ---------------------------------------------------

def book_table(module):
    def check(student, reference):
        spec = NETWORKS[module]
        found = student.table(spec.call, spec.input_shape)
        if found != list(spec.table):
            raise CheckFailure(table_failure(spec, found))
    return check


def example_shapes(module):
    def check(student, reference):
        for ex in NETWORKS[module].examples:
            found = student.output_shape(ex.call, ex.input_shape)
            if found != ex.output_shape:
                raise wrong_output_shape(ex.call, ex.input_shape, found, ex.output_shape)
    return check


def parameter_counts(module):
    def check(student, reference):
        spec = NETWORKS[module]
        cases = [(spec.call, spec.params, spec.input_shape)]
        cases += [(ex.call, ex.params, ex.input_shape) for ex in spec.examples]
        for call, expected, shape in cases:
            found = student.params(call, shape)
            if found != expected:
                raise wrong_parameter_count(call, found, expected)
    return check


# -- structure ---------------------------------------------------------------

def compare_traces(call, shape, mode, student, reference):
    expected = reference.trace(call, shape, mode)
    found = student.trace(call, shape, mode)
    index = first_mismatch(expected, found)
    if index is None:
        return
    where, want, got = explain_mismatch(expected, found, index)
    raise CheckFailure(bilingual(
        f"{call} on input {shape_text(shape)} ({mode} mode) computes something different from the book.\n"
        f"  where:    {where}\n  expected: {want}\n  found:    {got}\n"
        "  hint: compare this layer's type, kernel, stride, padding, activation and inputs with the book.",
        f"{call} 在输入 {shape_text(shape)}（{'训练' if mode == 'train' else '评估'}模式）下的计算与书中不同，"
        f"位置：{where}，见上方的 expected（书中）与 found（你的实现）。"))


def network_structure(module, mode):
    def check(student, reference):
        spec = NETWORKS[module]
        compare_traces(spec.call, (2, *spec.input_shape[1:]), mode, student, reference)
    return check


# -- properties (hypothesis) -------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=PROPERTY_EXAMPLES, derandomize=True, deadline=None,
                             database=None, verbosity=Verbosity.quiet, print_blob=False,
                             report_multiple_bugs=False,
                             phases=(Phase.explicit, Phase.generate, Phase.shrink),
                             suppress_health_check=list(HealthCheck))


def same_as_reference(call, shape, student, reference):
    expected_params, found_params = reference.params(call, shape), student.params(call, shape)
    if found_params != expected_params:
        raise wrong_parameter_count(call, found_params, expected_params)
    expected_shape, found_shape = reference.output_shape(call, shape), student.output_shape(call, shape)
    if found_shape != expected_shape:
        raise wrong_output_shape(call, shape, found_shape, expected_shape)
    compare_traces(call, shape, "train", student, reference)


def builder_property(strategy, what, edge_cases=()):
    def examples(test):
        for case in edge_cases:
            test = example(case)(test)
        return test

    def check(student, reference):
        failures = []

        @PROPERTY_SETTINGS
        @given(strategy)
        @examples
        def prop(example):
            call, shape = example
            try:
                same_as_reference(call, shape, student, reference)
            except CheckFailure as failure:
                failures.append(str(failure))
                raise

        try:
            prop()
        except CheckFailure:
            raise CheckFailure(bilingual(
                f"{what} is wrong for some arguments (random configurations, smallest failing one shown):",
                f"{what} 在某些参数下出错（随机配置，显示最小的失败例子）：") + "\n" + failures[-1]) from None
    return check


# -- behaviour (real arithmetic on small inputs) -----------------------------

def gradients(module):
    def check(student, reference):
        call, shape = BEHAVIOUR_INPUT[module]
        report = student.ask("gradients", f"backpropagating through {call}", call=call, input_shape=list(shape))
        dead = [name for name, _, alive in report if not alive]
        if dead:
            raise CheckFailure(bilingual(
                f"after a backward pass through {call}, these parameters got no gradient: "
                f"{', '.join(dead[:6])}{' ...' if len(dead) > 6 else ''}.\n"
                "  hint: look for .detach(), torch.no_grad() or a branch whose output is not used.",
                f"{call} 反向传播后这些参数没有梯度：{', '.join(dead[:6])}。"
                "请检查 .detach()、torch.no_grad() 或未被使用的分支。"))
    return check


def close(a, b, tol=1e-4) -> bool:
    flat_a, flat_b = list(flatten(a)), list(flatten(b))
    return len(flat_a) == len(flat_b) and all(
        math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(flat_a, flat_b))


def flatten(values):
    if isinstance(values, list):
        for v in values:
            yield from flatten(v)
    else:
        yield float(values)


def eval_mode(module):
    def check(student, reference):
        call, shape = BEHAVIOUR_INPUT[module]
        full, first, again = student.ask(
            "outputs", f"running {call} in eval mode", call=call,
            input_shapes=[list(shape), [1, *shape[1:]], list(shape)], mode="eval", reseed=[1, 2, 3])
        if not close(full, again):
            raise CheckFailure(bilingual(
                f"in eval mode, {call} gives different outputs for the same input.\n"
                "  hint: dropout must be off in eval mode (use nn.Dropout, or pass training=self.training).",
                f"评估模式下 {call} 对相同输入给出不同输出：评估模式下应关闭 dropout。"))
        if not close(full[0], first[0]):
            raise CheckFailure(bilingual(
                f"in eval mode, the output of {call} for one image depends on the other images in the batch.\n"
                "  hint: in eval mode BatchNorm must use its running statistics (keep the default "
                "track_running_stats=True and use nn.BatchNorm).",
                f"评估模式下 {call} 对一张图片的输出依赖于同一批中的其他图片：BatchNorm 应使用滑动平均统计量。"))
    return check


def dropout_in_training(module):
    def check(student, reference):
        call, shape = BEHAVIOUR_INPUT[module]
        one, two = student.ask("outputs", f"running {call} in training mode", call=call,
                               input_shapes=[list(shape), list(shape)], mode="train", reseed=[1, 2])
        if close(one, two):
            raise CheckFailure(bilingual(
                f"in training mode, {call} gives identical outputs twice: its dropout layers do nothing.",
                f"训练模式下 {call} 两次输出完全相同：dropout 没有起作用。"))
    return check


def non_negative(calls):
    def check(student, reference):
        for call, shape in calls:
            result = student.ask("minimum", f"running {call}", call=call, input_shape=list(shape))
            if result["min"] < 0:
                raise CheckFailure(bilingual(
                    f"{call} returned a negative value ({result['min']:.3g}); the book's block ends every "
                    "path with a ReLU, so its output is never negative.",
                    f"{call} 输出了负数（{result['min']:.3g}）；书中的块在每条路径末尾都有 ReLU，输出不应为负。"))
    return check


def relu(values):
    return [relu(v) for v in values] if isinstance(values, list) else max(0.0, values)


def conv1x1(x, weight, bias, stride):
    """A 1x1 convolution in plain Python: x[n][c][h][w], weight[out][in]."""
    out = []
    for image in x:
        height, width = len(image[0]), len(image[0][0])
        rows = range(0, height, stride[0])
        cols = range(0, width, stride[1])
        out.append([[[sum(w[c] * image[c][i][j] for c in range(len(w))) + (bias[o] if bias else 0.0)
                      for j in cols] for i in rows] for o, w in enumerate(weight)])
    return out


def residual_identity(configs):
    def check(student, reference):
        for call, shape in configs:
            seen = student.ask("residual_identity", f"running {call} with its residual branch silenced",
                               call=call, input_shape=list(shape))
            if seen["norms"] < 2:
                raise CheckFailure(bilingual(f"{call} has {seen['norms']} BatchNorm layers; the book's has 2.",
                                             f"{call} 应有 2 个 BatchNorm 层，实际为 {seen['norms']} 个。"))
            if "use_1x1conv=True" in call:
                if len(seen["shortcuts"]) != 1:
                    raise CheckFailure(bilingual(
                        f"{call} should have exactly one 1x1 convolution (the shortcut); found "
                        f"{len(seen['shortcuts'])}.",
                        f"{call} 应恰好有一个 1x1 卷积（捷径），实际为 {len(seen['shortcuts'])} 个。"))
                s = seen["shortcuts"][0]
                expected = relu(conv1x1(seen["input"], s["weight"], s["bias"], s["stride"]))
                shortcut = "relu(conv1x1(X))"
            else:
                expected, shortcut = relu(seen["input"]), "relu(X)"
            if not close(seen["output"], expected):
                raise CheckFailure(bilingual(
                    f"with its residual branch silenced (both BatchNorm layers scaled to 0), {call} must "
                    f"return exactly {shortcut}; it does not.\n"
                    "  hint: the block computes relu(bn2(conv2(...)) + shortcut(X)): add the shortcut after "
                    "bn2, then apply the ReLU.",
                    f"将残差分支置零（两个 BatchNorm 的缩放为 0）后，{call} 应恰好输出 {shortcut}。"
                    "请先计算 bn2 的输出，再加上捷径，最后做 ReLU。"))
    return check


def training(module):
    def check(student, reference):
        result = student.ask("train", f"training {NETWORKS[module].call}", device=student.device)
        if not isinstance(result, dict) or "test_acc" not in result or "target" not in result:
            raise CheckFailure("the training run returned no result\n训练没有返回结果")
        from . import train as trainer      # the target is the grader's own, not what the child echoes
        plan = trainer.training_check_plan(module, student.device)
        acc, target = float(result["test_acc"]), float(plan["target"]) if plan else float("inf")
        if not acc >= target:
            raise CheckFailure(bilingual(
                f"after a short training run ({result.get('steps', '?')} steps on {result.get('test_images', '?')} "
                f"held-out images) the test accuracy is {acc:.3f}; the reference reaches at least {target:.3f}.",
                f"短时间训练后测试准确率为 {acc:.3f}，参考实现至少能达到 {target:.3f}。"))
    return check


# -- the table of checks -----------------------------------------------------

def network_checks(module: str) -> list[Check]:
    spec = NETWORKS[module]
    checks = [Check(module, "shapes", f"{spec.call} layer table at {shape_text(spec.input_shape)}",
                    book_table(module))]
    if spec.examples:
        checks.append(Check(module, "shapes", "block examples: output shapes", example_shapes(module)))
    checks += [
        Check(module, "params", "parameter counts", parameter_counts(module)),
        Check(module, "structure", f"{spec.call}: every operation as in the book (training mode)",
              network_structure(module, "train")),
        Check(module, "structure", f"{spec.call}: every operation as in the book (eval mode)",
              network_structure(module, "eval")),
    ]
    builders = [name for name in spec.student_names if name in strategies.BUILDERS]
    for name in builders:
        checks.append(Check(module, "property", f"{name}(...) on random configurations",
                            builder_property(strategies.BUILDERS[name], f"{name}(...)",
                                             strategies.EDGE_CASES.get(name, ()))))
    if not builders:
        checks.append(Check(module, "property", f"{spec.call} for other batch sizes",
                            builder_property(strategies.network(spec.call, spec.input_shape), spec.call)))
    checks.append(Check(module, "behaviour", "gradients reach every parameter", gradients(module)))
    checks.append(Check(module, "behaviour", "eval mode: deterministic, one image at a time", eval_mode(module)))
    if module in HAS_DROPOUT:
        checks.append(Check(module, "behaviour", "training mode: dropout is active", dropout_in_training(module)))
    blocks = {"vgg": [("vgg_block(2, 3, 4)", (2, 3, 8, 8))],
              "nin": [("nin_block(3, 4, kernel_size=3, strides=1, padding=1)", (2, 3, 8, 8))],
              "googlenet": [("Inception(4, 2, (3, 4), (2, 3), 2)", (2, 4, 5, 5))],
              "resnet": [("Residual(3, 3)", (2, 3, 6, 6)),
                         ("Residual(3, 6, use_1x1conv=True, strides=2)", (2, 3, 6, 6))]}
    if module in blocks:
        checks.append(Check(module, "behaviour", "block outputs are never negative", non_negative(blocks[module])))
    if module == "resnet":
        checks.append(Check(module, "behaviour", "residual identity: silenced branch gives relu(shortcut)",
                            residual_identity(blocks["resnet"])))
    checks.append(Check(module, "training", "short training run reaches the target accuracy", training(module)))
    return with_points(checks)


def with_points(checks: list[Check]) -> list[Check]:
    counts = {}
    for check in checks:
        counts[check.kind] = counts.get(check.kind, 0) + 1
    return [Check(c.module, c.kind, c.name, c.run, POINTS[c.module][c.kind] / counts[c.kind]) for c in checks]


ALL_CHECKS: dict[str, list[Check]] = {module: network_checks(module) for module in NETWORKS}
assert sum(sum(p.values()) for p in POINTS.values()) == 100
