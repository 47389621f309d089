"""Record the dataflow graph of one forward pass (run in the sandboxed child).

A ``TorchFunctionMode`` sees every torch function a forward pass calls,
whatever its spelling. Each call that depends on the input becomes a node:
its canonical name and hyperparameters (``ops.py``), which earlier nodes fed
it, its output shape, and where in the student's model it ran (their own
attribute names). Operations that leave values unchanged are not nodes:
a reshape that keeps the batch axis (``Flatten``, ``view``, the old edition's
``Reshape``), dropout when it is off, ``Identity``, ``contiguous``. Global
average pooling is one operation in every spelling (``AdaptiveAvgPool2d(1)``,
``avg_pool2d`` over the whole image, ``mean`` over height and width).

When the forward pass raises, the graph up to that point is kept, with the
call that failed as its last node: the grader can still tell where the
computation departed from the book before it broke.

Modules of the classes given as ``opaque`` (the BatchNorm a student writes
from scratch) are one node each, ``scratch_batch_norm``: what they compute
inside is the student's own arithmetic, checked on its own, so every correct
spelling of it (``torch.var``, ``F.batch_norm``, ``self.training``) leaves the
same trace.
"""
from __future__ import annotations

import inspect

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from .ops import DROPOUTS, IGNORED, RENAMED, TRANSPARENT, describe, get


