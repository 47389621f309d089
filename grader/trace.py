"""Record what a network computes, independent of how it is written.

A ``TorchFunctionMode`` sees every torch function a forward pass calls,
whether it comes from ``nn.ReLU()``, ``F.relu``, ``torch.relu`` or
``x.relu_()``. Each call becomes a node of a dataflow graph (which earlier
node produced each input tensor), with its hyperparameters normalised
(``3`` and ``(3, 3)`` are the same kernel, ``padding='same'`` is the padding
it implies, ``+=`` is ``add``). The graph is then read back in a canonical
order, a depth-first walk from the output that visits inputs in argument
order (sorted for commutative ops), so two networks that compute the same
thing in a different statement order, with different attribute names or
registration order, give the same trace, and any change to a layer, an
activation, a branch order or a connection gives a different one.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

IGNORED = {"dim", "size", "numel", "__len__", "__bool__", "__get__", "__format__", "__repr__",
           "is_contiguous", "__getattribute__", "__hash__", "__eq__", "__setstate__", "stride",
           "data_ptr", "element_size", "__index__"}
TRANSPARENT = {"contiguous", "clone", "to", "type_as", "float", "__deepcopy__", "requires_grad_"}
RENAMED = {"relu_": "relu", "sigmoid_": "sigmoid", "add_": "add", "__add__": "add", "__iadd__": "add",
           "__radd__": "add", "view": "reshape", "flatten": "reshape", "reshape": "reshape",
           "dropout_": "dropout", "tanh_": "tanh", "mul_": "mul", "__mul__": "mul", "__imul__": "mul",
           "__rmul__": "mul", "clamp_min": "clamp", "clamp_": "clamp", "clamp_min_": "clamp",
           "max_pool2d_with_indices": "max_pool2d", "concat": "cat", "concatenate": "cat",
           "flatten_": "reshape", "sub_": "sub", "__sub__": "sub", "__isub__": "sub"}
COMMUTATIVE = {"add", "mul"}


def pair(value):
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value) * (2 if len(value) == 1 else 1)
    return (int(value), int(value))


def get(args, kwargs, index, name, default=None):
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def conv_attrs(args, kwargs):
    weight, bias = get(args, kwargs, 1, "weight"), get(args, kwargs, 2, "bias")
    kernel = tuple(weight.shape[2:])
    dilation = pair(get(args, kwargs, 5, "dilation", 1))
    padding = get(args, kwargs, 4, "padding", 0)
    if padding == "valid":
        padding = 0
    if padding == "same":   # PyTorch allows it only with stride 1; odd kernels pad evenly
        padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return {"weight": tuple(weight.shape), "bias": bias is not None,
            "stride": pair(get(args, kwargs, 3, "stride", 1)), "padding": pair(padding),
            "dilation": dilation, "groups": int(get(args, kwargs, 6, "groups", 1))}


def linear_attrs(args, kwargs):
    weight, bias = get(args, kwargs, 1, "weight"), get(args, kwargs, 2, "bias")
    return {"weight": tuple(weight.shape), "bias": bias is not None}


def batch_norm_attrs(args, kwargs):
    return {"features": int(args[0].shape[1]),
            "running_stats": get(args, kwargs, 1, "running_mean") is not None,
            "affine": get(args, kwargs, 3, "weight") is not None,
            "training": bool(get(args, kwargs, 5, "training", False)),
            "momentum": get(args, kwargs, 6, "momentum", 0.1),
            "eps": float(get(args, kwargs, 7, "eps", 1e-5))}


def dropout_attrs(args, kwargs):
    return {"p": float(get(args, kwargs, 1, "p", 0.5)),
            "training": bool(get(args, kwargs, 2, "training", True))}


def max_pool_attrs(args, kwargs):
    kernel = pair(get(args, kwargs, 1, "kernel_size"))
    stride = get(args, kwargs, 2, "stride", None)
    return {"kernel": kernel, "stride": pair(stride) if stride not in (None, (), []) else kernel,
            "padding": pair(get(args, kwargs, 3, "padding", 0)),
            "dilation": pair(get(args, kwargs, 4, "dilation", 1)),
            "ceil_mode": bool(get(args, kwargs, 5, "ceil_mode", False))}


def avg_pool_attrs(args, kwargs):
    kernel = pair(get(args, kwargs, 1, "kernel_size"))
    stride = get(args, kwargs, 2, "stride", None)
    padding = pair(get(args, kwargs, 3, "padding", 0))
    attrs = {"kernel": kernel, "stride": pair(stride) if stride not in (None, (), []) else kernel,
             "padding": padding, "ceil_mode": bool(get(args, kwargs, 4, "ceil_mode", False)),
             "divisor": get(args, kwargs, 6, "divisor_override", None)}
    if padding != (0, 0):   # only then does counting the padding change anything
        attrs["count_include_pad"] = bool(get(args, kwargs, 5, "count_include_pad", True))
    return attrs


def adaptive_pool_attrs(args, kwargs):
    size = get(args, kwargs, 1, "output_size")
    return {"output_size": pair(size) if not isinstance(size, (list, tuple)) or None not in size
            else tuple(size)}


def cat_attrs(args, kwargs):
    tensors = get(args, kwargs, 0, "tensors")
    dim = int(get(args, kwargs, 1, "dim", 0))
    return {"dim": dim % tensors[0].dim()}


def clamp_attrs(args, kwargs):
    return {"min": get(args, kwargs, 1, "min", None), "max": get(args, kwargs, 2, "max", None)}


def no_attrs(args, kwargs):
    return {}


ATTRS = {"reshape": no_attrs, "conv2d": conv_attrs, "linear": linear_attrs, "batch_norm": batch_norm_attrs,
         "dropout": dropout_attrs, "max_pool2d": max_pool_attrs, "avg_pool2d": avg_pool_attrs,
         "adaptive_avg_pool2d": adaptive_pool_attrs, "adaptive_max_pool2d": adaptive_pool_attrs,
         "cat": cat_attrs, "clamp": clamp_attrs}


@dataclass
class Node:
    op: str
    attrs: dict
    inputs: list[int]             # indices of producing nodes; -1 is the network's input
    shape: tuple[int, ...]
    where: str                    # top-level layer, e.g. "layer 4 (Sequential) > Residual"
    digest: str = ""

    def describe(self) -> str:
        attrs = ", ".join(f"{k}={v}" for k, v in self.attrs.items())
        return f"{self.op}({attrs}) -> {list(self.shape)}"


@dataclass
class Trace:
    nodes: list[Node] = field(default_factory=list)   # in canonical order

    def to_data(self) -> list[dict]:
        return [{"op": n.op, "attrs": {k: list(v) if isinstance(v, tuple) else v for k, v in n.attrs.items()},
                 "inputs": n.inputs, "shape": list(n.shape), "where": n.where} for n in self.nodes]

    @staticmethod
    def from_data(data: list[dict]) -> "Trace":
        return Trace([Node(d["op"], {k: tuple(v) if isinstance(v, list) else v for k, v in d["attrs"].items()},
                           list(d["inputs"]), tuple(d["shape"]), d["where"]) for d in data])


class Recorder(TorchFunctionMode):
    """Builds the raw dataflow graph while a forward pass runs."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.nodes: list[Node] = []
        self.producer: dict[int, int] = {}
        self.alive: list[torch.Tensor] = []     # keeps ids unique while recording
        self.location: list[str] = []
        self.hooks = []
        for path, module in model.named_modules():
            depth = path.count(".") + 1 if path else 0
            self.hooks.append(module.register_forward_pre_hook(self.enter(path, module, depth)))
            self.hooks.append(module.register_forward_hook(self.leave))

    def enter(self, path, module, depth):
        def hook(_module, _inputs):
            top = path.split(".")[0]
            if depth == 0:
                label = type(module).__name__
            elif depth == 1 and top.isdigit():
                label = f"layer {int(top) + 1} ({type(module).__name__})"
            else:
                label = type(module).__name__
            self.location.append(label)
        return hook

    def leave(self, _module, _inputs, _output):
        self.location.pop()

    def remove_hooks(self):
        for hook in self.hooks:
            hook.remove()

    def source(self, tensor) -> int | None:
        return self.producer.get(id(tensor))

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        name = getattr(func, "__name__", str(func))
        if name in IGNORED or not isinstance(result, torch.Tensor):
            return result
        flat = [a for a in args if isinstance(a, torch.Tensor)]
        for a in args:
            if isinstance(a, (list, tuple)):
                flat += [t for t in a if isinstance(t, torch.Tensor)]
        flat += [v for v in kwargs.values() if isinstance(v, torch.Tensor)]
        inputs = [self.source(t) for t in flat if self.source(t) is not None]
        if not inputs and flat:
            return result                 # computed from parameters or buffers alone: bookkeeping
        if name in TRANSPARENT and len(inputs) == 1:
            self.producer[id(result)] = inputs[0]
            self.alive.append(result)
            return result
        op = RENAMED.get(name, name) if inputs else "constant"
        if op in ATTRS:
            attrs = ATTRS[op](args, kwargs)
        else:
            attrs = {f"arg{i}": a for i, a in enumerate(args)
                     if isinstance(a, (int, float, bool, str)) or a is None}
            attrs.update({k: v for k, v in kwargs.items() if isinstance(v, (int, float, bool, str))})
        if op == "clamp" and attrs == {"min": 0, "max": None}:
            op, attrs = "relu", {}
        if op == "relu":
            attrs = {}
        where = " > ".join(self.location[1:]) or "forward"
        self.nodes.append(Node(op, attrs, inputs, tuple(result.shape), where))
        self.producer[id(result)] = len(self.nodes) - 1
        self.alive.append(result)
        return result


