"""What a sandboxed child can be asked: observations of the student's module, never verdicts.

Each probe takes JSON-able arguments and returns JSON-able data. The grader
compares the data with the book in its own process.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from . import build, recipes
from .computation.library_calls import LibraryNormalization
from .computation.record import produced_shapes, record
from .computation.replay import Replay
from .report import describe_exception
from .spec import NETWORKS


def seeded_input(shape, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(tuple(shape), generator=generator)


def reached(grad: torch.Tensor | None) -> bool:
    """A gradient that is not all zeros, NaN counting as none: one pass over it (AlexNet's 46 M numbers
    in 30 ms), not a copy and a sum."""
    if grad is None or grad.numel() == 0:
        return False
    low, high = torch.aminmax(grad.detach())
    return bool(high > 0) or bool(low < 0)


def saved_buffers(model: nn.Module) -> dict:
    return {name: b.clone() for name, b in model.named_buffers()}


def put_back_buffers(model: nn.Module, saved: dict) -> None:
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name in saved:
                buffer.copy_(saved[name])


class LastModel:
    """The model last built for a key, its buffers put back before each use. Only one is kept: its size is
    the student's to choose."""

    def __init__(self):
        self.key, self.model, self.buffers = None, None, {}

    def get(self, key, build) -> nn.Module:
        if self.model is None or self.key != key:
            self.key, self.model, self.buffers = None, None, {}      # the last one's memory back first
            model = build()
            self.key, self.model, self.buffers = key, model, saved_buffers(model)
        put_back_buffers(self.model, self.buffers)
        return self.model


