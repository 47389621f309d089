"""Give a network weights that depend only on the order in which its forward pass uses them.

Two networks that compute the same function, however written, use their
parameters in the same order: the i-th tensor of a given shape that a pass
uses (weights, biases, BatchNorm's scale, shift and running statistics, in
argument order) gets the same values in both. Their outputs can then be
compared number by number: the reference's weights, without sending any.
Runs in the sandboxed child.
"""
from __future__ import annotations

import hashlib

import torch
from torch import nn
from torch.overrides import TorchFunctionMode


class UseOrder(TorchFunctionMode):
    """Collects the model's parameters and buffers in the order the forward pass uses them."""

    def __init__(self, tensors: dict[int, torch.Tensor]):
        super().__init__()
        self.tensors, self.order, self.seen = tensors, [], set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, torch.Tensor) and id(value) in self.tensors and id(value) not in self.seen:
                self.seen.add(id(value))
                self.order.append(self.tensors[id(value)])
        return func(*args, **kwargs)


def values_for(shape: tuple, occurrence: int, role: str) -> torch.Tensor:
    """Values that keep a deep network's activations alive (He-like scale, positive shifts), so that
    outputs tell functions apart instead of fading to the last bias."""
    seed = int(hashlib.sha1(f"{shape}/{occurrence}/{role}".encode()).hexdigest()[:12], 16)
    generator = torch.Generator().manual_seed(seed)
    uniform = torch.rand(shape, generator=generator, dtype=torch.float64)
    if role == "variance":
        return 0.5 + uniform
    if role == "mean":
        return (uniform - 0.5) * 0.2
    if len(shape) == 1:        # biases, BatchNorm's scale and shift
        return 0.2 + 0.8 * uniform
    fan_in = max(1, int(torch.tensor(shape[1:]).prod()))
    return (uniform * 2 - 1) * (6 / fan_in) ** 0.5


def use_order_weights(model: nn.Module, x: torch.Tensor) -> int:
    """Set every parameter and floating buffer the pass uses; returns how many tensors were set."""
    buffers = {id(b): b for b in model.buffers() if b.is_floating_point()}
    roles = {id(b): "variance" if "var" in name.rsplit(".", 1)[-1] else "mean"
             for name, b in model.named_buffers() if id(b) in buffers}
    tensors = {id(p): p for p in model.parameters()} | buffers
    model.eval()
    with torch.no_grad(), UseOrder(tensors) as order:
        model(x)
    occurrences: dict[tuple, int] = {}
    with torch.no_grad():
        for tensor in order.order:
            key = (tuple(tensor.shape), roles.get(id(tensor), "parameter"))
            k = occurrences.get(key, 0)
            occurrences[key] = k + 1
            tensor.copy_(values_for(key[0], k, key[1]))
    return len(order.order)
