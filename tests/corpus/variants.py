"""Variants of the book's networks made by operators, not written by hand (issue 26, item 6).

Each variant is one change at one place of a network the book's builder
returns: a setting of a layer changed, a layer deleted, duplicated or replaced
by another of its kind, two neighbours swapped. A *rewrite* changes the
spelling and keeps the function: a layer wrapped in a ``Sequential``, a no-op
layer added, Dropout and ReLU commuted, a module for a functional call,
``ZeroPad2d`` before an unpadded convolution, average pooling written as a sum
over a count.

A variant is a path in the module tree (``"2.0.conv1"``) and the source of the
module that replaces what is there, so it exists twice, from one description:
built here on the meta device (``build``, for the diagnosis, in this process),
and as a submission file (``source``: the reference module, then its builder
rebound to change the network it returns), for the grader.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from grader.spec import NETWORKS

ROOT = Path(__file__).resolve().parents[2]
NETWORK_MODULES = ("lenet", "batch_norm", "alexnet", "vgg", "nin", "googlenet", "resnet", "densenet")

HELPERS = '''

class Functional(nn.Module):
    """A module that calls a functional form (F.relu, torch.sigmoid, ...)."""
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


class SumPool(nn.Module):
    """Average pooling written as a sum over a count."""
    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, divisor_override=self.kernel_size ** 2)


def _swapped(block, i):
    """The Sequential ``block`` with its children i and i + 1 in the other order (their names kept)."""
    items = list(block.named_children())
    items[i], items[i + 1] = items[i + 1], items[i]
    return nn.Sequential(collections.OrderedDict(items))


def _replace(net, path, make):
    if not path:
        return make(net)
    *parents, last = path.split(".")
    holder = net.get_submodule(".".join(parents)) if parents else net
    setattr(holder, last, make(getattr(holder, last)))
    return net
'''
_NAMESPACE: dict = {"nn": nn, "F": F, "torch": torch}
PRELUDE = "import collections\nimport copy\n\nimport torch\nfrom torch import nn\nfrom torch.nn import functional as F\n"
exec(compile(PRELUDE + HELPERS, "variants", "exec"), _NAMESPACE)


@dataclass(frozen=True)
class Variant:
    module: str
    path: str                   # the module replaced, in the network the builder returns
    operator: str               # what was done: "kernel", "delete", "swap", ... (rewrites: "rewrite: ...")
    make: str                   # ``lambda old: <new module>``, source
    equivalent: bool = False    # a rewrite: the book's function, another spelling

    @property
    def id(self) -> str:
        return f"{self.module}:{self.path}:{self.operator}"

    def build(self) -> nn.Module:
        """The variant's network, on the meta device (this process)."""
        spec = NETWORKS[self.module]
        with torch.device("meta"):
            net = eval(spec.call, dict(solution(self.module)))
            return _NAMESPACE["_replace"](net, self.path, eval(self.make, _NAMESPACE))

    def source(self) -> str:
        """The variant as a submission file: the reference, then its network builder rebound."""
        call = NETWORKS[self.module].call
        builder = call.split("(")[0]
        book_arguments = "(lambda *a, **k: (a, k))" + call[len(builder):]      # the book's own call's arguments
        return ((ROOT / "solutions" / f"{self.module}.py").read_text() + "\n" + PRELUDE + HELPERS +
                f"\n\n_book_{builder} = {builder}\n\n\ndef {builder}(*args, **kwargs):\n"
                f"    net = _book_{builder}(*args, **kwargs)\n"
                f"    if (args, kwargs) != {book_arguments}:      # other arguments: the book's network, unchanged\n"
                f"        return net\n"
                f"    return _replace(net, {self.path!r}, {self.make})\n")


_SOLUTIONS: dict[str, dict] = {}


def solution(module: str) -> dict:
    if module not in _SOLUTIONS:
        namespace: dict = {"__name__": f"book_{module}"}
        exec(compile((ROOT / "solutions" / f"{module}.py").read_text(), f"{module}.py", "exec"), namespace)
        _SOLUTIONS[module] = namespace
    return _SOLUTIONS[module]


def book(module: str) -> nn.Module:
    with torch.device("meta"):
        return eval(NETWORKS[module].call, dict(solution(module)))


# -- the operators ------------------------------------------------------------------------------

ACTIVATIONS = {nn.ReLU: "nn.ReLU()", nn.Sigmoid: "nn.Sigmoid()", nn.Tanh: "nn.Tanh()"}


def conv(old: nn.Conv2d, **changes) -> str:
    settings = {"kernel_size": old.kernel_size[0], "stride": old.stride[0], "padding": old.padding[0], **changes}
    out = changes.pop("out_channels", old.out_channels)
    return (f"lambda old: nn.Conv2d({old.in_channels}, {out}, kernel_size={settings['kernel_size']}, "
            f"stride={settings['stride']}, padding={settings['padding']})")


