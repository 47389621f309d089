"""The class files: ``grades.csv``, ``summary.txt`` and ``class.html`` (``grader/class_report.py``).

All three come from one digest of the class, ``class_summary``: the totals,
and the causes that cost the class the most points (the mistakes worth a
lecture).
"""
from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

from .. import escaping
from ..text import LABELS as DETAIL_LABELS
from ..spec import NETWORKS
from .options import Options, assignment_maximum

# Words of the kit's own messages, in each language a report is written in (``batch --lang``)
STUB_MARKS = ("is not implemented yet", "尚未实现")               # the stubs' message (grader/stubgen.py)
MISSING_MARKS = ("is missing from the submission", "提交中缺少")    # the sandbox's message for a missing file
REJECTED_MARKS = ("was rejected:", "提交的压缩包被拒绝")            # batch's message for a refused archive
LABELS = {form: english for english, chinese in (DETAIL_LABELS[k] for k in ("where", "found", "expected"))
          for form in (english, chinese)}         # a detail's label, in either language -> in English


def marked(text: str, marks) -> bool:
    return any(mark in text for mark in marks)


def load_class(out: Path, students: list[str]) -> list[tuple[str, dict, dict]]:
    loaded = []
    for student in students:
        folder = out / "students" / student
        try:
            results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        loaded.append((student, results, meta))
    return loaded


def write_grades(out: Path, loaded, modules, maximum: float | None = None) -> Path:
    """``maximum``: the class's total for every row (``assignment_maximum``); None: each results.json's."""
    path = out / "grades.csv"
    temporary = path.with_name(f"grades.csv.{os.getpid()}.tmp")      # shards may share a folder
    with open(temporary, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "total", "max_score"] + list(modules) + ["status", "notes"])
        for student, results, meta in loaded:
            points = {m: 0.0 for m in modules}
            for test in results.get("tests", []):
                module = test.get("tags", [""])[0]
                if module in points:
                    points[module] += test.get("score", 0)
            # text cells through escaping.cell: no name or note is a formula in a spreadsheet
            writer.writerow([escaping.cell(student), f"{results.get('score', 0):g}",
                             f"{maximum if maximum is not None else results.get('max_score', 0):g}"]
                            + [f"{round(points[m], 4):g}" for m in modules]
                            + [escaping.cell(meta.get("status", "")),
                               escaping.cell("; ".join(map(str, meta.get("notes", [])))[:300])])
    os.replace(temporary, path)
    return path


def module_state(tests: list[dict]) -> str:
    """attempted | not started (stubs untouched) | missing | rejected."""
    outputs = [t.get("output", "") for t in tests]
    if any(marked(o, REJECTED_MARKS) for o in outputs):
        return "rejected"
    if any(marked(o, MISSING_MARKS) for o in outputs):
        return "missing"
    if tests and all(t.get("status") == "failed" and marked(t.get("output", ""), STUB_MARKS) for t in tests):
        return "not started"
    return "attempted"


def signature(output: str) -> str:
    """The gist of one failure message, the same in training and eval mode.

    A traced operation (``where:`` / ``found:``) is the most precise; else the row of the
    layer table marked ``>>``; else the first line. The labels are read in either language.
    """
    lines = [" ".join(l.split()) for l in output.splitlines()]
    lines = [next((LABELS[label] + l[len(label):] for label in LABELS if l.startswith(label)), l) for l in lines]
    where = [l[len("where:"):].strip() for l in lines if l.startswith("where:")]
    found = [l[len("found:"):].strip() for l in lines if l.startswith("found:")]
    expected = [l[len("expected:"):].strip() for l in lines if l.startswith("expected:")]

    def op(text):
        text = re.sub(r"^#\d+\s*", "", text).split(" -> ")[0]
        return re.sub(r",?\s*training=(True|False)", "", text).replace("(, ", "(")
    if where:
        text = where[0]
        if found:
            text += ": found " + op(found[0])
            if expected:
                text += "; book: " + op(expected[0])
        return text
    marked = [l for l in lines if l.startswith(">>")]
    if marked:
        return "table row " + marked[0][2:].strip()
    return next((l for l in lines if l), "")


def primary(outputs: list[str]) -> str:
    """One gist for one student's module: a traced operation first, then a table row, then anything."""
    gists = [signature(o) for o in outputs]
    for test in (lambda g: ": found " in g, lambda g: g.startswith("table row"), bool):
        for gist in gists:
            if test(gist):
                return gist
    return ""


def typical(outputs: list[str]) -> str:
    """What most failing students got, and how many got exactly that."""
    counted = Counter(signature(o).split("; book: ")[0] for o in outputs)
    text, count = counted.most_common(1)[0] if counted else ("", 0)
    return f"{text[:220]} ({count}x)" if text else ""


