"""Self-check of the grader's test corpus (tests/corpus).

Run from anywhere:  .venv/bin/python tests/corpus/check_corpus.py [-j 2] [--only ID ...]
                    [--no-numeric]

It verifies that

1. the mutant table is well formed: unique ids, known modules, at least 4 mutants
   per module, more than a third of them invisible, ``old`` != ``new``;
2. every mutant's ``old`` occurs exactly once in solutions/<module>.py and the
   patched file still imports;
3. the visible tests of the mutant's module (``pytest exercises -m MODULE
   --impl=DIR`` in a subprocess) pass on every mutant marked invisible and fail
   on every mutant marked visible;
4. every alternative under alternatives/ has the seven files, exposes the
   public names of solutions/ and passes all visible tests;
5. (numeric, skip with --no-numeric) with weights set deterministically from
   each parameterised layer's type and parameter shapes, every alternative
   computes the same outputs as the solution (train-mode output, gradient with
   respect to the input, eval-mode output after one training-mode pass, in
   float64) on the book's calls, the block examples and a few extra calls;
   and every mutant differs from the solution on at least one of them (a
   real behavioural difference, never a pure refactor).

Exit status 0 when everything holds, 1 otherwise.
"""
from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ALTERNATIVES = HERE / "alternatives"
sys.path[:0] = [str(ROOT), str(HERE)]

from mutants import MODULE_NAMES, MUTANTS, SOLUTIONS, Mutant, materialize, patched_source  # noqa: E402

# --------------------------------------------------------------------------- visible tests


def visible_tests(impl_dir: Path, module: str | None = None) -> tuple[int, str]:
    """Run the visible tests (of one module, or all) on ``impl_dir``; return (rc, last lines)."""
    command = [sys.executable, "-m", "pytest", str(ROOT / "exercises"), f"--impl={impl_dir}", "-q",
               "-p", "no:hypothesispytest"]   # the visible tests use no hypothesis: start faster
    if module:
        command += ["-m", module]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
    return done.returncode, tail


# --------------------------------------------------------------------------- numeric comparison

# (call, input shape) per module, cheapest first: the block examples, calls with other
# arguments (as a grader's property checks would use) and the book's call, all at batch > 1.
PROBES: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {
    "lenet": (("lenet()", (3, 1, 28, 28)),),
    "batch_norm": (("lenet_bn()", (4, 1, 28, 28)),),
    "alexnet": (("alexnet()", (2, 1, 224, 224)),),
    "vgg": (("vgg_block(2, 3, 8)", (2, 3, 16, 16)),
            ("vgg(((1, 8), (2, 16)))", (2, 1, 28, 28)),
            ("vgg(((1, 4), (1, 8), (3, 8)))", (2, 1, 56, 56)),
            ("vgg(conv_arch)", (2, 1, 224, 224))),
    "nin": (("nin_block(3, 8, kernel_size=5, strides=2, padding=1)", (2, 3, 16, 16)),
            ("nin()", (2, 1, 224, 224))),
    "googlenet": (("Inception(192, 64, (96, 128), (16, 32), 32)", (2, 192, 12, 12)),
                  ("googlenet()", (2, 1, 96, 96))),
    "resnet": (("Residual(3, 3)", (4, 3, 6, 6)),
               ("Residual(3, 6, use_1x1conv=True, strides=2)", (4, 3, 6, 6)),
               ("Residual(3, 6, use_1x1conv=True, strides=2)", (4, 3, 7, 7)),
               ("Residual(4, 4, use_1x1conv=True)", (2, 4, 5, 5)),
               ("resnet_block(8, 16, 2)", (2, 8, 8, 8)),
               ("resnet_block(8, 8, 3, first_block=True)", (2, 8, 8, 8)),
               ("resnet18()", (2, 1, 96, 96))),
}
BLOCK_CLASSES = ("Inception", "Residual")   # user-defined blocks: weights are keyed per block
TOLERANCE = 1e-9                            # relative, in float64


def _signature(layer) -> tuple:
    return (type(layer).__name__,
            tuple((n, tuple(p.shape)) for n, p in layer.named_parameters(recurse=False)))