def pool(old, kind=None, **changes) -> str:
    kind = kind or type(old).__name__
    k = old.kernel_size if isinstance(old.kernel_size, int) else old.kernel_size[0]
    s = old.stride if isinstance(old.stride, int) else old.stride[0]
    p = old.padding if isinstance(old.padding, int) else old.padding[0]
    settings = {"kernel_size": k, "stride": s, "padding": p, **changes}
    return (f"lambda old: nn.{kind}(kernel_size={settings['kernel_size']}, stride={settings['stride']}, "
            f"padding={settings['padding']})")


def defects(layer: nn.Module) -> list[tuple[str, str]]:
    """(operator, make) for one change of ``layer`` alone."""
    made = [("delete", "lambda old: nn.Identity()")]
    if isinstance(layer, nn.Conv2d):
        k, s, p = layer.kernel_size[0], layer.stride[0], layer.padding[0]
        made += [("kernel", conv(layer, kernel_size=k + 2)), ("stride", conv(layer, stride=2 if s == 1 else 1)),
                 ("padding", conv(layer, padding=p + 1)), ("channels", conv(layer, out_channels=layer.out_channels + 8))]
        if layer.in_channels == layer.out_channels and s == 1 and 2 * p == k - 1:
            made.append(("duplicate", "lambda old: nn.Sequential(old, copy.deepcopy(old))"))
    elif isinstance(layer, nn.Linear):
        made.append(("features", f"lambda old: nn.Linear({layer.in_features}, {layer.out_features + 8})"))
    elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
        other = "AvgPool2d" if isinstance(layer, nn.MaxPool2d) else "MaxPool2d"
        made += [("pool kind", pool(layer, other)), ("pool kernel", pool(layer, kernel_size=k + 1))]
    elif type(layer) in ACTIVATIONS:
        made += [(f"activation {name}", f"lambda old: {name}") for kind, name in ACTIVATIONS.items()
                 if kind is not type(layer)]
        if not isinstance(layer, nn.ReLU):       # relu(relu(x)) is relu(x): a rewrite, not a defect
            made.append(("duplicate", "lambda old: nn.Sequential(old, copy.deepcopy(old))"))
    elif isinstance(layer, nn.Dropout):
        made.append(("dropout rate", "lambda old: nn.Dropout(0.2)"))
    elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
        made.append(("eps", f"lambda old: nn.{type(layer).__name__}({layer.num_features}, eps=1e-3)"))
    else:
        return []
    return made


def rewrites(layer: nn.Module) -> list[tuple[str, str]]:
    """(operator, make) for another spelling of ``layer`` alone."""
    made = [("rewrite: wrapped", "lambda old: nn.Sequential(old)"),
            ("rewrite: identity after", "lambda old: nn.Sequential(old, nn.Identity())")]
    if isinstance(layer, nn.Conv2d) and layer.padding[0] > 0 and layer.padding_mode == "zeros":
        made.append(("rewrite: ZeroPad2d", f"lambda old: nn.Sequential(nn.ZeroPad2d({layer.padding[0]}), "
                     f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size[0]}, "
                     f"stride={layer.stride[0]}))"))
    if type(layer) in ACTIVATIONS:
        function = {nn.ReLU: "F.relu", nn.Sigmoid: "torch.sigmoid", nn.Tanh: "torch.tanh"}[type(layer)]
        made.append(("rewrite: functional", f"lambda old: Functional({function})"))
    if isinstance(layer, nn.AvgPool2d) and (layer.padding in (0, (0, 0))):
        k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
        s = layer.stride if isinstance(layer.stride, int) else layer.stride[0]
        made.append(("rewrite: sum over a count", f"lambda old: SumPool({k}, {s})"))
    if isinstance(layer, nn.Dropout):
        made.append(("rewrite: no-op dropout after", "lambda old: nn.Sequential(old, nn.Dropout(0.0))"))
    if isinstance(layer, nn.ReLU):
        made.append(("rewrite: relu twice", "lambda old: nn.Sequential(old, nn.ReLU())"))
    return made


def pointwise_linear(layer: nn.Module) -> bool:
    return isinstance(layer, nn.Conv2d) and layer.kernel_size == (1, 1) and layer.stride == (1, 1) \
        and layer.padding == (0, 0)