def canonical(nodes: list[Node], output: int) -> Trace:
    """Read the graph back depth first from ``output``, inputs in argument order."""
    digests: dict[int, str] = {}

    def digest(i: int) -> str:
        if i == -1:
            return "input"
        if i not in digests:
            node = nodes[i]
            children = [digest(j) for j in node.inputs]
            if node.op in COMMUTATIVE:
                children.sort()
            text = f"{node.op}{sorted(node.attrs.items())}{node.shape}{children}"
            digests[i] = hashlib.sha1(text.encode()).hexdigest()
        return digests[i]

    order: dict[int, int] = {}
    emitted: list[Node] = []
    stack = [(output, False)]
    while stack:                    # iterative post-order: deep networks overflow recursion
        i, expanded = stack.pop()
        if i == -1 or i in order:
            continue
        if expanded:
            node = nodes[i]
            inputs = [-1 if j == -1 else order[j] for j in canonical_inputs(node, digest)]
            order[i] = len(emitted)
            emitted.append(Node(node.op, node.attrs, inputs, node.shape, node.where, digest(i)))
            continue
        stack.append((i, True))
        for j in reversed(canonical_inputs(nodes[i], digest)):
            stack.append((j, False))
    return Trace(emitted)


def canonical_inputs(node: Node, digest) -> list[int]:
    if node.op in COMMUTATIVE:
        return sorted(node.inputs, key=digest)
    return node.inputs


