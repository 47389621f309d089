"""What a sandboxed child can be asked: observations of the student's module, never verdicts.

Each probe takes JSON-able arguments and returns JSON-able data. The grader
compares the data with the book in its own process.
"""
from __future__ import annotations

import json
import struct
import os
from pathlib import Path

import torch
from torch import nn

from . import build, shapes
from .computation.record import record
from .report import describe_exception
from .spec import NETWORKS


def seeded_input(shape, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(tuple(shape), generator=generator)


class Probes:
    def __init__(self, source: Path, module_name: str):
        self.source, self.module_name, self.module = source, module_name, None
        self.built: dict = {}

    def build_real(self, call: str, seed: int, input_shape) -> nn.Module:
        """A real CPU model, built once per (call, seed) and reset to its initial state on every use."""
        key = (call, seed)
        if key not in self.built:
            torch.manual_seed(seed)
            model = build.build(self.module, call, "cpu", input_shape)
            self.built[key] = (model, {k: v.clone() for k, v in model.state_dict().items()})
        model, initial = self.built[key]
        model.load_state_dict(initial)
        model.zero_grad(set_to_none=True)
        model.train()
        return model

    def do_import(self):
        self.module = build.load_module(self.source.parent, self.module_name)
        return sorted(name for name in vars(self.module) if not name.startswith("_"))

    def do_table(self, call, input_shape):
        """The book's printing loop: rows up to a layer that raised; ``None`` for a network that is not a Sequential."""
        try:
            rows = build.on_meta_or_cpu(build.layer_table, self.module, call, input_shape)
        except build.LayerError as error:
            rows = error.rows
        except build.SubmissionMistake:
            return None
        return [[row.name, list(row.shape)] for row in rows]

    def do_produced_shapes(self, call, input_shape):
        return build.on_meta_or_cpu(self.computed(shapes.produced_shapes), self.module, call, input_shape)

    def do_graph(self, call, input_shape, mode="train"):
        """The dataflow graph of one forward pass (``computation.record``), up to where it raised."""
        def work(model, shape, device):
            model.train(mode == "train")
            return record(model, torch.empty(shape, device=device), self.describe)
        return build.on_meta_or_cpu(self.computed(work), self.module, call, input_shape)

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
        return build.parameter_count(build.build(self.module, call, "meta", input_shape))

    def do_output_shape(self, call, input_shape):
        return list(build.on_meta_or_cpu(build.output_shape, self.module, call, input_shape))

    def do_gradients(self, call, input_shape, seed=0):
        model = self.build_real(call, seed, input_shape)
        out = model(seeded_input(input_shape, seed))
        (out.float() ** 2).mean().backward()
        return [[name, list(p.shape), p.grad is not None and bool(p.grad.abs().sum() > 0)]
                for name, p in model.named_parameters()]

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

    def do_residual_identity(self, call, input_shape, seed=0):
        """Silence the main branch (BatchNorm scale and shift 0) and return input, output and 1x1 convs."""
        model = self.build_real(call, seed, input_shape)
        norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        with torch.no_grad():
            for norm in norms:
                if norm.weight is not None:
                    norm.weight.zero_()
                    norm.bias.zero_()
            x = seeded_input(input_shape, seed + 1)
            y = model(x)
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

    def do_train(self, device="cpu", seed=0):
        from . import train
        torch.set_num_threads(os.cpu_count() or 1)     # the grading process never started a thread pool
        spec = NETWORKS[self.module_name]
        model = build.build(self.module, spec.call, "cpu", spec.input_shape)
        return train.run_training_check(model, self.module_name, device, seed=seed)

    def do_pace(self, device="cpu", steps=3):
        """Asked of the reference only: seconds for the first ``steps`` steps of the training check, here and now."""
        from . import train
        torch.set_num_threads(os.cpu_count() or 1)
        spec = NETWORKS[self.module_name]
        model = build.build(self.module, spec.call, "cpu", spec.input_shape)
        plan = dict(train.training_check_plan(self.module_name, device), steps=steps)
        result = train.run_check(model, plan)
        return {"seconds": result["seconds"], "train_seconds": result["train_seconds"], "steps": result["steps"]}


def serve(requests: int, replies: int, source: Path, module_name: str, protected_pids: tuple = ()) -> None:
    """Answer the grader's requests until told to exit (or the pipe closes).

    Before any student code runs it takes a snapshot of the grader's, torch's
    and the builtins' callables and installs an audit hook (see
    ``sandbox.install_audit_hook``); before and after each request it checks
    the snapshot, and a submission that changed any of them gets a
    "tampered" reply instead of an observation. The grader's process refuses
    the module on such a reply. This is a check inside the submission's own
    process, so it only raises the bar: the verdicts never rely on it.
    """
    from .sandbox import (describe_student_exception, guard_check, guard_snapshot, install_audit_hook, receive,
                          send)
    torch.set_num_threads(1)
    probes = Probes(source, module_name)
    handlers = {name[3:]: getattr(probes, name) for name in dir(Probes) if name.startswith("do_")}
    snapshot = guard_snapshot()
    check, check_code, reply, reply_code = guard_check, guard_check.__code__, send, send.__code__
    describe, serialize, leave, write, pack, size = describe_student_exception, json.dumps, os._exit, os.write, \
        struct.pack, len
    install_audit_hook(tuple(protected_pids))

    def tampered():
        if check.__code__ is not check_code or reply.__code__ is not reply_code:
            return "grader.sandbox"
        return check(snapshot)

    def refuse(label):
        """Say so with captured primitives only: json and the builtins may be the submission's now."""
        name = "".join([c for c in label if c.isalnum() or c in "._"]).encode("ascii", "replace")[:200]
        data = b'{"ok": false, "tampered": "' + name + b'"}'
        write(replies, pack(">I", size(data)) + data)
        leave(0)

    while True:
        try:
            request = receive(requests)
        except (EOFError, OSError, ValueError, struct.error):
            leave(0)
        if request.__class__ is not dict or request.get("op") == "exit":
            leave(0)
        changed = tampered()
        if changed is None:
            handler = handlers.get(request.get("op"))
            try:
                if handler is None:
                    raise ValueError(f"unknown request {request.get('op')!r}")
                answer = {"ok": True, "result": handler(**request.get("args", {}))}
                serialize(answer)
            except BaseException as error:   # SystemExit and KeyboardInterrupt from student code too
                try:
                    answer = {"ok": False, "error": describe(error, source)}
                except BaseException:
                    answer = {"ok": False, "error": {"kind": "Exception", "text": "", "where": ""}}
            changed = tampered()
        if changed is not None:
            refuse(changed)
        reply(replies, answer)


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