class Probes:
    def __init__(self, source: Path, module_name: str):
        self.source, self.module_name, self.module = source, module_name, None
        self.built: dict = {}
        self.cpu_model = LastModel()             # see on_cpu
        self.weighted = LastModel()              # see do_weighted_outputs

    def build_real(self, call: str, seed: int, input_shape) -> nn.Module:
        """A real CPU model, built once per (call, seed) and reset to its initial state on every use."""
        key = (call, seed)
        if key not in self.built:
            torch.manual_seed(seed)
            model = self.make(call, "cpu", input_shape)
            self.built[key] = (model, self.initial_state(model))
        model, initial = self.built[key]
        self.restore(model, initial)
        model.zero_grad(set_to_none=True)
        model.train()
        return model

    @staticmethod
    def initial_state(model: nn.Module) -> dict:
        """What ``build_real`` restores before each use: everything (the student's code may change its
        own weights as it runs)."""
        return {k: v.clone() for k, v in model.state_dict().items()}

    @staticmethod
    def restore(model: nn.Module, initial: dict) -> None:
        model.load_state_dict(initial)

    def make(self, call: str, device: str, input_shape) -> nn.Module:
        """The network ``call`` builds, on ``device`` (lazy layers set for ``input_shape``)."""
        return build.build(self.module, call, device, input_shape)

    def on_meta_or_cpu(self, work, call: str, input_shape):
        """``work(model, input_shape, device=...)`` on the meta device, else on real CPU tensors."""
        try:
            return work(self.make(call, "meta", input_shape), input_shape, device="meta")
        except Exception:
            return work(self.on_cpu(call, input_shape), input_shape, device="cpu")

    def on_cpu(self, call: str, input_shape) -> nn.Module:
        """The CPU model for work the meta device could not do, built once per call and image size, seeded,
        its buffers reset before each use. A network that raises on the meta device usually raises on the
        CPU too (a channel mismatch): its graphs, table and shapes then cost one build, not four (VGG at
        224x224: 1.4 s a build). Only the last one is kept (its size is the student's to choose)."""
        def seeded_build():
            torch.manual_seed(0)
            return self.make(call, "cpu", input_shape)
        return self.cpu_model.get((call, tuple(input_shape[1:])), seeded_build).train()

    def do_import(self):
        self.module = build.load_module(self.source.parent, self.module_name)
        return sorted(name for name in vars(self.module) if not name.startswith("_"))

    def do_table(self, call, input_shape):
        """The book's printing loop: rows up to a layer that raised; ``None`` for a network that is not a Sequential."""
        try:
            rows = self.on_meta_or_cpu(build.layer_table, call, input_shape)
        except build.LayerError as error:
            rows = error.rows
        except build.SubmissionMistake:
            return None
        return [[row.name, list(row.shape)] for row in rows]

    def do_produced_shapes(self, call, input_shape):
        return self.on_meta_or_cpu(self.computed(produced_shapes), call, input_shape)

    def do_graph(self, call, input_shape, mode="train"):
        """The dataflow graph of one forward pass (``computation.record``), up to where it raised."""
        opaque = self.opaque_classes()

        def work(model, shape, device):
            model.train(mode == "train")
            return record(model, torch.empty(shape, device=device), self.describe, opaque)
        return self.on_meta_or_cpu(self.computed(work), call, input_shape)

    def opaque_classes(self) -> tuple:
        """The module's classes recorded as one operation each (``NetworkSpec.opaque``: a BatchNorm from scratch)."""
        spec = NETWORKS.get(self.module_name)
        found = [getattr(self.module, name, None) for name in (spec.opaque if spec else ())]
        return tuple(c for c in found if isinstance(c, type) and issubclass(c, nn.Module))

    def describe(self, error: BaseException) -> str:
        return describe_exception(error, self.source)

    @staticmethod
    def computed(work):
        """On the meta device an error may only mean "needs real tensors": raise it, so that the CPU is tried."""
        def run(model, shape, device):
            result = work(model, shape, device)
            if result.get("error") and device == "meta":
                raise RuntimeError(result["error"])
            return result
        return run

    def do_params(self, call, input_shape=None):
        return build.parameter_count(self.make(call, "meta", input_shape))

    def do_output_shape(self, call, input_shape):
        return list(self.on_meta_or_cpu(build.output_shape, call, input_shape))

    def do_gradients(self, call, input_shape, seed=0):
        model = self.build_real(call, seed, input_shape)
        out = model(seeded_input(input_shape, seed))
        (out.float() ** 2).mean().backward()
        named = model.named_for_student() if hasattr(model, "named_for_student") else model.named_parameters()
        return [[name, list(p.shape), reached(p.grad)] for name, p in named]

    def do_outputs(self, call, input_shapes, seed=0, mode="eval", reseed=None):
        """Outputs for several inputs built from one seeded batch: batch i is its first n rows."""
        largest = max(input_shapes, key=lambda s: s[0])
        model = self.build_real(call, seed, largest)
        model.train(mode == "train")
        x = seeded_input(largest, seed + 1)
        results = []
        with torch.no_grad():
            for i, shape in enumerate(input_shapes):
                if reseed is not None:
                    torch.manual_seed(reseed[i])
                results.append(model(x[: shape[0]]).tolist())
        return results

    def do_weighted_outputs(self, call, input_shape, seed=0, mode="eval"):
        """Outputs with weights set by the order of use (``computation.weights``), in ``mode``. The weighted
        network is kept for the other mode (the grader asks for eval first, and for training only when the
        outputs agree), its buffers put back before each use."""
        model = self.weighted.get((call, tuple(int(d) for d in input_shape), seed),
                                  lambda: self.weighted_model(call, input_shape, seed))
        x = seeded_input(input_shape, seed + 1)
        with torch.no_grad():
            model.train(mode == "train")
            if mode == "train":
                torch.manual_seed(seed + 2)
            return model(x).double().flatten().tolist()

    def weighted_model(self, call, input_shape, seed):
        from .computation.weights import WithoutRandomInit, use_order_weights
        torch.manual_seed(seed)
        with WithoutRandomInit():
            model = self.make(call, "cpu", input_shape)
        try:
            twin = self.make(call, "meta", input_shape)
        except Exception:
            twin = None
        use_order_weights(model, seeded_input(input_shape, seed + 1), twin)
        return model

    def do_residual_identity(self, call, input_shape, seed=0):
        """Silence the main branch (BatchNorm scale and shift 0) and return input, output and 1x1 convs."""
        model = self.build_real(call, seed, input_shape)
        norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        silenced = [(norm, norm.weight.clone(), norm.bias.clone()) for norm in norms if norm.weight is not None]
        with torch.no_grad():
            for norm, _, _ in silenced:
                norm.weight.zero_()
                norm.bias.zero_()
            x = seeded_input(input_shape, seed + 1)
            y = model(x)
            for norm, weight, bias in silenced:      # as it was: see ReplayProbes.initial_state
                norm.weight.copy_(weight)
                norm.bias.copy_(bias)
        one_by_one = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
        return {"norms": len(norms), "input": x.tolist(), "output": y.tolist(),
                "shortcuts": [{"weight": m.weight.detach().flatten(1).tolist(),
                               "bias": m.bias.tolist() if m.bias is not None else None,
                               "stride": list(m.stride)} for m in one_by_one]}

    def do_minimum(self, call, input_shape, seed=0):
        model = self.build_real(call, seed, input_shape)
        with torch.no_grad():
            y = model(seeded_input(input_shape, seed + 1))
        return {"shape": list(y.shape), "min": float(y.min())}

    def do_input_output(self, call, input_shape, mode="train", seed=0):
        """One forward pass of ``call`` on a seeded input: the input and the output, as numbers."""
        model = self.build_real(call, seed, input_shape)
        model.train(mode == "train")
        x = seeded_input(input_shape, seed + 1)
        with torch.no_grad():
            y = model(x)
        return {"input": x.tolist(), "output": y.tolist()}

    # -- the BatchNorm written from scratch (batch_norm_scratch.py) -------------------------------
    # The book's use, and no other: training with net.train() and gradients on, prediction with
    # net.eval() under torch.no_grad() (``is_grad_enabled`` and ``self.training`` agree there).

    @staticmethod
    def numbers(value):
        return value.detach().double().tolist() if isinstance(value, torch.Tensor) else None

    def do_bn_function(self, cases):
        """The student's ``batch_norm`` on each case, gradients on (training): Y, the moving statistics it
        returns, and the gradients of sum(Y * G) with respect to X, gamma and beta."""
        results = []
        for case in cases:
            x = torch.tensor(case["X"], dtype=torch.float32, requires_grad=True)
            gamma = torch.tensor(case["gamma"], dtype=torch.float32, requires_grad=True)
            beta = torch.tensor(case["beta"], dtype=torch.float32, requires_grad=True)
            mean = torch.tensor(case["moving_mean"], dtype=torch.float32)
            var = torch.tensor(case["moving_var"], dtype=torch.float32)
            with torch.enable_grad():
                out = self.module.batch_norm(x, gamma, beta, mean, var, case["eps"], case["momentum"])
                if not isinstance(out, (tuple, list)) or len(out) != 3 or \
                        not all(isinstance(v, torch.Tensor) for v in out):
                    raise build.SubmissionMistake(
                        f"batch_norm(...) returned {type(out).__name__}; it must return the tuple (Y, moving_mean, "
                        "moving_var)\nbatch_norm(...) 必须返回 (Y, moving_mean, moving_var)")
                y = out[0]
                if y.requires_grad:
                    (y.float() * torch.tensor(case["G"], dtype=torch.float32)).sum().backward()
            results.append({"Y": self.numbers(y), "moving_mean": self.numbers(out[1]),
                            "moving_var": self.numbers(out[2]), "dX": self.numbers(x.grad),
                            "dgamma": self.numbers(gamma.grad), "dbeta": self.numbers(beta.grad)})
        return results

    def do_bn_library_calls(self, cases, steps):
        """The library normalization kernels (``computation.library_calls``) that the student's ``batch_norm``
        on ``cases`` and a fresh ``BatchNorm`` on ``steps`` run, for each of 2 and 4 axes: sorted names. What
        they compute is the other probes' business; an error here only ends the looking."""
        looking = LibraryNormalization()
        with looking:
            for case in cases:
                try:
                    self.do_bn_function([case])
                except Exception:
                    pass
            for features, dims, step in steps:
                try:
                    self.do_bn_module(features, dims, step)
                except Exception:
                    pass
        return sorted(looking.seen)

    def do_bn_module(self, num_features, num_dims, steps, seed=0):
        """A fresh ``BatchNorm(num_features, num_dims)`` of the student's, run step by step.

        A ``train`` step: ``net.train()``, gradients on, Y and the gradients of sum(Y * G); an ``eval``
        step: ``net.eval()`` under ``torch.no_grad()``. Returns its parameters (name, shape, whether they
        require a gradient) and initial values, its buffers, its ``moving_mean`` and ``moving_var`` as
        they start, and after each step Y, the gradients and the moving statistics."""
        torch.manual_seed(seed)
        layer = build.build(self.module, f"BatchNorm({int(num_features)}, num_dims={int(num_dims)})", "cpu")
        params = dict(layer.named_parameters())

        def moving():
            return [self.numbers(getattr(layer, name, None)) for name in ("moving_mean", "moving_var")]

        observed = {
            "parameters": [[name, list(p.shape), bool(p.requires_grad)] for name, p in params.items()],
            "initial": {name: self.numbers(p) for name, p in params.items()},
            "buffers": [name for name, _ in layer.named_buffers()],
            "moving": {name: {"present": isinstance(getattr(layer, name, None), torch.Tensor),
                              "is_parameter": isinstance(getattr(layer, name, None), nn.Parameter),
                              "value": self.numbers(getattr(layer, name, None))}
                       for name in ("moving_mean", "moving_var")},
            "steps": []}
        for step in steps:
            x = torch.tensor(step["X"], dtype=torch.float32)
            for p in params.values():
                p.grad = None
            if step["mode"] == "train":
                layer.train()
                x.requires_grad_(True)
                with torch.enable_grad():
                    y = layer(x)
                    if isinstance(y, torch.Tensor) and y.requires_grad and step.get("G") is not None:
                        (y.float() * torch.tensor(step["G"], dtype=torch.float32)).sum().backward()
            else:
                layer.eval()
                with torch.no_grad():
                    y = layer(x)
            if not isinstance(y, torch.Tensor):
                raise build.SubmissionMistake(f"BatchNorm's forward returned {type(y).__name__}, not a tensor\n"
                                              "BatchNorm 的 forward 必须返回张量")
            observed["steps"].append({"Y": self.numbers(y), "dX": self.numbers(x.grad),
                                      "grads": {name: self.numbers(p.grad) for name, p in params.items()},
                                      "moving": moving()})
        return observed

    def do_train(self, device="cpu", seed=0, input_shape=None):
        from . import threads, train
        torch.set_num_threads(threads.CHECK_THREADS)     # one: the same result on any machine, however many run
        spec = NETWORKS[self.module_name]
        model = self.make(spec.call, "cpu", input_shape or spec.input_shape)
        return train.run_training_check(model, self.module_name, device, seed=seed)

    def do_pace(self, device="cpu", steps=3, input_shape=None):
        """Asked of the reference only: seconds for the first ``steps`` steps of the training check, here and now."""
        from . import threads, train
        torch.set_num_threads(threads.CHECK_THREADS)     # as the student's training run will
        spec = NETWORKS[self.module_name]
        model = self.make(spec.call, "cpu", input_shape or spec.input_shape)
        plan = dict(recipes.training_check_plan(self.module_name, device), steps=steps)
        result = train.run_check(model, plan)
        return {"seconds": result["seconds"], "train_seconds": result["train_seconds"], "steps": result["steps"]}


