"""What a batch grades with: the options every student of the class is graded under, and the total they give."""
from __future__ import annotations

from dataclasses import dataclass

from ..options import max_train_seconds


@dataclass
class Options:
    modules: tuple[str, ...]
    train: bool
    device: str
    timeout: float
    train_timeout: float
    memory: int
    lang: str = "en"
    watchdog_s: float | None = None     # default: see watchdog()

    def key(self) -> dict:
        return {"modules": list(self.modules), "train": self.train, "device": self.device,
                "timeout": self.timeout, "train_timeout": self.train_timeout, "memory": self.memory}

    def watchdog(self) -> float:
        """Seconds after which a worker busy with one file is presumed stuck (the sandbox has its own limits)."""
        if self.watchdog_s is not None:
            return self.watchdog_s
        return 3 * self.timeout + (2 * max_train_seconds(self.train_timeout) if self.train else 0) + 120


def assignment_maximum(options: Options) -> float:
    """The class's total (``grade.maximum``): one for every student, fixed by the options alone."""
    from .. import grade
    return grade.maximum(options.modules, options.train, options.device)
