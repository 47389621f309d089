"""Numeric check of the public-code corpus (tests/corpus/public) against solutions/.

Run from anywhere:  .venv/bin/python tests/corpus/public/verify.py [--only FOLDER ...]
                    [--module MODULE ...] [--no-vgg11]

Every ``<folder>/<module>.py`` under this directory is compared with ``solutions/<module>.py``
on a few calls per module (the book's call at the book's input size, the block examples and a
few calls with other arguments, as a grader's property checks would make):

1. both are built on the CPU in float64 with the grader's own loader (``grader.build``: lazy
   layers get their parameters from one eval-mode pass over a zero batch);
2. the reference gets random weights (and random BatchNorm running statistics); the
   parameter-owning layers of both networks are listed in the order of their first use in a
   forward pass (forward pre-hooks), paired one to one, checked for equal shapes, and the
   reference's values are copied into the candidate (running statistics too; a from-scratch
   BatchNorm's ``moving_mean`` / ``moving_var`` attributes count as running statistics);
3. parameter counts must be equal;
4. outputs must agree (relative difference <= 1e-9): in eval mode, then in train mode (the RNG
   is seeded before each forward pass, so equal dropout calls draw equal masks) together with
   the gradient with respect to the input, then in eval mode again (after the training-mode
   pass has updated the BatchNorm running statistics).

The public names and the parameter names of solutions/ must also be there (``conv_arch`` with
the book's value).

One line per file: EQUIVALENT, or DIFFERENT and why (the first difference of every call that
differs). Files under DIFFERENT/ are expected to print DIFFERENT, all others EQUIVALENT; the
exit status is 1 when a file prints the other verdict.
"""
from __future__ import annotations

import argparse
import inspect
import sys
import time
import traceback
import zlib
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SOLUTIONS = ROOT / "solutions"
sys.path.insert(0, str(ROOT))

from grader import build  # noqa: E402  (the grader's loader: load_module, build with lazy init)

MODULES = ("lenet", "batch_norm", "alexnet", "vgg", "nin", "googlenet", "resnet")
PUBLIC_NAMES = {
    "lenet": ("lenet",),
    "batch_norm": ("lenet_bn",),
    "alexnet": ("alexnet",),
    "vgg": ("vgg_block", "conv_arch", "vgg"),
    "nin": ("nin_block", "nin"),
    "googlenet": ("Inception", "googlenet"),
    "resnet": ("Residual", "resnet_block", "resnet18"),
}
BIG = "vgg(conv_arch)"   # VGG-11 at 224x224: 129 M parameters, about 2 GB in float64 for the pair
PROBES: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {
    "lenet": (("lenet()", (1, 1, 28, 28)),
              ("lenet()", (3, 1, 28, 28))),
    "batch_norm": (("lenet_bn()", (2, 1, 28, 28)),
                   ("lenet_bn()", (4, 1, 28, 28))),
    "alexnet": (("alexnet()", (1, 1, 224, 224)),
                ("alexnet()", (2, 1, 224, 224))),
    "vgg": (("vgg_block(2, 3, 8)", (2, 3, 16, 16)),
            ("vgg_block(1, 4, 4)", (2, 4, 6, 6)),
            ("vgg(((1, 8), (2, 16)))", (2, 1, 28, 28)),
            ("vgg(((1, 4), (1, 8), (3, 8)))", (2, 1, 56, 56)),
            (BIG, (1, 1, 224, 224))),
    "nin": (("nin_block(3, 8, kernel_size=5, strides=2, padding=1)", (2, 3, 16, 16)),
            ("nin_block(2, 4, 3, 1, 1)", (2, 2, 7, 7)),
            ("nin()", (1, 1, 224, 224)),
            ("nin()", (2, 1, 224, 224))),
    "googlenet": (("Inception(192, 64, (96, 128), (16, 32), 32)", (2, 192, 12, 12)),
                  ("Inception(6, 2, (3, 4), (2, 3), 5)", (2, 6, 5, 5)),
                  ("googlenet()", (1, 1, 96, 96)),
                  ("googlenet()", (2, 1, 96, 96))),
    "resnet": (("Residual(3, 3)", (4, 3, 6, 6)),
               ("Residual(3, 6, use_1x1conv=True, strides=2)", (4, 3, 6, 6)),
               ("Residual(3, 6, use_1x1conv=True, strides=2)", (4, 3, 7, 7)),
               ("Residual(4, 4, use_1x1conv=True)", (2, 4, 5, 5)),
               ("resnet_block(8, 16, 2)", (2, 8, 8, 8)),
               ("resnet_block(8, 8, 3, first_block=True)", (2, 8, 8, 8)),
               ("resnet18()", (1, 1, 224, 224)),
               ("resnet18()", (2, 1, 96, 96))),
}
TOLERANCE = 1e-9
# A from-scratch BatchNorm keeps its running statistics in plain tensor attributes.
STAT_ALIASES = {"running_mean": ("running_mean", "moving_mean"),
                "running_var": ("running_var", "moving_var")}