def trace(model: nn.Module, x: torch.Tensor) -> Trace:
    """The canonical trace of ``model(x)``."""
    recorder = Recorder(model)
    recorder.producer[id(x)] = -1
    try:
        with torch.no_grad(), recorder:
            out = model(x)
    finally:
        recorder.remove_hooks()
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the forward pass returned a {type(out).__name__}, not a tensor")
    source = recorder.source(out)
    if source is None:
        raise ValueError("the output does not depend on the input")
    if source == -1:
        return Trace([])
    return canonical(recorder.nodes, source)


def first_mismatch(expected: Trace, found: Trace) -> int | None:
    for i, (e, f) in enumerate(zip(expected.nodes, found.nodes)):
        if (e.op, e.attrs, e.inputs, e.shape) != (f.op, f.attrs, f.inputs, f.shape):
            return i
    if len(expected.nodes) != len(found.nodes):
        return min(len(expected.nodes), len(found.nodes))
    return None


def explain_mismatch(expected: Trace, found: Trace, index: int) -> tuple[str, str, str]:
    """(where, expected text, found text) for the first differing operation."""
    def text(trace: Trace) -> str:
        if index >= len(trace.nodes):
            return "(nothing: the computation ends here)"
        node = trace.nodes[index]
        sources = ", ".join("the input" if j == -1 else f"#{j + 1} {trace.nodes[j].op}" for j in node.inputs)
        return f"#{index + 1} {node.describe()}, computed from {sources}"
    anchor = found.nodes[index] if index < len(found.nodes) else expected.nodes[index]
    return anchor.where, text(expected), text(found)
