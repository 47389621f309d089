"""The BatchNorm written from scratch (``batch_norm_scratch.py``), judged on its arithmetic.

The student's ``batch_norm`` and ``BatchNorm`` run in the sandboxed child on
inputs made here (``Probes.do_bn_function``, ``Probes.do_bn_module``); what they
computed comes back as numbers. Everything else happens in the grading
process: the expected values come from PyTorch's own ``nn.BatchNorm1d`` /
``nn.BatchNorm2d`` (in float64, with the book's settings) and from the book's
update of the moving statistics, and when the numbers differ, the mistake is
named by recomputing the usual wrong versions (an unbiased variance, the
mean over other axes, the moving statistics used in training, the momentum
the other way round, ...) and seeing which one the student's numbers match.

The book decides between training and prediction with
``torch.is_grad_enabled()``; a layer that decides with ``self.training``
cannot be told apart in the book's own use (``net.train()`` with gradients on,
``net.eval()`` under ``torch.no_grad()``), which is the only use made here.
"""
from __future__ import annotations

import torch
from torch import nn

from ..computation.diagnose import Cause
from ..report import CheckFailure, bilingual, display_width
from ..text import LABELS, Text
from .batchnorm_causes import (BOOK_AXES, affine_cause, axes_cause, batch_in_prediction_cause, cause, eps_cause,
                               gradient_cause, mean_axes_cause, momentum_cause, moving_in_training_cause,
                               never_updated_cause,
                               unbiased_cause, updated_in_prediction_cause, variance_axes_cause)

TOL = 2e-4            # float32 arithmetic of the student against float64 here
NOISE = 1e-5          # closer than this, two computations are one (float32 rounding): the simpler one is named
BOOK_EPS, BOOK_MOMENTUM = 1e-5, 0.9
OTHER_AXES = {2: [(1,), (0, 1)], 4: [(0,), (2, 3), (1, 2, 3), (0, 1, 2, 3), (0, 1), (0, 2), (0, 3), (1,)]}


# -- inputs -------------------------------------------------------------------------------