# --------------------------------------------------------------------------- building


def build_model(module, call: str, shape):
    return build.build(module, call, "cpu", shape)


def init_reference(model: nn.Module, seed: int) -> None:
    """Random weights (fan-in scaled), random norm scales/shifts and running statistics."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            for name, p in layer.named_parameters(recurse=False):
                noise = torch.randn(p.shape, generator=gen, dtype=p.dtype)
                if p.dim() >= 2:
                    p.copy_(noise * (2.0 / p[0].numel()) ** 0.5)
                elif name in ("weight", "gamma"):
                    p.copy_(1 + 0.1 * noise)
                else:
                    p.copy_(0.1 * noise)
            for name, b in layer.named_buffers(recurse=False):
                if not b.is_floating_point():
                    continue
                noise = torch.randn(b.shape, generator=gen, dtype=b.dtype)
                if name == "running_var":
                    b.copy_(1 + 0.1 * noise.abs())
                elif name == "running_mean":
                    b.copy_(0.1 * noise)


def forward_order(model: nn.Module, x: torch.Tensor) -> list[tuple[str, nn.Module]]:
    """Parameter-owning layers in the order of their first call in one eval-mode forward pass,
    then any that were never called (in registration order)."""
    owners = {id(m): (n, m) for n, m in model.named_modules()
              if any(True for _ in m.parameters(recurse=False))}
    order: list[tuple[str, nn.Module]] = []
    seen: set[int] = set()

    def hook(layer, _inputs):
        if id(layer) not in seen:
            seen.add(id(layer))
            order.append(owners[id(layer)])

    handles = [m.register_forward_pre_hook(hook) for _, m in owners.values()]
    training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        model.train(training)
    order += [(n, m) for i, (n, m) in owners.items() if i not in seen]
    return order


def copy_weights(reference: nn.Module, candidate: nn.Module, x: torch.Tensor) -> str | None:
    """Copy the reference's parameters and running statistics into the candidate, layer by layer
    in order of use. Returns None, or why the layers cannot be paired."""
    ref_layers = forward_order(reference, x)
    cand_layers = forward_order(candidate, x)
    if len(ref_layers) != len(cand_layers):
        return (f"{len(cand_layers)} parameterised layers, the book has {len(ref_layers)}")
    with torch.no_grad():
        for k, ((rn, rm), (cn, cm)) in enumerate(zip(ref_layers, cand_layers)):
            rp = list(rm.parameters(recurse=False))
            cp = list(cm.parameters(recurse=False))
            rshapes = [tuple(p.shape) for p in rp]
            cshapes = [tuple(p.shape) for p in cp]
            if len(rp) != len(cp) or any(a.numel() != b.numel() for a, b in zip(rp, cp)):
                return (f"layer {k + 1} in order of use ({cn or 'the model'}: {type(cm).__name__}"
                        f" {cshapes}) does not match the book's ({type(rm).__name__} {rshapes})")
            for a, b in zip(rp, cp):
                b.copy_(a.reshape(b.shape))
            for stat, aliases in STAT_ALIASES.items():
                ref_stat = getattr(rm, stat, None)
                if not isinstance(ref_stat, torch.Tensor):
                    continue
                for alias in aliases:
                    cand_stat = getattr(cm, alias, None)
                    if isinstance(cand_stat, torch.Tensor) and cand_stat.numel() == ref_stat.numel():
                        if alias in dict(cm.named_buffers(recurse=False)):
                            cand_stat.copy_(ref_stat.reshape(cand_stat.shape))
                        else:   # a plain attribute: replace it (it may not even be float64)
                            setattr(cm, alias, ref_stat.detach().clone().reshape(cand_stat.shape))
                        break
    return None


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def run(model: nn.Module, x: torch.Tensor, out_weights: torch.Tensor | None = None) -> dict:
    """Eval output, train output (+ input gradient), eval output again."""
    result = {}
    model.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        result["eval output"] = model(x)
    model.train()
    xg = x.clone().requires_grad_(True)
    torch.manual_seed(0)
    out = model(xg)
    result["train output"] = out.detach()
    if out_weights is None:
        out_weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(7))
    if out.shape == out_weights.shape and out.requires_grad:
        try:
            (grad,) = torch.autograd.grad((out * out_weights).sum(), xg)
            result["input gradient"] = grad
        except RuntimeError as error:   # e.g. an in-place layer overwrote a tensor backward needs
            result["input gradient"] = f"the backward pass raises RuntimeError: {str(error)[:90]}"
    model.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        result["eval output after a training step"] = model(x)
    result["weights"] = out_weights
    return result


def compare(ref: dict, found: dict) -> str | None:
    for what in ("eval output", "train output", "input gradient", "eval output after a training step"):
        a, b = ref.get(what), found.get(what)
        if a is None:
            continue
        if b is None:
            return f"no {what}"
        if isinstance(b, str):
            return f"{what}: {b}"
        if a.shape != b.shape:
            return f"{what} shape {tuple(b.shape)} != {tuple(a.shape)}"
        scale = a.abs().max().item() or 1.0
        diff = (a - b).abs().max().item() / scale
        if not diff <= TOLERANCE:
            return f"{what} differs (max relative difference {diff:.2g})"
    return None


# --------------------------------------------------------------------------- reference cache


class Reference:
    """The solution's model for one probe, its initial state, trace and results (built once)."""

    def __init__(self, module_name: str, call: str, shape):
        self.module = build.load_module(SOLUTIONS, module_name)
        self.model = build_model(self.module, call, shape)
        init_reference(self.model, seed=zlib.crc32(repr((call, shape)).encode()))
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.state = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.x = torch.randn(shape, generator=torch.Generator().manual_seed(1234))
        self.count = parameter_count(self.model)
        self.results = run(self.model, self.x)
        self.model.load_state_dict(self.state)   # back to the state the candidate will copy

    def reset(self):
        self.model.load_state_dict(self.state)


