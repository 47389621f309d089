"""Run a recorded graph as a network of the grader's own: what the grader measures.

A student's child records what their network computes (``record.py``): each
operation, its hyperparameters, which earlier operations fed it and which
of the network's layers it used. ``Replay`` rebuilds that network from the
record, out of plain ``nn.Conv2d``, ``nn.Linear`` and ``nn.BatchNorm``
layers of its own, and runs the recorded operations in the recorded order.
The grader's numbers (shapes, parameter counts, gradients, outputs, the
training run) come from running this network in a process that holds no
student code, on data the student's code never sees.

So the submission's own process can only *describe* a network. Describing
the book's network is writing it; anything else computes what it
describes, and nothing it prints, patches or forges there becomes a
measurement. Weights are the grader's too: a replay starts from PyTorch's
default initialisation (the training check then applies the book's), never
from numbers the submission chose.

A BatchNorm the student writes from scratch is one recorded node
(``scratch_batch_norm``): its arithmetic is the student's own and is checked
on its own, number by number, against ``nn.BatchNorm`` and the book's moving
averages (``checking/batchnorm.py``). Only once those checks pass does the
grader train a replay (``grade.run_training``), where that node is the
book's batch normalization: the function the student's layer was shown to
compute, run where their code never sees the data.

Only the operations of the chapter's networks can be replayed (``KNOWN``).
A graph with another operation, a forward pass that raised, or a layer used
with two different shapes is refused with ``NotReplayable``, which says why
in the student's terms.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu,
               "elu": F.elu, "selu": F.selu, "silu": F.silu, "relu6": F.relu6, "hardtanh": F.hardtanh,
               "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid, "softplus": F.softplus,
               "mish": F.mish, "leaky_relu": F.leaky_relu}
BINARY = {"add": torch.add, "mul": torch.mul, "sub": torch.sub}
DROPOUTS = {"dropout": F.dropout, "dropout1d": F.dropout1d, "dropout2d": F.dropout2d, "dropout3d": F.dropout3d}
NORMALIZERS = {"local_response_norm"}        # outside the chapter, but a student may add one: run as recorded
KNOWN = {"conv2d", "linear", "batch_norm", *NORMALIZERS, "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
         "adaptive_max_pool2d", "global_avg_pool", "cat", *DROPOUTS, "detach", "clamp",
         "reshape", "transpose", "permute", *ACTIVATIONS, *BINARY}
LAYERS = {"conv2d", "linear", "batch_norm", "scratch_batch_norm"}
KNOWN |= LAYERS
BOOK_EPS, BOOK_MOMENTUM = 1e-5, 0.1     # the book's BatchNorm from scratch, in nn.BatchNorm's convention
MAX_NODES = 5_000
MAX_LAYER_ELEMENTS = 1 << 28        # one layer's weight: 256 M numbers (1 GiB), far above VGG-11's largest


class NotReplayable(ValueError):
    """The graph cannot be run as a network: the reason is for the student."""


def pair(value) -> tuple[int, int]:
    values = tuple(int(v) for v in value) if isinstance(value, (list, tuple)) else (int(value),) * 2
    if len(values) != 2 or any(v < 0 or v > 4096 for v in values):
        raise NotReplayable(f"a window or stride of {value!r}")
    return values


def where(node: dict) -> str:
    """The student's name of the layer a node ran in: ``b1.0`` (their attribute names, outermost first)."""
    return ".".join(name for name, _ in node.get("where", []) if name) or "(the network)"


def make_layer(node: dict, rank: int) -> nn.Module:
    """A fresh layer for the first node that uses it, from that node's hyperparameters."""
    attrs, op = node["attrs"], node["op"]
    if op in ("conv2d", "linear"):
        weight = [int(d) for d in attrs["weight"]]
        if any(d <= 0 for d in weight) or torch.Size(weight).numel() > MAX_LAYER_ELEMENTS:
            raise NotReplayable(f"a weight of shape {weight}")
        bias = bool(attrs.get("bias", True))
        if op == "linear":
            if len(weight) != 2:
                raise NotReplayable(f"a Linear weight of shape {weight}")
            return nn.Linear(weight[1], weight[0], bias=bias)
        if len(weight) != 4:
            raise NotReplayable(f"a Conv2d weight of shape {weight}")
        groups = int(attrs.get("groups", 1))
        if groups < 1 or weight[0] % groups:
            raise NotReplayable(f"groups={groups}")
        return nn.Conv2d(weight[1] * groups, weight[0], tuple(weight[2:]), stride=pair(attrs["stride"]),
                         padding=pair(attrs["padding"]), dilation=pair(attrs["dilation"]), groups=groups,
                         bias=bias)
    if op == "scratch_batch_norm":      # the book's, verified to be what theirs computes (see above)
        features = int(node["shape"][1]) if node.get("shape") and len(node["shape"]) >= 2 else 0
        if not 0 < features <= MAX_LAYER_ELEMENTS:
            raise NotReplayable(f"a BatchNorm of {features} features")
        return (nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d)(features, eps=BOOK_EPS, momentum=BOOK_MOMENTUM)
    features = int(attrs["features"])
    if not 0 < features <= MAX_LAYER_ELEMENTS:
        raise NotReplayable(f"a BatchNorm of {features} features")
    momentum = attrs.get("momentum")
    kind = nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d
    return kind(features, eps=float(attrs["eps"]), momentum=None if momentum is None else float(momentum),
                affine=bool(attrs["affine"]), track_running_stats=bool(attrs["running_stats"]))