def values(shape, seed: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    """Seeded float32 values (sent to the child as they are, so both sides hold the same numbers)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(tuple(shape), generator=generator) * scale + shift


def stat_shape(x_shape) -> tuple[int, ...]:
    return (1, x_shape[1]) if len(x_shape) == 2 else (1, x_shape[1], 1, 1)


def function_case(shape, seed: int, scale=1.0, shift=0.0, eps=BOOK_EPS, momentum=BOOK_MOMENTUM) -> dict:
    """Arguments of one ``batch_norm`` call (as lists), and the upstream gradient ``G`` of its output."""
    s = stat_shape(shape)
    return {"X": values(shape, seed, scale, shift).tolist(),
            "gamma": (1 + 0.5 * values(s, seed + 1)).tolist(), "beta": values(s, seed + 2).tolist(),
            "moving_mean": values(s, seed + 3).tolist(), "moving_var": (0.5 + values(s, seed + 4).abs()).tolist(),
            "eps": float(eps), "momentum": float(momentum), "G": values(shape, seed + 5).tolist()}


def module_steps(shape, seed: int, modes, scale=1.0, shift=0.0) -> list[dict]:
    """Steps for ``do_bn_module``: a new batch for each training step (with ``G``); ``eval1`` is the
    previous eval batch's first image alone."""
    steps, last = [], None
    for k, mode in enumerate(modes):
        if mode == "eval1":
            steps.append({"mode": "eval", "X": [last[0]]})
            continue
        x = values(shape, seed + 10 * k, scale, shift + 0.3 * k).tolist()
        step = {"mode": mode, "X": x}
        if mode == "train":
            step["G"] = values(shape, seed + 10 * k + 1).tolist()
        steps.append(step)
        last = x
    return steps


def t(data) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        return data.detach().to(torch.float64)
    return torch.tensor(data, dtype=torch.float64)


# -- the expected values ------------------------------------------------------------------------

def nn_batch_norm(x, gamma, beta, eps, g) -> dict:
    """``nn.BatchNorm1d`` / ``nn.BatchNorm2d`` in training mode, float64: output and gradients of sum(Y * G)."""
    c = x.shape[1]
    layer = (nn.BatchNorm1d if x.dim() == 2 else nn.BatchNorm2d)(c, eps=eps, momentum=1 - BOOK_MOMENTUM,
                                                                   dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(gamma.flatten())
        layer.bias.copy_(beta.flatten())
    layer.train()
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        y = layer(x)
        (y * g).sum().backward()
    return {"Y": y.detach(), "dX": x.grad, "dgamma": layer.weight.grad, "dbeta": layer.bias.grad}


def batch_stats(x, axes=None, unbiased=False):
    axes = BOOK_AXES[x.dim()] if axes is None else axes
    return x.mean(dim=axes, keepdim=True), x.var(dim=axes, unbiased=unbiased, keepdim=True)


def normalized(x, gamma, beta, eps, mean, var):
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def count(x, axes) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def close(found, expected, tol=TOL) -> bool:
    if found is None:
        return False
    a, b = t(found).flatten(), torch.as_tensor(expected, dtype=torch.float64).flatten()
    return a.numel() == b.numel() and bool(torch.isfinite(a).all()) and \
        bool(torch.allclose(a, b, rtol=tol, atol=tol))


def shown(values_, limit=4, start=0) -> str:
    """Up to ``limit`` values from ``start`` (where two vectors first differ: the part worth seeing)."""
    flat = t(values_).flatten().tolist() if values_ is not None else []
    start = max(0, min(start, len(flat) - limit))
    text = ", ".join(f"{v:.4g}" for v in flat[start:start + limit])
    return f"[{'..., ' if start else ''}{text}{', ...' if len(flat) > start + limit else ''}]"


def first_difference_at(found, expected) -> int:
    """The first position where ``found`` differs from ``expected`` beyond the tolerance (0 if none)."""
    a, b = t(found).flatten(), torch.as_tensor(expected, dtype=torch.float64).flatten()
    if a.numel() != b.numel():
        return 0
    far = ~torch.isclose(a, b, rtol=TOL, atol=TOL)
    return int(far.nonzero()[0]) if bool(far.any()) else 0


# -- the mistakes, named --------------------------------------------------------------------------

def statistics(x, mean_axes, var_axes, unbiased):
    """The batch's mean over ``mean_axes`` and the variance of ``x`` around it over ``var_axes``."""
    mean = x.mean(dim=mean_axes, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=var_axes, keepdim=True)
    if unbiased:
        n = count(x, var_axes)
        var = var * n / (n - 1)
    return mean, var


def departures(where, x, eps, moving_mean):
    """Every computation that departs from the book's by one or two of the usual choices, fewest first:
    (causes, mean axes, variance axes, unbiased, eps used, gamma and beta applied, moving statistics used).
    A generator of the space of mistakes, not a list of them: the axes of the mean and of the variance, the
    variance's estimate, the eps, the affine step and which statistics are used are chosen independently."""
    rank = x.dim()
    book = BOOK_AXES[rank]
    axes_options = [book, *OTHER_AXES[rank]]
    made = []
    for mean_axes in axes_options:
        for var_axes in axes_options:
            for unbiased in (False, True):
                for used in dict.fromkeys((eps, BOOK_EPS, 0.0)):
                    for affine in (True, False):
                        causes = []
                        if mean_axes != book and var_axes == mean_axes:     # one choice of axes, used twice
                            causes.append(axes_cause(where, rank, mean_axes))
                        else:           # each statistic's own axes: the variance is around the mean taken
                            if mean_axes != book:
                                causes.append(mean_axes_cause(where, rank, mean_axes))
                            if var_axes != book:
                                causes.append(variance_axes_cause(where, rank, var_axes, mean_axes))
                        if unbiased:
                            if count(x, var_axes) < 2:
                                continue
                            causes.append(unbiased_cause(where))
                        if used != eps:
                            causes.append(eps_cause(where, eps, used))
                        if not affine:
                            causes.append(affine_cause(where))
                        if 1 <= len(causes) <= 2:
                            made.append((causes, mean_axes, var_axes, unbiased, used, affine, False))
    if moving_mean is not None:
        made.append(([moving_in_training_cause(where)], book, book, False, eps, True, True))
    return sorted(made, key=lambda item: len(item[0]))


def departed_output(x, gamma, beta, moving_mean, moving_var, departure):
    _, mean_axes, var_axes, unbiased, used, affine, moving = departure
    mean, var = (moving_mean, moving_var) if moving else statistics(x, mean_axes, var_axes, unbiased)
    return normalized(x, gamma if affine else 1.0, beta if affine else 0.0, used, mean, var)


def training_output_cause(where, x, gamma, beta, eps, moving_mean, moving_var, found) -> list[Cause]:
    """The usual mistakes (one, or two together) that explain ``found``, the student's training output; []
    when none does. A variant that computes what the book computes on this input explains nothing."""
    expected = normalized(x, gamma, beta, eps, *batch_stats(x))
    found = t(found).flatten() if found is not None else None
    best = None                 # (how far, how many causes, causes): the closest, then the simplest
    for departure in departures(where, x, eps, moving_mean):
        output = departed_output(x, gamma, beta, moving_mean, moving_var, departure).flatten()
        if found is None or output.numel() != found.numel() or not bool(torch.isfinite(output).all()) \
                or close(output, expected, tol=TOL):
            continue
        far = float((output - found).abs().max())
        if far <= 1e-3:
            rank = (max(far, NOISE), len(departure[0]), departure[0])
            if best is None or rank[:2] < best[:2]:
                best = rank
    return best[2] if best else []


def training_gradient_cause(where, x, gamma, beta, eps, g, name, found) -> list[Cause]:
    """The mistake behind a gradient that differs while the output agrees: an eps not used (too small to show in
    the output), or statistics cut off from autograd; [] when neither explains ``found``."""
    def gradients(used, cut):
        x_, gamma_, beta_ = (v.clone().requires_grad_(True) for v in (x, gamma, beta))
        with torch.enable_grad():
            mean, var = batch_stats(x_)
            if cut:
                mean, var = mean.detach(), var.detach()
            ((normalized(x_, gamma_, beta_, used, mean, var)) * g).sum().backward()
        return {"dX": x_.grad, "dgamma": gamma_.grad, "dbeta": beta_.grad}[name]
    for used in dict.fromkeys((BOOK_EPS, 0.0)):
        if abs(used - eps) > 1e-12 and close(found, gradients(used, False).reshape(-1), tol=1e-3):
            return [eps_cause(where, eps, used)]
    if close(found, gradients(eps, True).reshape(-1), tol=1e-3):
        return [gradient_cause(where)]
    return []


# -- the verdicts -----------------------------------------------------------------------------------

DETAIL_LABELS = {"expected (nn.BatchNorm):": "书中 (nn.BatchNorm)：", "found (yours):": "你的：",
                 **dict(LABELS[k] for k in ("expected", "found")), "before:": "之前：", "after:": "之后："}


def detail_line(line: "str | Text") -> Text:
    """A line of numbers, its label in each language (``DETAIL_LABELS``), or a line written in both."""
    if isinstance(line, Text):
        return line.indented("  ")
    label = next((label for label in DETAIL_LABELS if line.startswith(label)), None)
    if label is None:
        return Text.plain(f"  {line}")
    zh = DETAIL_LABELS[label]
    rest = line[len(label):]
    return Text.detail(f"  {line}", f"  {zh}{' ' * max(1, display_width(label) - display_width(zh))}{rest.lstrip()}")


def fail(head_en, head_zh, lines, named: Cause | list[Cause] | None = None):
    """A failure: the book's numbers against the student's, with the mistake (or two) when it is known."""
    text = bilingual(head_en, head_zh) + Text.of(*(detail_line(line) for line in lines))
    named = [named] if isinstance(named, Cause) else list(named or [])
    if named:
        text += Text.of(*(one.message() for one in named))
        raise CheckFailure(text, cause=(named[0], True), also=named[1:])
    raise CheckFailure(text)


def check_training_step(where, what, x, gamma, beta, eps, found: dict, g, moving=None) -> None:
    """``found``: the student's Y, dX, dgamma, dbeta for one training call on ``x``; fails unless they are
    ``nn.BatchNorm``'s (``moving``: the statistics the call was given, for naming a mistake)."""
    expected = nn_batch_norm(x, gamma, beta, eps, g)
    if not close(found.get("Y"), expected["Y"]):
        named = training_output_cause(where, x, gamma, beta, eps, *(moving or (None, None)), found.get("Y"))
        fail(f"in training, {what} on an input of shape {tuple(x.shape)} does not compute what "
             f"nn.BatchNorm{1 if x.dim() == 2 else 2}d (eps={eps:g}) computes.",
             f"训练模式下，{what} 在形状为 {tuple(x.shape)} 的输入上的结果与 nn.BatchNorm 不同。",
             [f"expected (nn.BatchNorm): Y = {shown(expected['Y'])}", f"found (yours):           Y = "
              f"{shown(found.get('Y'))}"], named)
    for name in ("dX", "dgamma", "dbeta"):
        if found.get(name) is None:         # gamma or beta outside the computation: not applied (at their
            # first values, ones and zeros, the output cannot tell), the mistake the function check names too
            fail(f"in training, {what}: no gradient reaches {name[1:]}.",
                 f"训练模式下，{what}：{name[1:]} 没有得到梯度。", [],
                 gradient_cause(where) if name == "dX" else affine_cause(where))
        if not close(found[name], expected[name].reshape(-1)):
            where_first = first_difference_at(found[name], expected[name].reshape(-1))
            fail(f"in training, {what}: the gradient with respect to {name[1:]} differs from nn.BatchNorm's.",
                 f"训练模式下，{what}：关于 {name[1:]} 的梯度与 nn.BatchNorm 不同。",
                 [f"expected: {shown(expected[name], start=where_first)}",
                  f"found:    {shown(found[name], start=where_first)}"],
                 training_gradient_cause(where, x, gamma, beta, eps, g, name, found[name]))


def per_channel(values_, x, label: str, what: str) -> torch.Tensor:
    """A statistic as one number per feature or channel (it may come as (1, C), (1, C, 1, 1) or (C,))."""
    if values_ is None:
        fail(f"{what} gave no {label}.", f"{what} 没有给出 {label}。", [])
    flat = t(values_).flatten()
    if flat.numel() != x.shape[1]:
        fail(f"{what}: {label} has {flat.numel()} values; it must hold one per "
             f"{'feature' if x.dim() == 2 else 'channel'}, {x.shape[1]}.",
             f"{what}：{label} 应有 {x.shape[1]} 个值（每个特征/通道一个），实际为 {flat.numel()} 个。",
             [bilingual(f"hint: the shape of the statistics is {stat_shape(tuple(x.shape))}.",
                        f"提示：统计量的形状为 {stat_shape(tuple(x.shape))}。")])
    return flat


def check_moving_update(where, what, x, before, after, momentum=BOOK_MOMENTUM, conventions=("zh",)) -> None:
    """``before``/``after``: (mean, var) of the moving statistics around one training step on ``x``.

    ``conventions``: ``zh`` is the book's, momentum * moving + (1 - momentum) * batch (BatchNorm passes 0.9);
    ``en`` also accepts the English edition's (1 - momentum) * moving + momentum * batch (where BatchNorm
    passes 0.1): for the function alone, whose ``momentum`` the two editions read the other way round. The
    batch's variance may be the unbiased one here (nn.BatchNorm's running_var is), not in the output."""
    mean, var = (s.flatten() for s in batch_stats(x))
    var_unbiased = batch_stats(x, unbiased=True)[1].flatten() if count(x, BOOK_AXES[x.dim()]) > 1 else var
    for k, (label, batch, alt) in enumerate((("moving_mean", mean, mean), ("moving_var", var, var_unbiased))):
        old = per_channel(before[k], x, label, what)
        new = per_channel(after[k], x, label, what)
        accepted = []
        for convention in conventions:
            m = momentum if convention == "zh" else 1 - momentum
            accepted += [m * old + (1 - m) * b for b in (batch, alt)]
        if any(close(new, e) for e in accepted):
            continue
        if close(new, old):
            named = never_updated_cause(where)
        elif any(close(new, (1 - momentum) * old + momentum * b) for b in (batch, alt)):
            named = momentum_cause(where)
        elif any(close(new, b) for b in (batch, alt)):
            named = momentum_cause(where, replaced=True)
        else:
            named = None
        fail(f"after a training step of {what} on an input of shape {tuple(x.shape)}, {label} is not "
             f"momentum * {label} + (1 - momentum) * the batch's {label[7:]} (momentum {momentum:g}).",
             f"{what} 训练一步后，{label} 不等于 momentum * {label} + (1 - momentum) * 批量统计量"
             f"（momentum 为 {momentum:g}）。",
             [f"before:   {shown(old)}", f"expected: {shown(accepted[0])}", f"found:    {shown(new)}"], named)


def check_moving_unchanged(where, what, x, before, after) -> None:
    """A prediction step leaves the moving statistics as they were."""
    for k, label in enumerate(("moving_mean", "moving_var")):
        if not close(per_channel(after[k], x, label, what), per_channel(before[k], x, label, what)):
            fail(f"in prediction (net.eval() under torch.no_grad()), {what} changed {label}.",
                 f"预测模式下 {what} 改变了 {label}。",
                 [f"before: {shown(before[k])}", f"after:  {shown(after[k])}"], updated_in_prediction_cause(where))


def check_prediction(where, what, x, gamma, beta, eps, moving, found_y) -> None:
    """In prediction ``found_y`` must be the normalization with the moving statistics ``moving`` (mean, var)."""
    shape = stat_shape(tuple(x.shape))
    mean, var = (per_channel(v, x, label, what).reshape(shape)
                 for v, label in zip(moving, ("moving_mean", "moving_var")))
    expected = normalized(x, gamma, beta, eps, mean, var)
    if close(found_y, expected):
        return
    named = None
    if close(found_y, normalized(x, gamma, beta, eps, *batch_stats(x))) or (
            count(x, BOOK_AXES[x.dim()]) > 1 and close(found_y, normalized(x, gamma, beta, eps,
                                                                            *batch_stats(x, unbiased=True)))):
        named = batch_in_prediction_cause(where)
    fail(f"in prediction (net.eval() under torch.no_grad()), {what} on an input of shape {tuple(x.shape)} does "
         "not normalize with the moving statistics: gamma * (X - moving_mean) / sqrt(moving_var + eps) + beta.",
         f"预测模式下，{what} 没有用移动平均统计量做标准化。",
         [f"expected: Y = {shown(expected)}", f"found:    Y = {shown(found_y)}"], named)


def registration_cause(call: str) -> Cause:
    return cause("registration", call,
                 "BatchNorm registers what it holds otherwise than the book: gamma and beta are its parameters "
                 "(nn.Parameter, learned), moving_mean and moving_var are plain tensors or buffers (not learned).",
                 "BatchNorm 的参数登记与书中不同：gamma 和 beta 是参数（nn.Parameter），moving_mean 和 moving_var "
                 "是普通张量或缓冲区。",
                 "self.gamma = nn.Parameter(torch.ones(shape)), self.moving_mean = torch.zeros(shape), as the book.",
                 "self.gamma = nn.Parameter(torch.ones(shape))，self.moving_mean = torch.zeros(shape)。",
                 "BatchNorm: parameters and moving statistics registered otherwise")


def registration(call: str, observed: dict, features: int, rank: int) -> None:
    """gamma/beta registered parameters of the statistics' shape; moving_mean/moving_var there, not parameters."""
    try:
        check_registration(call, observed, features, rank)
    except CheckFailure as failure:
        if failure.cause is not None:
            raise
        named = registration_cause(call)
        raise CheckFailure(f"{failure}\n{named.message()}", cause=(named, True)) from None


def check_registration(call: str, observed: dict, features: int, rank: int) -> None:
    shape = [1, features] if rank == 2 else [1, features, 1, 1]
    params = {name: (size, grad) for name, size, grad in observed["parameters"]}
    for name, start in (("gamma", 1.0), ("beta", 0.0)):
        if name not in params:
            fail(f"{call} has no parameter {name}; its parameters are {sorted(params) or 'none'}.",
                 f"{call} 没有名为 {name} 的参数（nn.Parameter）。",
                 [bilingual(f"hint: self.{name} = nn.Parameter(torch.{'ones' if start else 'zeros'}(shape)) "
                            f"with shape {tuple(shape)}.",
                            f"提示：self.{name} = nn.Parameter(torch.{'ones' if start else 'zeros'}(shape))，"
                            f"shape 为 {tuple(shape)}。")])
        if params[name][0] != shape or not params[name][1]:
            fail(f"{call}: the parameter {name} has shape {tuple(params[name][0])}"
                 f"{'' if params[name][1] else ' and requires no gradient'}; the book's has shape {tuple(shape)}.",
                 f"{call}：参数 {name} 的形状应为 {tuple(shape)}。", [])
        if not close(observed["initial"][name], torch.full(shape, start)):
            fail(f"{call}: {name} starts at {shown(observed['initial'][name])}; the book's starts at "
                 f"{start:g} everywhere.", f"{call}：{name} 的初始值应全为 {start:g}。", [])
    extra = sorted(set(params) - {"gamma", "beta"})
    for name, start in (("moving_mean", 0.0), ("moving_var", 1.0)):
        seen = observed["moving"][name]
        if not seen["present"]:
            fail(f"{call} has no tensor attribute {name}.", f"{call} 没有张量属性 {name}。",
                 [bilingual(f"hint: self.{name} = torch.{'zeros' if not start else 'ones'}(shape) (a plain "
                            "tensor or a buffer, not an nn.Parameter).",
                            f"提示：self.{name} = torch.{'zeros' if not start else 'ones'}(shape)"
                            "（普通张量或 buffer，不是 nn.Parameter）。")])
        if seen["is_parameter"] or name in params:
            fail(f"{call}: {name} is an nn.Parameter; the moving statistics are not learned, so they are not "
                 "parameters: the optimizer must not change them.",
                 f"{call}：{name} 不应是 nn.Parameter（移动平均统计量不是模型参数）。",
                 [bilingual(f"hint: self.{name} = torch.{'zeros' if not start else 'ones'}(shape), or "
                            "register_buffer.",
                            f"提示：self.{name} = torch.{'zeros' if not start else 'ones'}(shape)，"
                            "或使用 register_buffer。")])
        if not close(seen["value"], torch.full(shape, start)):
            fail(f"{call}: {name} starts at {shown(seen['value'])}; the book's starts at {start:g}.",
                 f"{call}：{name} 的初始值应为 {start:g}。", [])
    if extra:
        fail(f"{call} has parameters besides gamma and beta: {', '.join(extra)}.",
             f"{call} 除 gamma 和 beta 外还有其他参数：{', '.join(extra)}。", [])


# -- its own statistics -------------------------------------------------------------------------

def library_calls(student) -> list[str]:
    """The library normalization kernels the student's ``batch_norm`` and ``BatchNorm`` run (``F.batch_norm``
    and every other spelling; ``computation.library_calls``), on a fully connected and a convolutional case
    in training and in prediction; [] when their code cannot run (other checks say why)."""
    from ..sandbox import SandboxError, StudentError
    cases = [function_case((4, 5), 11), function_case((3, 3, 4, 5), 12)]
    steps = [[5, 2, module_steps((4, 5), 13, ["train", "eval"])],
             [3, 4, module_steps((3, 3, 4, 5), 14, ["train", "eval"])]]
    try:
        found = student.ask("bn_library_calls", "looking for library normalization in your BatchNorm",
                            cases=cases, steps=steps)
    except (StudentError, SandboxError):
        return []
    if not isinstance(found, list):
        return ["(no answer)"]
    return [str(name)[:60] for name in found[:10]]