def init_deterministically(model) -> collections.Counter:
    """Set every parameter and floating buffer from a seed derived from its layer's signature.

    A layer's key is (its type and parameter shapes, the index of its block among the
    blocks holding such a layer), where a block is the nearest enclosing Inception or
    Residual, or the whole model. Layers that share a key inside one block get the same
    values, so the order in which a submission registers or runs a block's branches does
    not matter. Returns the multiset of keys (different multisets: different parameters).
    """
    import torch
    modules = dict(model.named_modules())
    seen: dict[tuple, list[str]] = {}
    keys = collections.Counter()
    for name, layer in model.named_modules():
        tensors = list(layer.named_parameters(recurse=False)) + list(layer.named_buffers(recurse=False))
        if not tensors:
            continue
        block = ""
        parts = name.split(".") if name else []
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if type(modules[prefix]).__name__ in BLOCK_CLASSES:
                block = prefix
                break
        signature = _signature(layer)
        blocks = seen.setdefault(signature, [])
        if block not in blocks:
            blocks.append(block)
        index = blocks.index(block)
        if signature[1]:
            keys[(signature, index)] += 1
        with torch.no_grad():
            for tensor_name, tensor in tensors:
                if not tensor.is_floating_point():
                    continue
                seed = zlib.crc32(repr((signature, index, tensor_name)).encode())
                gen = torch.Generator().manual_seed(seed)
                noise = torch.randn(tensor.shape, generator=gen, dtype=tensor.dtype)
                if tensor_name == "running_var":
                    value = 1 + 0.1 * noise.abs()
                elif tensor_name == "running_mean":
                    value = 0.1 * noise
                elif tensor.dim() >= 2:
                    fan_in = tensor[0].numel()
                    value = noise * (2.0 / fan_in) ** 0.5
                elif tensor_name == "weight":          # a norm layer's scale
                    value = 1 + 0.1 * noise
                else:                                  # biases and shifts
                    value = 0.1 * noise
                tensor.copy_(value)
    return keys


def behaviour(module, call: str, input_shape) -> dict:
    """What a model does on one probe: its parameter keys and three float64 results."""
    import torch
    from grader import build
    try:
        model = build.build(module, call, "cpu")
        keys = init_deterministically(model)
        for p in model.parameters():
            p.requires_grad_(False)
        gen = torch.Generator().manual_seed(1234)
        x = torch.randn(input_shape, generator=gen).requires_grad_(True)
        model.train()
        torch.manual_seed(0)   # the same dropout masks for every submission
        out = model(x)
        weights = torch.randn(out.shape, generator=gen)
        (grad,) = torch.autograd.grad((out * weights).sum(), x)
        model.eval()
        with torch.no_grad():
            out_eval = model(x.detach())
        return {"keys": keys, "train output": out.detach(), "input gradient": grad,
                "eval output": out_eval}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"[:200]}


def compare(reference: dict, found: dict) -> str | None:
    """None when the two behaviours agree, else what differs first."""
    if "error" in reference:
        raise RuntimeError(f"the reference solution failed: {reference['error']}")
    if "error" in found:
        return f"raises {found['error']}"
    if reference["keys"] != found["keys"]:
        return "different parameters"
    for what in ("train output", "input gradient", "eval output"):
        a, b = reference[what], found[what]
        if a.shape != b.shape:
            return f"{what} shape {tuple(b.shape)} != {tuple(a.shape)}"
        scale = a.abs().max().item() or 1.0
        diff = (a - b).abs().max().item() / scale
        if not diff <= TOLERANCE:
            return f"{what} differs (max relative difference {diff:.2g})"
    return None


class Numeric:
    """Compares submissions with the solutions, probe by probe, caching the solutions' results."""

    def __init__(self):
        import torch
        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(2)
        self.cache: dict[tuple, dict] = {}

    def differences(self, folder: Path, module_name: str, first_only: bool = False) -> list[str]:
        """What differs from the solution, probe by probe; with ``first_only``, stop at the first."""
        from grader import build
        found = []
        for call, shape in PROBES[module_name]:
            key = (module_name, call, shape)
            if key not in self.cache:
                self.cache[key] = behaviour(build.load_module(SOLUTIONS, module_name), call, shape)
            try:
                module = build.load_module(folder, module_name)
            except Exception as error:
                found.append(f"{call}: import fails: {type(error).__name__}: {error}")
                continue
            why = compare(self.cache[key], behaviour(module, call, shape))
            if why:
                found.append(f"{call} on {'x'.join(map(str, shape))}: {why}")
                if first_only:
                    break
        return found


# --------------------------------------------------------------------------- the checks


def check_table() -> list[str]:
    problems = []
    ids = collections.Counter(m.id for m in MUTANTS)
    problems += [f"duplicate mutant id {i}" for i, n in ids.items() if n > 1]
    per_module = collections.Counter(m.module for m in MUTANTS)
    for m in MUTANTS:
        if m.module not in MODULE_NAMES:
            problems.append(f"{m.id}: unknown module {m.module}")
        if m.old == m.new:
            problems.append(f"{m.id}: old == new")
        if not m.description.strip():
            problems.append(f"{m.id}: no description")
    for module in MODULE_NAMES:
        if per_module[module] < 4:
            problems.append(f"{module}: only {per_module[module]} mutants (want at least 4)")
    invisible = sum(m.invisible for m in MUTANTS)
    if len(MUTANTS) < 40:
        problems.append(f"only {len(MUTANTS)} mutants (want at least 40)")
    if 3 * invisible <= len(MUTANTS):
        problems.append(f"only {invisible} of {len(MUTANTS)} mutants are invisible (want > 1/3)")
    return problems


