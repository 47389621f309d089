"""Which of PyTorch's own normalizations a piece of code calls, whatever its spelling.

The BatchNorm written from scratch must compute its statistics itself. Its
numbers cannot show whether it did: ``F.batch_norm`` on the right tensors
gives the same ones. So the student's ``batch_norm`` and ``BatchNorm`` run once
more (in their own process, where everything of that part is measured) under
a ``TorchDispatchMode``, which sees the operations that reach PyTorch's
kernels: ``F.batch_norm``, ``torch.batch_norm``, ``nn.BatchNorm2d``,
``F.instance_norm``, ``torch.ops.aten.native_batch_norm`` and the like all
arrive there as one of a few kernels, under whatever name they were called.
"""
from __future__ import annotations

from torch.utils._python_dispatch import TorchDispatchMode

# kernel names that normalize with statistics the library computes (their backward kernels too)
LIBRARY_WORDS = ("batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm")


class LibraryNormalization(TorchDispatchMode):
    """Collects the names of the library normalization kernels that run while it is active."""

    def __init__(self):
        super().__init__()
        self.seen: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = getattr(getattr(func, "overloadpacket", None), "__name__", str(func))
        if any(word in name for word in LIBRARY_WORDS):
            self.seen.add(name)
        return func(*args, **(kwargs or {}))