def check_api(ref_module, cand_module, module_name: str) -> list[str]:
    problems = []
    for name in PUBLIC_NAMES[module_name]:
        if not hasattr(cand_module, name):
            problems.append(f"lacks {name}")
            continue
        ref_obj, cand_obj = getattr(ref_module, name), getattr(cand_module, name)
        if name == "conv_arch":
            try:
                same = tuple(tuple(p) for p in cand_obj) == tuple(tuple(p) for p in ref_obj)
            except TypeError:
                same = False
            if not same:
                problems.append(f"conv_arch is {cand_obj!r}, the book's is {ref_obj!r}")
            continue
        try:
            ref_sig, cand_sig = inspect.signature(ref_obj), inspect.signature(cand_obj)
        except (TypeError, ValueError):
            continue
        cand_params = cand_sig.parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in cand_params.values())
        for pname, p in ref_sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if pname not in cand_params and not var_kw:
                problems.append(f"{name}() has no parameter {pname!r}")
        required = [n for n, p in cand_params.items()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                           p.KEYWORD_ONLY)
                    and n not in ref_sig.parameters]
        if required:
            problems.append(f"{name}() requires extra parameters {required}")
    return problems


def check_file(path: Path, module_name: str, references: dict) -> tuple[bool, str]:
    """(equivalent?, detail)"""
    try:
        cand_module = build.load_module(path.parent, module_name)
    except Exception as error:
        return False, f"import fails: {type(error).__name__}: {error}"
    ref_module = build.load_module(SOLUTIONS, module_name)
    problems = [f"API: {p}" for p in check_api(ref_module, cand_module, module_name)]
    same_calls = []
    for call, shape in PROBES[module_name]:
        if (call, shape) not in references:
            continue
        ref = references[(call, shape)]
        ref.reset()
        where = f"{call} on {'x'.join(map(str, shape))}"
        try:
            cand = build_model(cand_module, call, shape)
        except Exception as error:
            problems.append(f"{where}: raises {type(error).__name__}: {str(error)[:120]}")
            continue
        try:
            for p in cand.parameters():
                p.requires_grad_(False)
            count = parameter_count(cand)
            if count != ref.count:
                problems.append(f"{where}: {count} parameters, the book's has {ref.count}")
                continue
            why = copy_weights(ref.model, cand, ref.x)
            if why:
                problems.append(f"{where}: {why}")
                continue
            why = compare(ref.results, run(cand, ref.x, ref.results["weights"]))
        except Exception as error:
            why = f"raises {type(error).__name__}: {str(error)[:120]}"
        if why:
            problems.append(f"{where}: {why}")
        else:
            same_calls.append(where)
        del cand
    if problems:
        detail = "; ".join(problems)
        if same_calls:
            detail += f" [same as the book: {', '.join(same_calls)}]"
        return False, detail
    counts = sorted({ref.count for ref in references.values()})
    return True, (f"all {len(same_calls)} calls agree (parameter counts "
                  f"{', '.join(map(str, counts))})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="folders (e.g. d2l_en_v1_0_3 DIFFERENT/dsgiitr_vgg)")
    parser.add_argument("--module", nargs="*", choices=MODULES, help="modules to check")
    parser.add_argument("--no-vgg11", action="store_true", help=f"skip {BIG} at 224x224 (2 GB, slow)")
    args = parser.parse_args(argv)
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(2)
    started = time.monotonic()

    folders = sorted(p for p in HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    candidates = []   # (folder label, path, module, expected equivalent)
    for folder in folders:
        subfolders = ([p for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(("_", "."))]
                      if folder.name == "DIFFERENT" else [folder])
        for sub in subfolders:
            label = sub.relative_to(HERE).as_posix()
            if args.only and label not in args.only and folder.name not in args.only:
                continue
            for module_name in MODULES:
                path = sub / f"{module_name}.py"
                if path.is_file() and (not args.module or module_name in args.module):
                    candidates.append((label, path, module_name, folder.name != "DIFFERENT"))

    wrong = []
    counts = {"EQUIVALENT": 0, "DIFFERENT": 0}
    for module_name in MODULES:
        todo = [c for c in candidates if c[2] == module_name]
        if not todo:
            continue
        references = {}
        for call, shape in PROBES[module_name]:
            if args.no_vgg11 and call == BIG:
                continue
            try:
                references[(call, shape)] = Reference(module_name, call, shape)
            except Exception:
                traceback.print_exc()
                print(f"the reference solution fails on {call}", file=sys.stderr)
                return 2
        for label, path, _, expected in todo:
            same, detail = check_file(path, module_name, references)
            verdict = "EQUIVALENT" if same else "DIFFERENT"
            counts[verdict] += 1
            flag = "" if same == expected else "   <-- UNEXPECTED"
            print(f"{verdict:<10} {label}/{module_name}.py: {detail}{flag}", flush=True)
            if same != expected:
                wrong.append(f"{label}/{module_name}.py")
        references.clear()

    print(f"\n{counts['EQUIVALENT']} EQUIVALENT, {counts['DIFFERENT']} DIFFERENT, "
          f"{len(wrong)} unexpected, in {time.monotonic() - started:.0f} s")
    if wrong:
        print("unexpected verdicts: " + ", ".join(wrong))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
