"""Variants of the BatchNorm written from scratch (``solutions/batch_norm_scratch.py``), one change each.

The networks of ``variants.py`` change by module; this layer's mistakes are in
its arithmetic, so its variants change the solution's source: one operator
(the axes of the mean or of the variance, ``eps``, the momentum's direction,
the unbiased variance, batch statistics in prediction, ...) applied at one
place. Each is a defect: it must lose points, at most one share, and the
grader's first cause must be the one the operator makes (``gist``: words of
its summary, ``grader/checking/batchnorm_causes.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE = "batch_norm_scratch"
SOLUTION = (ROOT / "solutions" / f"{MODULE}.py").read_text()

MEAN_4D = "mean = X.mean(dim=(0, 2, 3), keepdim=True)"
VAR_4D = "var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)"
MEAN_2D = "mean = X.mean(dim=0)"
VAR_2D = "var = ((X - mean) ** 2).mean(dim=0)"
NORMALIZE = "X_hat = (X - mean) / torch.sqrt(var + eps)"
MOVING_MEAN = "moving_mean = momentum * moving_mean + (1.0 - momentum) * mean"
MOVING_VAR = "moving_var = momentum * moving_var + (1.0 - momentum) * var"


@dataclass(frozen=True)
class ScratchVariant:
    operator: str
    old: str            # text of the solution, found exactly once
    new: str
    gist: str           # words of the cause the grader must name first

    module = MODULE
    equivalent = False

    @property
    def id(self) -> str:
        return f"{MODULE}:{self.operator}"

    def source(self) -> str:
        assert SOLUTION.count(self.old) == 1, self.old
        return SOLUTION.replace(self.old, self.new)


def axes_variants() -> list[ScratchVariant]:
    """The mean's and the variance's axes, each replaced by every other reading of "per channel"."""
    found = []
    for axes in ("(0,)", "(2, 3)", "(0, 2)", "(1, 2, 3)"):
        found.append(ScratchVariant(f"mean axes {axes}", MEAN_4D, MEAN_4D.replace("(0, 2, 3)", axes), "axes"))
        found.append(ScratchVariant(f"variance axes {axes}", VAR_4D, VAR_4D.replace("(0, 2, 3)", axes),
                                    "variance over axes"))
    found.append(ScratchVariant("2-D mean over axis 1", MEAN_2D, "mean = X.mean(dim=1, keepdim=True)", "axes"))
    found.append(ScratchVariant("2-D variance over axis 1", VAR_2D, "var = ((X - mean) ** 2).mean(dim=1, keepdim=True)",
                                "variance over axes"))
    return found


def arithmetic_variants() -> list[ScratchVariant]:
    return [
        ScratchVariant("eps left out", NORMALIZE, "X_hat = (X - mean) / torch.sqrt(var)", "eps"),
        ScratchVariant("unbiased variance (4-D)", VAR_4D,
                       "var = X.var(dim=(0, 2, 3), unbiased=True, keepdim=True)", "unbiased"),
        ScratchVariant("unbiased variance (2-D)", VAR_2D, "var = X.var(dim=0, unbiased=True)", "unbiased"),
        ScratchVariant("momentum the other way round", MOVING_MEAN + "\n        " + MOVING_VAR,
                       "moving_mean = (1.0 - momentum) * moving_mean + momentum * mean\n"
                       "        moving_var = (1.0 - momentum) * moving_var + momentum * var", "other way round"),
        ScratchVariant("moving statistics replaced by the batch's", MOVING_MEAN + "\n        " + MOVING_VAR,
                       "moving_mean = mean\n        moving_var = var", "replaced by the batch"),
        ScratchVariant("moving statistics never updated", MOVING_MEAN + "\n        " + MOVING_VAR, "pass",
                       "never updated"),
        ScratchVariant("batch statistics in prediction", "if not torch.is_grad_enabled():", "if False:",
                       "batch statistics used in prediction"),
        ScratchVariant("gamma and beta not applied", "Y = gamma * X_hat + beta  #", "Y = X_hat  #", "gamma/beta"),
    ]


def scratch_variants() -> list[ScratchVariant]:
    return axes_variants() + arithmetic_variants()


def named(variant: ScratchVariant, report) -> bool:
    """The first cause the grader charges is the one the operator made."""
    causes = [r.cause for r in report.results if r.status == "failed" and r.cause]
    return bool(causes) and variant.gist in causes[0]
