"""The whole set of generated variants (``tests/corpus/variants.py``), diagnosed and graded; counts printed.

    python -m benchmarks.variants [--graded-defects N] [--graded-rewrites N] [--json FILE] [--verbose]

(``--graded-defects 100000 --graded-rewrites 100000`` grades the whole set: about 30 minutes on two cores.)

Every single-defect variant is diagnosed in this process (the book's graph
against the variant's, on the meta device): is there a first cause, is it at
the changed place, does it carry a hint (every hint shown was tried on the
recorded computation first: ``grader/computation/hints.py``). Then a spread
sample (every k-th) of defects and rewrites is graded by the real grader
without training: a defect must lose points, at most one share; a rewrite must
keep every point. The suite runs a smaller sample (``tests/test_variants.py``).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def spread(items: list, count: int) -> list:
    if count <= 0:
        return []
    if count >= len(items):
        return list(items)
    step = len(items) / count
    return [items[int(k * step)] for k in range(count)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graded-defects", type=int, default=60)
    parser.add_argument("--graded-rewrites", type=int, default=100)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--verbose", action="store_true", help="a line per graded variant, as it is graded")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from grader.checking.points import CAUSE_SHARE, design_points
    from grader.grade import grade_submission
    from tests.corpus.scratch_variants import named as scratch_named, scratch_variants
    from tests.corpus.variants import all_variants, at_its_place, diagnosed

    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    variants = all_variants()
    defects = [v for v in variants if not v.equivalent]
    rewrites = [v for v in variants if v.equivalent]
    print(f"{len(defects)} single-defect variants, {len(rewrites)} rewrites, "
          f"{len({v.module for v in variants})} networks (and {len(scratch_variants())} variants of the "
          "BatchNorm from scratch, the ninth)")

    started = time.perf_counter()
    per_operator: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    missed = []
    for variant in defects:
        _, _, diagnosis = diagnosed(variant)
        counts = per_operator[variant.operator.split(" ")[0]]
        counts["variants"] += 1
        first = diagnosis.first
        if first is None:
            counts["no cause"] += 1
            missed.append((variant.id, "(no cause)"))
            continue
        counts["hint" if first.hint else "no hint"] += 1
        if at_its_place(variant, first.where):
            counts["named at its place"] += 1
        else:
            missed.append((variant.id, first.where))
    named = sum(c["named at its place"] for c in per_operator.values())
    print(f"\ndiagnosed in {time.perf_counter() - started:.0f} s: {named} / {len(defects)} "
          f"({named / len(defects):.1%}) named at the changed place")
    for operator, counts in sorted(per_operator.items()):
        print(f"  {operator:<12} {dict(counts)}")
    for variant_id, where in missed[:20]:
        print(f"  missed: {variant_id}: {where}")

    graded = {"defects": [], "rewrites": []}
    with tempfile.TemporaryDirectory() as scratch:
        for kind, chosen in (("defects", spread(defects, args.graded_defects)),
                             ("rewrites", spread(rewrites, args.graded_rewrites))):
            for k, variant in enumerate(chosen):
                folder = Path(scratch) / f"{kind}-{k}"
                folder.mkdir()
                (folder / f"{variant.module}.py").write_text(variant.source())
                report = grade_submission(folder, (variant.module,), train=False)
                lost = report.max_score - report.score
                share = CAUSE_SHARE * design_points(variant.module)
                good = (0 < lost <= share + 1e-6) if kind == "defects" else lost == 0
                graded[kind].append({"id": variant.id, "lost": round(lost, 4), "share": share, "good": good})
                if args.verbose:
                    print(f"  {kind} {k + 1}/{len(chosen)} {variant.id}: lost {lost:g} of a share {share:g}"
                          f"{'' if good else '  NOT SO'}", flush=True)
            bad = [g for g in graded[kind] if not g["good"]]
            rule = "lose points, at most one share" if kind == "defects" else "keep every point"
            print(f"\ngraded {len(graded[kind])} {kind}: {len(graded[kind]) - len(bad)} {rule}")
            for g in bad[:20]:
                print(f"  not so: {g['id']}: lost {g['lost']:g} (a share is {g['share']:g})")
    # the ninth network: the BatchNorm written from scratch, its variants made in its arithmetic
    scratch = []
    with tempfile.TemporaryDirectory() as folder:
        for variant in scratch_variants():
            path = Path(folder) / variant.operator.replace(" ", "_").replace("/", "_")
            path.mkdir()
            (path / f"{variant.module}.py").write_text(variant.source())
            report = grade_submission(path, (variant.module,), train=False)
            lost = report.max_score - report.score
            share = CAUSE_SHARE * design_points(variant.module)
            scratch.append({"id": variant.id, "lost": round(lost, 4), "share": share,
                            "good": 0 < lost <= share + 1e-6, "named": scratch_named(variant, report)})
    good = sum(s["good"] for s in scratch)
    print(f"\nthe BatchNorm from scratch: {len(scratch)} variants of its arithmetic; {good} lose points, at most "
          f"one share; {sum(s['named'] for s in scratch)} have the operator's cause first")
    for s in scratch:
        if not (s["good"] and s["named"]):
            print(f"  not so: {s['id']}: lost {s['lost']:g} (a share is {s['share']:g}), named: {s['named']}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"defects": len(defects), "rewrites": len(rewrites), "named": named,
                                               "per_operator": per_operator, "missed": missed,
                                               "graded": graded, "scratch": scratch}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