def check_mutant_source(mutant: Mutant, dest: Path) -> list[str]:
    from grader import build
    try:
        patched_source(mutant)
    except ValueError as error:
        return [str(error)]
    materialize(mutant, dest)
    try:
        build.load_module(dest, mutant.module)
    except Exception as error:
        return [f"{mutant.id}: patched {mutant.module}.py does not import: "
                f"{type(error).__name__}: {error}"]
    return []


def public_names(module_name: str) -> set[str]:
    from grader.spec import NETWORKS
    names = set(NETWORKS[module_name].student_names)
    return names | ({"conv_arch"} if module_name == "vgg" else set())


def check_alternative_names(folder: Path) -> list[str]:
    from grader import build
    problems = []
    for module_name in MODULE_NAMES:
        try:
            module = build.load_module(folder, module_name)
        except Exception as error:
            problems.append(f"{folder.name}/{module_name}.py: {type(error).__name__}: {error}")
            continue
        missing = sorted(n for n in public_names(module_name) if not hasattr(module, n))
        if missing:
            problems.append(f"{folder.name}/{module_name}.py lacks {', '.join(missing)}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel pytest runs (at most 2)")
    parser.add_argument("--only", nargs="*", default=None, help="mutant ids or alternative names")
    parser.add_argument("--no-numeric", action="store_true", help="skip the numeric comparison")
    args = parser.parse_args(argv)
    jobs = max(1, min(args.jobs, 2))
    started = time.monotonic()

    mutants = [m for m in MUTANTS if args.only is None or m.id in args.only]
    alternatives = sorted(p for p in ALTERNATIVES.iterdir()
                          if p.is_dir() and not p.name.startswith(("_", "."))
                          and (args.only is None or p.name in args.only))
    problems = check_table() if args.only is None else []

    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        folders = {}
        for m in mutants:
            folders[m.id] = Path(tmp) / m.id
            found = check_mutant_source(m, folders[m.id])
            problems += found
            if found:
                folders.pop(m.id)
        for alt in alternatives:
            missing = [n for n in MODULE_NAMES if not (alt / f"{n}.py").is_file()]
            if missing:
                problems.append(f"alternative {alt.name} lacks {', '.join(missing)}")
            problems += check_alternative_names(alt)

        # Visible tests, in subprocesses, ``jobs`` at a time.
        runnable = [m for m in mutants if m.id in folders]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            mutant_runs = list(pool.map(lambda m: visible_tests(folders[m.id], m.module), runnable))
            alt_runs = list(pool.map(visible_tests, alternatives))
        for m, (rc, tail) in zip(runnable, mutant_runs):
            expected = 0 if m.invisible else 1
            status = {0: "visible tests pass", 1: "visible tests fail"}.get(rc, f"pytest rc={rc}")
            print(f"  {m.module:<10} {m.id:<28} {'invisible' if m.invisible else 'visible':<9}  {status}")
            if rc != expected:
                problems.append(f"{m.id}: marked {'invisible' if m.invisible else 'visible'} but "
                                f"{status}\n      {tail}")
        for alt, (rc, tail) in zip(alternatives, alt_runs):
            print(f"  alternative {alt.name:<28} {'visible tests pass' if rc == 0 else tail}")
            if rc != 0:
                problems.append(f"alternative {alt.name} fails the visible tests (rc={rc}):\n      {tail}")
        visible_done = time.monotonic()
        print(f"visible tests: {len(runnable)} mutants, {len(alternatives)} alternatives "
              f"in {visible_done - started:.0f} s")

        if not args.no_numeric:
            numeric = Numeric()
            for alt in alternatives:
                for module_name in MODULE_NAMES:
                    for why in numeric.differences(alt, module_name):
                        problems.append(f"alternative {alt.name}/{module_name}.py differs from "
                                        f"the solution: {why}")
                print(f"  numeric: alternative {alt.name} checked")
            for m in runnable:
                differences = numeric.differences(folders[m.id], m.module, first_only=True)
                print(f"  numeric: {m.id:<28} "
                      f"{differences[0] if differences else 'SAME AS THE SOLUTION'}")
                if not differences:
                    problems.append(f"{m.id}: computes the same as the solution on every probe "
                                    f"(not a behavioural difference, or a probe is missing)")
            print(f"numeric comparison in {time.monotonic() - visible_done:.0f} s")

    per_module = collections.Counter(m.module for m in mutants)
    hidden = collections.Counter(m.module for m in mutants if m.invisible)
    print("mutants per module (invisible): " + ", ".join(
        f"{k} {per_module[k]} ({hidden[k]})" for k in MODULE_NAMES if per_module[k]))
    print(f"{len(mutants)} mutants, {sum(hidden.values())} invisible; "
          f"{len(alternatives)} alternatives; {time.monotonic() - started:.0f} s in all")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("corpus OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