def class_summary(loaded, modules, options: Options | None = None) -> dict:
    """``options``: the maxima are the rule's (``grade.module_maximum``); None: the largest found."""
    per_module = {m: Counter() for m in modules}
    points = {m: [] for m in modules}
    maxima = {m: 0.0 for m in modules}
    failures: dict[tuple[str, str, str], list[str]] = {}
    mistakes: Counter = Counter()       # (module, signature) -> students, once per student
    lost: Counter = Counter()           # (module, signature) -> points its checks charged, whole class
    attempted = Counter()
    rows = []                           # per student, for class.html: total, points and mistakes
    for student, results, meta in loaded:
        row = {"student": student, "total": results.get("score", 0), "status": meta.get("status", ""),
               "points": {}, "causes": []}
        rows.append(row)
        by_module: dict[str, list[dict]] = {}
        for test in results.get("tests", []):
            by_module.setdefault(test.get("tags", [""])[0], []).append(test)
        for module in modules:
            tests = by_module.get(module, [])
            state = module_state(tests)
            per_module[module][state] += 1
            points[module].append(sum(t.get("score", 0) for t in tests))
            row["points"][module] = points[module][-1]
            maxima[module] = max(maxima[module], sum(t.get("max_score", 0) for t in tests))
            if state != "attempted":
                continue
            attempted[module] += 1
            failed_outputs, causes = [], []
            charged: Counter = Counter()    # cause ("": none diagnosed) -> points its checks lost
            for test in tests:
                if test.get("status") == "failed" and not marked(test.get("output", ""), STUB_MARKS):
                    extra = test.get("extra_data") or {}
                    if extra.get("cause") and extra["cause"] not in causes:
                        causes.append(extra["cause"])
                    charged[extra.get("cause", "")] += test.get("max_score", 0) - test.get("score", 0)
                    if extra.get("same_as"):
                        continue            # one mistake, counted where it is charged
                    kind = test.get("tags", ["", ""])[1] if len(test.get("tags", [])) > 1 else ""
                    name = test.get("name", "").split(": ", 1)[-1]
                    failures.setdefault((module, kind, name), []).append(test.get("output", ""))
                    failed_outputs.append(test.get("output", ""))
            for gist in causes or [primary(failed_outputs)]:
                if gist:
                    mistakes[(module, gist)] += 1
                    row["causes"].append((module, gist))
                    # a diagnosed cause costs what its checks lost; without a diagnosis the first wrong
                    # operation stands for all the checks that failed (a check failed without a cause
                    # beside diagnosed ones is charged to none)
                    lost[(module, gist)] += charged[gist] if causes else charged[""]
    order = {m: i for i, m in enumerate(modules)}
    ranked = sorted(failures.items(), key=lambda item: (-len(item[1]), -len(item[1]) / max(1, attempted[item[0][0]]),
                                                        order[item[0][0]], item[0]))
    totals = [r.get("score", 0) for _, r, _ in loaded]
    max_total = max((r.get("max_score", 0) for _, r, _ in loaded), default=0)
    if options is not None:
        from .. import grade
        maxima = {m: grade.module_maximum(m, options.train, options.device) for m in modules}
        max_total = assignment_maximum(options)
    return {"students": len(loaded), "per_module": per_module, "points": points, "maxima": maxima,
            "attempted": attempted, "ranked": ranked, "totals": totals,
            "mistakes": sorted(mistakes.items(), key=lambda item: (-item[1], order[item[0][0]], item[0])),
            "lost": dict(lost), "rows": rows, "max_total": max_total}


def summary_text(summary: dict, modules, options: Options, top: int = 15) -> str:
    n = summary["students"]
    totals = sorted(summary["totals"])
    lines = [f"Class summary: {n} student(s), graded {'with' if options.train else 'without'} training checks."]
    if totals:
        median = totals[len(totals) // 2] if len(totals) % 2 else (totals[len(totals) // 2 - 1] + totals[len(totals) // 2]) / 2
        lines.append(f"Total: mean {sum(totals) / n:.1f}, median {median:g}, min {totals[0]:g}, max {totals[-1]:g} "
                     f"(of {summary['max_total']:g}).")
    lines += ["", "Per network (mean points; students who attempted it / left the stub / had no file / rejected):"]
    for module in modules:
        state, pts = summary["per_module"][module], summary["points"][module]
        mean = sum(pts) / len(pts) if pts else 0
        lines.append(f"  {NETWORKS[module].title:<22} {mean:5.1f} / {summary['maxima'][module]:g}   "
                     f"{state['attempted']} / {state['not started']} / {state['missing']} / {state['rejected']}")
    lines += ["", "Checks failed most often by the students who attempted the network (the mistakes worth a lecture):"]
    if not summary["ranked"]:
        lines.append("  none")
    for number, ((module, kind, name), outputs) in enumerate(summary["ranked"][:top], 1):
        share = len(outputs) / max(1, summary["attempted"][module])
        lines.append(f"  {number:>2}. {len(outputs):>3} of {summary['attempted'][module]:<3} ({share:4.0%})  "
                     f"{module} / {escaping.inert(kind)}: {escaping.inert(name)}")
        example = typical(outputs)
        if example:
            lines.append(f"        typical: {escaping.inert(example)}")
    lines += ["", "Most common mistakes, by cause (each diagnosed mistake once per student; else the student's "
                  "first wrong operation or table row):"]
    if not summary["mistakes"]:
        lines.append("  none")
    for number, ((module, gist), count) in enumerate(summary["mistakes"][:top], 1):
        lines.append(f"  {number:>2}. {NETWORKS[module].title}: {escaping.inert(gist)[:220]}, "
                     f"{count} student{'s' * (count != 1)} "
                     f"(of {summary['attempted'][module]} who attempted it)")
    return "\n".join(lines) + "\n"


def write_class_files(out: Path, students: list[str], options: Options, stream) -> None:
    """grades.csv, summary.txt and class.html with its figures (summary.png, class-totals.png),
    all from one ``class_summary``."""
    from .. import class_report
    loaded = load_class(out, students)
    write_grades(out, loaded, options.modules, assignment_maximum(options))
    summary = class_summary(loaded, options.modules, options)
    text = summary_text(summary, options.modules, options)
    (out / "summary.txt").write_text(text, encoding="utf-8")
    page = class_report.write(out, summary, options.modules, options)
    print(text, file=stream)
    print(f"batch: wrote {out / 'grades.csv'}, {out / 'summary.txt'}, {page} (open it in a browser; its "
          f"figures: {class_report.CAUSES_PNG}, {class_report.TOTALS_PNG}) and {len(loaded)} results.json "
          f"under {out / 'students'}/", file=stream)
