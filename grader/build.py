"""Load a submission's module and build what the spec asks for, cheaply.

Shapes and parameter counts need no arithmetic, so models are built and run
on PyTorch's ``meta`` device: VGG-11's 129 million parameters cost no memory
and its 224x224 forward pass no FLOPs. A submission that creates tensors on
the CPU inside ``forward`` (legal, if unusual) cannot mix with meta tensors;
for it the same work is redone on real CPU tensors, so no correct style is
penalised.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .spec import LayerRow


def load_module(directory: str | Path, module: str) -> ModuleType:
    """Import ``directory/module.py`` afresh under a private name, so two implementations never mix."""
    path = Path(directory) / f"{module}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    name = f"_submission_{module}"
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded   # dataclasses and pickling look modules up here
    spec.loader.exec_module(loaded)
    return loaded


def evaluate_call(module: ModuleType, call: str):
    """Evaluate a spec call such as ``"vgg(conv_arch)"`` in ``module``.

    Only the function name and bare names among the arguments are looked up
    in the module; every other argument must be a literal.
    """
    tree = ast.parse(call, mode="eval").body
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise ValueError(f"not a simple call: {call!r}")

    def value(node):
        if isinstance(node, ast.Name):
            return getattr(module, node.id)
        return ast.literal_eval(node)

    function = getattr(module, tree.func.id)
    args = [value(a) for a in tree.args]
    kwargs = {k.arg: value(k.value) for k in tree.keywords}
    return function(*args, **kwargs)


class SubmissionMistake(Exception):
    """A mistake the kit diagnoses itself (e.g. a wrong return type); its message is for the student."""


def as_module(built, call: str) -> nn.Module:
    """Students may return a list of blocks (the book's ``resnet_block`` does): run it as a Sequential."""
    if isinstance(built, (list, tuple)) and built and all(isinstance(m, nn.Module) for m in built):
        return nn.Sequential(*built)
    if not isinstance(built, nn.Module):
        raise SubmissionMistake(f"{call} returned {type(built).__name__} {str(built)[:60]!r}; it must return "
                                f"an nn.Module (an nn.Sequential for a network)\n{call} 必须返回 nn.Module")
    return built


def build(module: ModuleType, call: str, device: str = "meta", input_shape=None) -> nn.Module:
    """Build ``call`` on ``device``. Lazy layers (``nn.LazyConv2d``, as in the English edition)
    get their parameters from one eval-mode pass over an ``input_shape`` batch."""
    with torch.device(device):
        model = as_module(evaluate_call(module, call), call)
    if input_shape is not None and has_lazy_parameters(model):
        training = model.training
        with torch.no_grad():
            model.eval()(torch.zeros(tuple(input_shape), device=device))
        model.train(training)
    return model


def has_lazy_parameters(model: nn.Module) -> bool:
    return any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters())


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class ParameterUse(TorchFunctionMode):
    """The parameters a forward pass hands to torch: a layer registered but never called is not among them."""

    def __init__(self):
        super().__init__()
        self.used: set[int] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for value in (*args, *kwargs.values()):
            for item in (value if isinstance(value, (list, tuple)) else (value,)):
                if isinstance(item, nn.Parameter):
                    self.used.add(id(item))
        return func(*args, **kwargs)


def used_parameter_count(model: nn.Module, input_shape) -> int:
    """The parameters one forward pass on the meta device uses, as the grader counts them (it measures the
    network the forward pass computes); all of them when the pass raises (the table says where)."""
    use = ParameterUse()
    try:
        with torch.no_grad(), use:
            model(torch.empty(tuple(input_shape), device="meta"))
    except Exception:
        return parameter_count(model)
    return sum(p.numel() for p in model.parameters() if id(p) in use.used)


class LayerError(Exception):
    """A layer raised while the table was being computed; ``rows`` holds the rows before it."""

    def __init__(self, rows: list[LayerRow], layer_name: str, error: BaseException):
        super().__init__(f"layer {len(rows) + 1} ({layer_name}) raised "
                         f"{type(error).__name__}: {error}")
        self.rows, self.layer_name, self.error = rows, layer_name, error


def layer_table(model: nn.Module, input_shape, device: str = "meta") -> list[LayerRow]:
    """Run ``input_shape`` through the top-level layers in order, as the book's printing loop does.

    A wrapper that holds one network (the English edition's ``d2l.Classifier``
    subclasses keep it in ``self.net``) prints that network's layers."""
    model = printed_network(model)
    x = torch.empty(input_shape, device=device)
    rows = []
    with torch.no_grad():
        for layer in model:
            try:
                x = layer(x)
                if not isinstance(x, torch.Tensor):
                    raise TypeError(f"it returned a {type(x).__name__}, not a tensor")
            except Exception as error:
                raise LayerError(rows, type(layer).__name__, error) from error
            rows.append(LayerRow(type(layer).__name__, tuple(x.shape)))
    return rows


def printed_network(model: nn.Module) -> nn.Sequential:
    inner = model
    while not isinstance(inner, nn.Sequential):
        children = list(inner.children())
        if len(children) != 1:
            raise SubmissionMistake(f"the network is a {type(model).__name__}, not one nn.Sequential: it has no "
                                    "per-layer table like the book's\n网络不是 nn.Sequential，无法打印逐层输出形状")
        inner = children[0]
    return inner


def output_shape(model: nn.Module, input_shape, device: str = "meta") -> tuple[int, ...]:
    x = torch.empty(input_shape, device=device)
    with torch.no_grad():
        return tuple(model(x).shape)


def on_meta_or_cpu(work, module: ModuleType, call: str, input_shape, *args):
    """Do ``work(model, input_shape, *args, device=...)`` on the meta device, falling back to real CPU tensors."""
    try:
        return work(build(module, call, "meta", input_shape), input_shape, *args, device="meta")
    except Exception:
        return work(build(module, call, "cpu", input_shape), input_shape, *args, device="cpu")