def shape_only(func, args, kwargs):
    """``func(*args, **kwargs)``, where a result on the meta device is only a shape.

    A recording runs on the meta device. There torch computes BatchNorm and ReLU through Python reference
    code (about 4 ms and 0.5 ms a call: half of a recording's time), though their result has the input's
    shape. So on the meta device ``F.batch_norm`` and a ReLU that is not in place give an empty tensor of
    the input's shape, after the argument checks torch makes, run on tiny CPU stand-ins (the same errors,
    the same messages). Everything else is called as it is.
    """
    x = args[0] if args else kwargs.get("input")
    if not isinstance(x, torch.Tensor) or x.device.type != "meta":
        return func(*args, **kwargs)
    if func in RELU and len(args) + len(kwargs) <= 2:
        in_place = args[1] if len(args) > 1 else kwargs.get("inplace", False)
        if in_place is False:
            return torch.empty_like(x)
        return func(*args, **kwargs)
    if func is F.batch_norm and x.dim() >= 2 and VERIFY_BATCH_SIZE is not None:
        try:
            bound = BATCH_NORM.bind(*args, **kwargs)
        except TypeError:
            return func(*args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        if given["training"]:
            VERIFY_BATCH_SIZE(x.size())
        stand_in = {k: torch.zeros(v.shape) if isinstance(v, torch.Tensor) else v for k, v in given.items()}
        stand_in["input"] = torch.zeros(2, x.shape[1], *[1] * (x.dim() - 2))
        F.batch_norm(**stand_in)
        return torch.empty_like(x)
    return func(*args, **kwargs)


RELU = (F.relu, torch.relu, torch.Tensor.relu)
BATCH_NORM = inspect.signature(F.batch_norm)
VERIFY_BATCH_SIZE = getattr(F, "_verify_batch_size", None)     # F.batch_norm's own check in training mode


def label(path: str, module: nn.Module) -> list:
    """``[name, class]`` of one module on the way down: ``["2", "Sequential"]``, ``["bn2", "BatchNorm2d"]``."""
    return [path.rsplit(".", 1)[-1] if path else "", type(module).__name__]


def mean_dims(args, kwargs, rank: int) -> set[int] | None:
    dims = get(args, kwargs, 1, "dim", None)
    if dims is None:
        return None
    dims = dims if isinstance(dims, (list, tuple)) else (dims,)
    try:
        return {int(d) % rank for d in dims}
    except (TypeError, ValueError):
        return None


def is_global_average(op: str, attrs: dict, x: torch.Tensor, args, kwargs) -> bool:
    if x.dim() < 3:
        return False
    if op == "adaptive_avg_pool2d":
        return attrs.get("output_size") == (1, 1)
    if op == "avg_pool2d":
        return (attrs["kernel"] == tuple(x.shape[-2:]) and attrs["padding"] == (0, 0)
                and attrs.get("divisor") is None)
    if op == "mean":
        return mean_dims(args, kwargs, x.dim()) == set(range(2, x.dim()))
    return False


def is_no_op(op: str, attrs: dict, x: torch.Tensor, result: torch.Tensor) -> bool:
    if op in TRANSPARENT:
        return True
    if op == "reshape":        # row-major, batch axis kept: the same numbers in another shape
        return x.dim() >= 1 and result.dim() >= 1 and x.shape[0] == result.shape[0]
    if op in DROPOUTS:
        return not attrs["training"] or attrs["p"] == 0
    if op == "adaptive_avg_pool2d":
        return tuple(result.shape) == tuple(x.shape)
    if op in ("avg_pool2d", "max_pool2d"):
        return attrs["kernel"] == (1, 1) and attrs["stride"] == (1, 1) and attrs["padding"] == (0, 0)
    return False


def plain(value):
    return list(value) if isinstance(value, tuple) else value


class Recorder(TorchFunctionMode):
    """Builds the raw dataflow graph while a forward pass runs."""

    def __init__(self, model: nn.Module, opaque: tuple = ()):
        super().__init__()
        self.nodes: list[dict] = []
        self.producer: dict[int, int] = {}
        self.alive: list[torch.Tensor] = []     # keeps ids unique while recording
        self.location: list[list] = []
        self.parameters_used: set[int] = set()
        self.layers: dict[int, int] = {}        # id of a layer's weight (or running mean) -> its number
        self.hooks = []
        self.inside: list = []                  # the opaque modules being run: (source of their input)
        for path, module in model.named_modules():
            self.hooks.append(module.register_forward_pre_hook(self.enter(label(path, module))))
            if opaque and isinstance(module, opaque):
                self.hooks.append(module.register_forward_pre_hook(self.enter_opaque))
                self.hooks.append(module.register_forward_hook(self.leave_opaque))
            self.hooks.append(module.register_forward_hook(self.leave))

    def enter(self, where):
        def hook(_module, _inputs):
            self.location.append(where)
        return hook

    def leave(self, _module, _inputs, _output):
        if self.location:
            self.location.pop()

    def enter_opaque(self, _module, inputs):
        x = next((t for t in inputs if isinstance(t, torch.Tensor)), None)
        self.inside.append(self.source(x) if x is not None else None)

    def leave_opaque(self, module, _inputs, output):
        source = self.inside.pop() if self.inside else None
        if self.inside or source is None or not isinstance(output, torch.Tensor):
            return          # nested in another one, or computed from no input: nothing of the network's
        layer = self.layers.setdefault(id(module), len(self.layers))      # numbered with the other layers
        self.alias(output, self.add("scratch_batch_norm", {}, [source], output.shape, layer=layer))

    def remove_hooks(self):
        for hook in self.hooks:
            hook.remove()

    def source(self, tensor) -> int | None:
        return self.producer.get(id(tensor))

    def alias(self, result, node: int):
        self.producer[id(result)] = node
        self.alive.append(result)
        return result

    def add(self, op, attrs, inputs, shape, failed=None, layer=None, in_shape=None, written=None) -> int:
        self.nodes.append({"op": op, "attrs": {k: plain(v) for k, v in attrs.items()}, "inputs": inputs,
                           "shape": list(shape) if shape is not None else None,
                           "where": [list(w) for w in self.location[1:]], "failed": failed})
        if layer is not None:
            self.nodes[-1]["layer"] = layer
        if in_shape is not None:        # its input as it received it: a Flatten left out shows here
            self.nodes[-1]["in_shape"] = list(in_shape)
        if written is not None:         # the operation as the code wrote it (``canonical.as_written``)
            self.nodes[-1]["written"] = written
        return len(self.nodes) - 1

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", str(func))
        if name == "__get__" and getattr(getattr(func, "__self__", None), "__name__", None) == "data":
            name = "detach"         # ``x.data``: the same gradient cut as ``x.detach()``, spelt as a property
        if name in IGNORED:
            return func(*args, **kwargs)
        if self.inside:                         # inside an opaque module: one node, made when it returns
            try:
                return func(*args, **kwargs)
            except Exception as error:
                source = self.inside[0]
                if source is not None and not (self.nodes and self.nodes[-1]["failed"]):
                    self.add("scratch_batch_norm", {}, [source], None, failed=f"{type(error).__name__}: {error}"[:300])
                raise
        flat = [a for a in args if isinstance(a, torch.Tensor)]
        for a in args:
            if isinstance(a, (list, tuple)):
                flat += [t for t in a if isinstance(t, torch.Tensor)]
        flat += [v for v in kwargs.values() if isinstance(v, torch.Tensor)]
        tracked = [t for t in flat if self.source(t) is not None]
        inputs = [self.source(t) for t in tracked]
        op = RENAMED.get(name, name)
        try:
            result = shape_only(func, args, kwargs)
        except Exception as error:
            if inputs:
                try:
                    op, attrs = describe(op, args, kwargs)
                except Exception:
                    attrs = {}
                self.add(op, attrs, inputs, None, failed=f"{type(error).__name__}: {error}"[:300],
                         in_shape=tracked[0].shape)
            raise
        if not isinstance(result, torch.Tensor):
            return result
        if not inputs:
            if flat:
                return result             # computed from parameters or buffers alone: bookkeeping
            return self.alias(result, self.add("constant", {}, [], result.shape))
        op, attrs = describe(op, args, kwargs)
        x = tracked[0]
        if len(inputs) == 1 and is_no_op(op, attrs, x, result):
            if inputs[0] >= 0 and len(self.nodes[inputs[0]].get("absorbed", ())) < MAX_ABSORBED:
                # the code's operation, which computes nothing on this input (``canonical.as_written``)
                self.nodes[inputs[0]].setdefault("absorbed", []).append(
                    {"op": op, "attrs": {k: plain(v) for k, v in attrs.items()},
                     "where": [list(w) for w in self.location[1:]]})
            return self.alias(result, inputs[0])
        shape = tuple(result.shape)
        if self.reused(op, args, kwargs):
            attrs["shared"] = True
        written = None
        if is_global_average(op, attrs, x, args, kwargs):
            written = {"op": op, "attrs": {k: plain(v) for k, v in attrs.items()}}
            op, attrs, shape = "global_avg_pool", {}, shape[:2]
        return self.alias(result, self.add(op, attrs, inputs, shape, layer=self.layer_number(op, args, kwargs),
                                           in_shape=x.shape, written=written))

    def layer_number(self, op: str, args, kwargs) -> int | None:
        """Which of the network's layers a conv2d, linear or batch_norm call uses (numbered by first use):
        what the grader needs to run the recorded graph itself (``replay.py``), one layer used twice included."""
        if op not in WEIGHT_ARGUMENT:
            return None
        state = get(args, kwargs, *WEIGHT_ARGUMENT[op])
        if op == "batch_norm" and not isinstance(state, torch.Tensor):
            state = get(args, kwargs, 1, "running_mean")
        if not isinstance(state, torch.Tensor):
            return None
        return self.layers.setdefault(id(state), len(self.layers))


    def reused(self, op: str, args, kwargs) -> bool:
        """A layer's weight already used by an earlier call of this pass: one module used twice."""
        index, name = WEIGHT_ARGUMENT.get(op, (None, None))
        if index is None:
            return False
        weight = get(args, kwargs, index, name)
        if not isinstance(weight, torch.Tensor):
            return False
        seen = id(weight) in self.parameters_used
        self.parameters_used.add(id(weight))
        self.alive.append(weight)
        return seen


WEIGHT_ARGUMENT = {"conv2d": (1, "weight"), "linear": (1, "weight"), "batch_norm": (3, "weight")}


def record(model: nn.Module, x: torch.Tensor, describe_error=None, opaque: tuple = ()) -> dict:
    """The raw graph of ``model(x)``: ``{"nodes", "output", "error"}`` (JSON-able).

    ``output`` is the node that produced the result (-1: the input itself),
    ``None`` when the forward pass raised; ``error`` then says what happened.
    Each module of a class in ``opaque`` is one node (``scratch_batch_norm``).
    """
    recorder = Recorder(model, tuple(opaque))
    recorder.producer[id(x)] = -1
    output, error, output_shape = None, None, None
    try:
        with torch.no_grad(), recorder:
            out = model(x)
        if not isinstance(out, torch.Tensor):
            error = f"the forward pass returned a {type(out).__name__}, not a tensor"
        elif recorder.source(out) is None:
            error = "the output does not depend on the input"
        else:
            output = recorder.source(out)
            output_shape = list(out.shape)      # a last reshape that keeps the batch axis is no node
    except Exception as exc:
        error = describe_error(exc) if describe_error else f"{type(exc).__name__}: {exc}"
    finally:
        recorder.remove_hooks()
    return {"nodes": recorder.nodes, "output": output, "error": error, "output_shape": output_shape}


def produced_shapes(model: nn.Module, input_shape, device="meta") -> dict:
    """Every shape the forward pass computes, in order, and its output (``record``'s graph); when it raised,
    where (``raised_in``)."""
    graph = record(model, torch.empty(tuple(input_shape), device=device))
    shapes = [tuple(n["shape"]) for n in graph["nodes"] if n["shape"] is not None and n["op"] != "constant"]
    out = graph["output"]
    output = tuple(input_shape) if out == -1 else (tuple(graph["nodes"][out]["shape"]) if out is not None else None)
    failed = [n for n in graph["nodes"] if n.get("failed")]
    return {"shapes": shapes, "output": output, "error": graph["error"],
            "raised_in": raised_in(failed[-1]) if failed else None}


MAX_ABSORBED = 8           # operations that computed nothing, kept on the node they left unchanged


OPERATION_NAMES = {"conv2d": "Conv2d", "linear": "Linear", "batch_norm": "BatchNorm", "max_pool2d": "MaxPool2d",
                   "avg_pool2d": "AvgPool2d", "cat": "torch.cat", "add": "an addition"}


def raised_in(node: dict) -> str:
    """``Linear(400 -> 120) in layer 8 (Linear), given [1, 16, 5, 5]``: the operation that raised, in the
    student's own names, and what it received (the meta device's errors say little more than that it failed)."""
    attrs, op = node.get("attrs", {}), node.get("op", "?")
    name = OPERATION_NAMES.get(op, op)
    weight = attrs.get("weight")
    if op in ("conv2d", "linear") and isinstance(weight, (list, tuple)) and len(weight) >= 2:
        name += f"({weight[1]} -> {weight[0]})"
    elif op == "batch_norm" and "features" in attrs:
        name += f"({attrs['features']})"
    path = []
    for k, (label, cls) in enumerate(node.get("where", [])):
        path.append(f"layer {int(label) + 1} ({cls})" if k == 0 and label.isdigit() else f"{label} ({cls})")
    where = f" in {' > '.join(path)}" if path else ""
    given = node.get("in_shape")
    return f"{name}{where}" + (f", given {list(given)}" if given else "")
