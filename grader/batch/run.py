"""Running the batch: every student prepared, each distinct module file graded once, each student written."""
from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from .. import escaping
from ..progress import progress_bar
from ..text import Text
from .class_files import write_class_files
from .options import Options, assignment_maximum
from .pool import Pool, parallelism
from .shards import shard_of, write_json, write_manifest
from .students import Student, discover, prepare


class BatchAborted(Exception):
    """The grader itself is broken: grading more students would give every one the same error."""


def already_graded(folder: Path, student: Student, options: Options) -> bool:
    try:
        meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (meta.get("fingerprint") == student.fingerprint and meta.get("options") == options.key()
            and meta.get("status") in ("ok", "rejected"))


def failed_results(module: str, options: Options, message: Text) -> list[dict]:
    """Every check of ``module`` failed with ``message`` (for a refused archive or a file not graded): the
    same checks, for the same maximum, as a graded file (``grade.not_graded``)."""
    from .. import grade
    return [dataclasses.asdict(r) for r in grade.not_graded(module, options.train, options.device, message,
                                                              crashed=False)]


def write_student(out: Path, student: Student, results: list[dict], seconds: float, status: str,
                  options: Options) -> None:
    from .. import grade
    report = grade.GradeReport(student.id, [grade.Result(**r) for r in results], execution_time=seconds,
                               maximum=assignment_maximum(options))
    data = report.gradescope(options.lang)
    rejected = Text.say(student.rejected, student.rejected_zh) if student.rejected else Text()
    notes = [line for note in [rejected, *student.notes] for line in Text.of(note).show(options.lang).split("\n")
             if line]
    if status == "error":
        notes += Text.say("some files could not be graded (see the failed checks); they are graded again "
                          "on the next run", "有些文件未能评分（见未通过的检查）；下次运行时会重新评分。"
                          ).show(options.lang).split("\n")
    if notes:
        data["output"] += "\n" + "\n".join(notes)
    folder = out / "students" / student.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.txt").write_text(report.text(options.lang) + ("\n\n" + "\n".join(notes) if notes else "")
                                       + "\n", encoding="utf-8")
    write_json(folder / "results.json", data)
    write_json(folder / "batch.json", {
        "student": student.id, "source": escaping.name(student.source.name), "status": status,
        "fingerprint": student.fingerprint, "options": options.key(), "files": student.shown,
        "notes": notes, "seconds": round(seconds, 2),
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def run_batch(submissions: Path, out: Path, options: Options, jobs: int | None = None, force: bool = False,
              stream=sys.stderr, shard: tuple[int, int] = (1, 1)) -> dict:
    """Grade every student (of ``shard`` K/N: see ``shards.shard_of``); returns counts.

    ``jobs``: grading processes at once (None: ``pool.parallelism`` chooses). Raises
    BatchAborted when the grader itself is broken.
    """
    submissions, out = Path(submissions), Path(out)
    (out / "students").mkdir(parents=True, exist_ok=True)
    entries, notes = discover(submissions)
    everyone = [s for s, _ in entries]
    k, n = shard
    if n > 1:
        entries = [(s, source) for s, source in entries if shard_of(s, n) == k]
        print(f"batch: shard {k}/{n}: {len(entries)} of the class's {len(everyone)} students", file=stream)
    for note in notes:
        print(f"batch: {note}", file=stream)
    counts = {"students": len(entries), "skipped": 0, "graded": 0, "errors": 0, "rejected": 0,
              "distinct_files": 0, "jobs": 0}
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as scratch:
        work, empty = Path(scratch) / "unzipped", Path(scratch) / "empty"
        empty.mkdir()
        todo: list[Student] = []
        for student_id, source in entries:
            student = prepare(student_id, source, options.modules, work, empty)
            if not force and already_graded(out / "students" / student_id, student, options):
                counts["skipped"] += 1
                continue
            todo.append(student)
        if counts["skipped"]:
            print(f"batch: {counts['skipped']} student(s) already graded with these options "
                  "(--force grades them again)", file=stream)
        if todo:
            grade_students(todo, out, options, jobs, counts, stream)
    write_class_files(out, [s for s, _ in entries], options, stream)
    write_manifest(out, shard, [s for s, _ in entries], everyone, options)     # last: this part is complete
    return counts


def grade_students(todo: list[Student], out: Path, options: Options, jobs: int | None, counts: dict,
                   stream) -> None:
    from multiprocessing.connection import wait

    tasks: dict[str, tuple[str, Path]] = {}            # key -> (module, folder holding a copy)
    order: list[str] = []
    waiting: dict[str, list[Student]] = {}
    for student in todo:
        if student.rejected:
            continue
        for module, (folder, key) in student.files.items():
            if key not in tasks:
                tasks[key] = (module, folder)
                order.append(key)
            waiting.setdefault(key, []).append(student)
    counts["distinct_files"] = len(tasks)
    plan = parallelism(jobs, options, len(tasks))
    if tasks:
        counts["jobs"] = plan.jobs
        print(f"batch: {len(tasks)} distinct module file(s) to grade, {plan.jobs} at once ({plan.why})",
              file=stream)
    done: dict[str, tuple[list[dict], float, bool]] = {}  # key -> (results, seconds, graded?)
    # on a terminal a tqdm bar; in a log, one line every 10 s at most and one at the end
    progress = progress_bar(len(todo), desc=f"grading students ({plan.line()})" if tasks else "grading students",
                            unit="student", log_every=10, leave=True, stream=stream)
    remaining = {s.id: s for s in todo}

    def finish(student: Student) -> None:
        results, seconds, status = [], 0.0, "ok"
        if student.rejected:
            status = "rejected"
            for module in options.modules:
                results += failed_results(module, options, Text.say(
                    student.rejected, (student.rejected_zh + "\n" if student.rejected_zh else "") + ZH_REJECTED))
        else:
            for module in options.modules:
                module_results, module_seconds, graded = done[student.files[module][1]]
                results += module_results
                seconds += module_seconds
                if not graded:
                    status = "error"
        write_student(out, student, results, seconds, status, options)
        counts["graded"] += 1
        counts["errors"] += status == "error"
        counts["rejected"] += status == "rejected"
        if counts["errors"]:
            progress.set_postfix_str(f"{counts['errors']} not graded: see grades.csv", refresh=False)
        progress.update(1)
        del remaining[student.id]

    def complete(key: str, results: list[dict], seconds: float, graded: bool) -> None:
        done[key] = (results, seconds, graded)
        for student in waiting.get(key, []):
            if student.id in remaining and all(k in done for _, k in student.files.values()):
                finish(student)

    for student in todo:
        if student.rejected:
            finish(student)
    if not order:
        progress.close()
        return

    pool = Pool(plan.jobs, options)
    queue = list(reversed(order))
    deaths_in_a_row = 0          # workers lost without a file graded in between: the grader, not a student
    try:
        while len(done) < len(tasks):
            for index, w in enumerate(pool.workers):
                if w["task"] is None and queue:
                    key = queue.pop()
                    module, folder = tasks[key]
                    try:
                        w["connection"].send(("grade", key, module, str(folder)))
                    except OSError:              # the worker died while idle: replace it, keep the file
                        queue.append(key)
                        pool.replace(index)
                        continue
                    w["task"], w["since"] = key, time.monotonic()
            busy = [w for w in pool.workers if w["task"] is not None]
            ready = wait([w["connection"] for w in busy] + [w["process"].sentinel for w in busy], timeout=1.0)
            for index, w in enumerate(pool.workers):
                if w["task"] is None:
                    continue
                key = w["task"]
                module = tasks[key][0]
                reason = None
                if w["connection"] in ready:
                    try:
                        message = w["connection"].recv()
                    except (EOFError, OSError):
                        message = None
                    if message is None:
                        reason = f"the grading process stopped (exit code {w['process'].exitcode})"
                    elif message[0] == "graded":
                        complete(key, message[2], message[4], True)
                        w["task"] = None
                        deaths_in_a_row = 0
                        continue
                    elif message[0] == "broken":
                        raise BatchAborted(f"the grader could not run on {key.split(':')[0]}: {message[2]}")
                    else:
                        print(f"\nbatch: internal error while grading {module}.py of "
                              f"{', '.join(s.id for s in waiting[key][:3])}: {message[2]}", file=stream)
                        complete(key, failed_results(module, options, not_graded_text(
                            "the grader failed on this file")), 0.0, False)
                        w["task"] = None
                        continue
                elif w["process"].sentinel in ready or not w["process"].is_alive():
                    reason = f"the grading process stopped (exit code {w['process'].exitcode})"
                elif time.monotonic() - w["since"] > options.watchdog():
                    reason = f"grading this file took more than {options.watchdog():.0f} s"
                if reason:
                    print(f"\nbatch: {module}.py of {', '.join(s.id for s in waiting[key][:3])} not graded: "
                          f"{reason}; restarting that worker", file=stream)
                    complete(key, failed_results(module, options, not_graded_text(reason)), 0.0, False)
                    w["task"] = None
                    deaths_in_a_row += 1
                    if deaths_in_a_row > 2 * len(pool.workers) + 3:
                        raise BatchAborted(f"{deaths_in_a_row} grading processes in a row stopped "
                                           f"without grading a file (last: {reason})")
                    pool.replace(index)
            progress.refresh()      # the elapsed time goes on while a slow file is graded
    except BaseException:
        pool.close(kill=True)
        progress.close()
        raise
    pool.close()
    progress.close()


ZH_REJECTED = "提交的压缩包被拒绝（原因见上）。请只打包你的 .py 文件后重新提交。"
NOT_GRADED = ("this file could not be graded: {why}. This is not your mistake; your teacher will grade it "
              "again.", "此文件未能评分（评分程序的问题，不是你的错误），老师会重新评分。")


def not_graded_text(why: str) -> Text:
    return Text.say(NOT_GRADED[0].format(why=why), NOT_GRADED[1])