class ReplayProbes(Probes):
    """The same observations, of the networks that recorded graphs describe (``computation.replay``).

    Runs in a child that holds no student code: the grader sends it the graphs
    a student's child recorded (``define``), and every measurement is made on
    the grader's own network built from them.
    """

    def __init__(self, module_name: str):
        super().__init__(Path(f"{module_name}.py"), module_name)
        self.graphs: dict[tuple, dict] = {}

    @staticmethod
    def key(call, input_shape) -> tuple:
        return str(call), tuple(int(d) for d in list(input_shape)[1:])

    def do_define(self, call, input_shape, graphs):
        with torch.device("meta"):              # refused now, with its reason, rather than at each use
            Replay(graphs, input_shape[0])
        self.graphs[self.key(call, input_shape)] = (graphs, int(input_shape[0]))
        return True

    @staticmethod
    def initial_state(model: nn.Module) -> dict:
        """The replay's buffers: its weights change in no probe (``do_residual_identity`` puts back the
        BatchNorm scales it silences), while every training-mode pass updates BatchNorm's running statistics.
        Not copying the weights spares a mistaken AlexNet's replay 46 M numbers (0.18 s)."""
        return saved_buffers(model)

    restore = staticmethod(put_back_buffers)

    def make(self, call: str, device: str, input_shape) -> nn.Module:
        defined = self.graphs.get(self.key(call, input_shape))
        if defined is None:
            raise LookupError(f"no graph of {call} at {list(input_shape)} was sent")
        with torch.device(device):
            return Replay(*defined)

    def unavailable(self, *args, **kwargs):
        raise LookupError("asked of the student's own process only")

    do_import = do_table = do_graph = do_bn_function = do_bn_module = do_bn_library_calls = unavailable


def warm_up() -> None:
    """Run every kind of layer once on the meta device, in the grading process.

    The first meta-device call of each operation imports a good part of torch
    lazily (about a second). Doing it once here, before any child is forked,
    spares every sandbox that cost. Only meta tensors: no arithmetic, no
    thread pools, so forking stays safe.
    """
    with torch.device("meta"):
        net = nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.Sigmoid(),
            nn.MaxPool2d(2), nn.AvgPool2d(2, padding=1), nn.AdaptiveAvgPool2d((2, 2)),
            nn.Dropout(0.5), nn.Flatten(), nn.Linear(8, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
        x = torch.empty(2, 1, 8, 8)
    for training in (True, False):
        net.train(training)
        record(net, x)
        y = torch.empty(2, 3, 4, 4, device="meta")
        torch.relu(torch.cat((y, y), dim=1) + y.repeat(1, 2, 1, 1))