def commute(first: nn.Module, second: nn.Module) -> bool:
    """Two layers whose order does not change the function: a ReLU and a Dropout (a positive scale) or a
    MaxPool2d (both monotonic); a 1x1 convolution and an average pooling without padding (both linear, one
    across channels, the other across pixels)."""
    kinds = {type(first), type(second)}
    if kinds in ({nn.ReLU, nn.Dropout}, {nn.ReLU, nn.MaxPool2d}):
        return True
    pool = first if isinstance(first, nn.AvgPool2d) else second if isinstance(second, nn.AvgPool2d) else None
    conv = first if pointwise_linear(first) else second if pointwise_linear(second) else None
    return pool is not None and conv is not None and pool.padding in (0, (0, 0))


def swaps(module: str, net: nn.Module) -> list[Variant]:
    """Two neighbours of a Sequential swapped (two layers of different kinds); when they commute, a rewrite."""
    found = []
    for name, block in net.named_modules():
        if not isinstance(block, nn.Sequential):
            continue
        children = list(block.children())
        for i, (first, second) in enumerate(zip(children, children[1:])):
            if type(first) is type(second) or not (defects(first) and defects(second)):
                continue
            commuting = commute(first, second)
            found.append(Variant(module, name, "rewrite: relu commuted" if commuting else f"swap {i}",
                                 f"lambda old: _swapped(old, {i})", equivalent=commuting))
    return found


def variants(module: str) -> list[Variant]:
    net = book(module)
    found = []
    for path, layer in net.named_modules():
        if not path or list(layer.children()):
            continue
        for operator, make in defects(layer):
            found.append(Variant(module, path, operator, make))
        for operator, make in rewrites(layer):
            found.append(Variant(module, path, operator, make, equivalent=True))
    return found + swaps(module, net)


def all_variants(modules=NETWORK_MODULES) -> list[Variant]:
    return [v for module in modules for v in variants(module)]



# -- judging a variant's diagnosis (this process) ---------------------------------------------------------

def where_names(where: str) -> list[str]:
    """The student's names along a cause's ``where`` (``layer 3 (Sequential) > [0] (Residual) > conv1
    (Conv2d)`` -> ``["2", "0", "conv1"]``), from the network's top."""
    names = []
    for part in where.removeprefix("after ").split(" > "):
        label = part.rsplit(" (", 1)[0].strip()
        if label.startswith("layer ") and label[6:].isdigit():
            names.append(str(int(label[6:]) - 1))
        elif label.startswith("[") and label.endswith("]"):
            names.append(label[1:-1])
        else:
            names.append(label)
    return names


def at_its_place(variant: Variant, where: str) -> bool:
    """The cause is where the change was made: in the same block instance, at the changed layer or a neighbour
    (a deleted layer is named after the one before it or before the one after it; a swap by either of the
    two). A container the forward pass never calls (DenseBlock's ``net``, which it iterates) is not in the
    student's ``where``: the names there are matched in order against the changed path."""
    changed = variant.path.split(".") if variant.path else []
    if variant.operator.startswith("swap"):
        changed = changed + [variant.operator.split()[1]]
    if where.startswith("at the start of the network"):
        return all(name == "0" for name in changed if name.isdigit())
    names = where_names(where.removeprefix("before "))
    k = 0
    for depth, name in enumerate(names):      # each of their names, in order, along the changed path
        while k < len(changed) and changed[k] != name and not (
                name.isdigit() and changed[k].isdigit() and abs(int(name) - int(changed[k])) <= 1
                and k == len(changed) - 1):
            k += 1
        if k == len(changed):
            return depth > 0 and k >= len(changed) - 1 and depth >= len(names) - 1
        k += 1
    return k >= len(changed) - 1


def recorded_shape(module: str) -> list[int]:
    return [2, *NETWORKS[module].input_shape[1:]]


def graph_of(net: nn.Module, module: str) -> dict:
    """What ``net`` computes in training mode, recorded on the meta device as the grader's children record."""
    from grader.computation.record import record
    return record(net.train(), torch.empty(recorded_shape(module), device="meta"))


def graph_of_source(source: str, module: str) -> dict:
    """The graph of the network a module's source builds (the kit's own code: run in this process)."""
    namespace: dict = {}
    exec(compile(source, f"{module}.py", "exec"), namespace)
    with torch.device("meta"):
        return graph_of(eval(NETWORKS[module].call, namespace), module)


def diagnosed(variant: Variant):
    """(the book's graph, the variant's graph, the diagnosis) recorded on the meta device here."""
    from grader.computation.diagnose import diagnose
    expected, found = book_graph(variant.module), graph_of(variant.build(), variant.module)
    return expected, found, diagnose(expected, found, recorded_shape(variant.module), NETWORKS[variant.module].call)


_BOOK_GRAPHS: dict[str, dict] = {}


def book_graph(module: str) -> dict:
    if module not in _BOOK_GRAPHS:
        _BOOK_GRAPHS[module] = graph_of(book(module), module)
    return _BOOK_GRAPHS[module]