class Replay(nn.Module):
    """The network a pair of recorded graphs (training and eval mode) describes.

    ``graphs`` maps ``"train"`` and ``"eval"`` to ``record.record`` graphs of
    one network at one input size. The layers (``self.layers``, numbered as
    the record numbers them) are shared by both modes, as the student's are.
    """

    def __init__(self, graphs: dict, batch: int = 2):
        super().__init__()
        self.batch = int(batch)           # the batch size the graphs were recorded at
        self.graphs = {}
        for mode in ("train", "eval"):
            graph = graphs.get(mode)
            if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
                raise NotReplayable(f"no {mode}-mode graph")
            if graph.get("error") is not None:
                raise NotReplayable(f"the forward pass raised {graph['error']}")
            if len(graph["nodes"]) > MAX_NODES:
                raise NotReplayable(f"the forward pass computes {len(graph['nodes']):,} operations, far more than "
                                    f"any network of the chapter (at most {MAX_NODES:,} are run)")
            if graph.get("output") is None:
                raise NotReplayable("the forward pass has no output computed from its input")
            self.graphs[mode] = graph
        self.names: dict[int, str] = {}
        layers: dict[int, nn.Module] = {}
        for mode in ("train", "eval"):
            for node in self.graphs[mode]["nodes"]:
                self.check(node)
                number = node.get("layer")
                if node["op"] in LAYERS and number not in layers:
                    rank = len(node["shape"]) if node.get("shape") else 4
                    layers[number] = make_layer(node, rank)
                    self.names[number] = where(node)
        if sorted(layers) != list(range(len(layers))):
            raise NotReplayable("its layers are not numbered by first use")
        self.layers = nn.ModuleList(layers[k] for k in range(len(layers)))

    @staticmethod
    def check(node: dict) -> None:
        op = node.get("op")
        if op not in KNOWN:
            raise NotReplayable(f"{where(node)} computes {str(op)[:60]!r}, an operation none of the chapter's "
                                "networks uses")
        if op in LAYERS and type(node.get("layer")) is not int:
            raise NotReplayable(f"{where(node)}'s {op} has no layer of its own (weights made inside forward?)")
        extra = set(node.get("attrs", {})) - {"inplace"}
        if op in NORMALIZERS and not all(isinstance(v, (int, float)) for v in node.get("attrs", {}).values()):
            raise NotReplayable(f"{where(node)}'s {op} with arguments {sorted(extra)}")
        if (op in ACTIVATIONS or op in BINARY) and extra:
            raise NotReplayable(f"{where(node)}'s {op} with arguments {sorted(extra)}")
        arity = {"cat": None, **{name: 2 for name in BINARY}}.get(op, 1)
        if (arity is not None and len(node["inputs"]) != arity) or not node["inputs"]:
            raise NotReplayable(f"{where(node)}'s {op} has {len(node['inputs'])} tensor input(s) from the "
                                "network (a tensor made inside forward, or a parameter used as data?)")

    def named_for_student(self):
        """``(name, parameter)`` with the student's layer names: ``b1.0.weight``."""
        for number, layer in enumerate(self.layers):
            for name, parameter in layer.named_parameters():
                yield f"{self.names[number]}.{name}", parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        graph = self.graphs["train" if self.training else "eval"]
        self.images = x.shape[0]
        values: list[torch.Tensor] = []

        def value(index: int) -> torch.Tensor:
            return x if index == -1 else values[index]

        for node in graph["nodes"]:
            inputs = [value(i) for i in node["inputs"]]
            values.append(self.run(node, inputs))
        out = value(graph["output"])
        shape = graph.get("output_shape")
        if isinstance(shape, list) and len(shape) >= 1 and list(out.shape[1:]) != shape[1:] \
                and out[0].numel() == torch.Size(shape[1:]).numel():
            out = out.reshape(out.shape[0], *shape[1:])       # the last reshape, which keeps the batch axis
        return out

    def run(self, node: dict, inputs: list[torch.Tensor]) -> torch.Tensor:
        op, attrs, x = node["op"], node["attrs"], inputs[0]
        x = self.reshaped(op, x, node)
        if op in LAYERS:
            layer = self.layers[node["layer"]]
            if op == "conv2d":
                if list(layer.weight.shape) != [int(d) for d in attrs["weight"]]:
                    raise NotReplayable(f"{where(node)}: one layer used with two weight shapes")
                return F.conv2d(x, layer.weight, layer.bias, pair(attrs["stride"]), pair(attrs["padding"]),
                                pair(attrs["dilation"]), int(attrs.get("groups", 1)))
            if op == "linear":
                return F.linear(x, layer.weight, layer.bias)
            if op == "scratch_batch_norm":
                return F.batch_norm(x, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                                    self.training, BOOK_MOMENTUM, BOOK_EPS)
            return self.batch_norm(layer, x, attrs)
        if op in ACTIVATIONS:
            return ACTIVATIONS[op](x)
        if op in BINARY:
            return BINARY[op](inputs[0], inputs[1])
        if op == "cat":
            return torch.cat(inputs, dim=int(attrs["dim"]))
        if op == "global_avg_pool":
            return x.mean(dim=tuple(range(2, x.dim())))
        if op == "max_pool2d":
            return F.max_pool2d(x, pair(attrs["kernel"]), pair(attrs["stride"]), pair(attrs["padding"]),
                                pair(attrs["dilation"]), bool(attrs["ceil_mode"]))
        if op == "avg_pool2d":
            divisor = attrs.get("divisor")
            return F.avg_pool2d(x, pair(attrs["kernel"]), pair(attrs["stride"]), pair(attrs["padding"]),
                                bool(attrs["ceil_mode"]), bool(attrs.get("count_include_pad", True)),
                                None if divisor is None else int(divisor))
        if op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
            size = attrs["output_size"]
            size = tuple(None if s is None else int(s) for s in size)
            pool = F.adaptive_avg_pool2d if op == "adaptive_avg_pool2d" else F.adaptive_max_pool2d
            return pool(x, size)
        if op in DROPOUTS:
            return DROPOUTS[op](x, float(attrs["p"]), bool(attrs["training"]))
        if op == "local_response_norm":
            size, alpha, beta, k = (attrs.get(f"arg{i}", attrs.get(name, default)) for i, (name, default) in
                                    enumerate((("size", 5), ("alpha", 1e-4), ("beta", 0.75), ("k", 1.0)), start=1))
            return F.local_response_norm(x, int(size), float(alpha), float(beta), float(k))
        if op == "detach":
            return x.detach()
        if op == "reshape":
            return x.reshape(self.target_shape(node))
        if op == "transpose":
            first, second = (attrs.get(k) for k in (("arg1", "arg2") if "arg1" in attrs else ("dim0", "dim1")))
            return torch.transpose(x, int(first), int(second))
        if op == "permute":
            dims = attrs.get("arg1") if isinstance(attrs.get("arg1"), (list, tuple)) else \
                [attrs[f"arg{i}"] for i in range(1, x.dim() + 1)]
            return x.permute(*[int(d) for d in dims])
        if op == "clamp":
            return torch.clamp(x, attrs.get("min"), attrs.get("max"))
        raise NotReplayable(f"{where(node)} computes {op!r}")

    def target_shape(self, node: dict) -> list[int]:
        """A reshape that does not keep the batch axis (one that does is not recorded), as written for any
        batch: the recorded shape with its batch size (first) or everything flat."""
        target = [int(d) for d in node.get("shape") or []]
        if len(target) == 1:
            return [-1]
        if target and target[0] == self.batch:
            return [self.images, *target[1:]]
        raise NotReplayable(f"{where(node)} reshapes to {target}, a shape that depends on the batch in a way "
                            "the grader cannot tell")

    @staticmethod
    def reshaped(op: str, x: torch.Tensor, node: dict) -> torch.Tensor:
        """The input as the operation saw it. A reshape that keeps the batch axis is not recorded (``Flatten``
        before a Linear, ``[N, C, 1, 1]`` after a global pooling): the same numbers, so put the shape back."""
        recorded = node.get("shape") or []
        if op == "linear" and x.dim() > 2 and len(recorded) == 2:
            return x.flatten(1)
        if op in ("conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d") \
                and x.dim() == 2:
            return x[:, :, None, None]
        if op == "batch_norm" and x.dim() > 2 and len(recorded) == 2:
            return x.flatten(1)
        return x

    def batch_norm(self, layer: nn.modules.batchnorm._BatchNorm, x: torch.Tensor, attrs: dict) -> torch.Tensor:
        training = bool(attrs["training"])
        momentum = attrs.get("momentum")
        if training and layer.track_running_stats and layer.num_batches_tracked is not None:
            layer.num_batches_tracked.add_(1)
            if momentum is None:           # a cumulative moving average, as nn.BatchNorm's momentum=None
                momentum = 1.0 / float(layer.num_batches_tracked)
        return F.batch_norm(x, layer.running_mean, layer.running_var, layer.weight, layer.bias,
                            training, 0.0 if momentum is None else float(momentum), float(attrs["eps"]))
