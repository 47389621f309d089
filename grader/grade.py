"""Run the hidden checks and score a submission (``python -m grader grade SUBMISSION_DIR``, ``grader/apps/grade.py``).

Each network is graded in its own sandboxed child process (``grader/sandbox/``);
the reference solution is observed the same way, so this process never
imports student code or solution code. The report lists, per network, the
points and every failed check with expected / found / where / hint.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import recipes, reference_cache, threads
from .escaping import inert
from .report import pad
from .text import Text
from .checking.observer import Measurer, Observer, replayable
from .checking.outcome import GraderBroken, Result
from .options import DEFAULT_TRAIN_TIMEOUT, TRAIN_PACE_FACTOR, max_train_seconds
from .sandbox import Limits, Sandbox, SandboxError, StudentError, start_zygote, validate_source
from .sandbox import hidden_lines as sandbox_hidden_lines
from .spec import MODULES, NETWORKS

# The wait policy for every process started from here on (the sandbox's zygote and the children it forks);
# ``python -m grader`` set it before torch loaded, library use (nbgrader's grade cells) gets it here.
threads.configure_environment()

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "solutions"
__all__ = ["GraderBroken", "Result", "grade_submission"]
# The checks' machinery (``checking.catalogue`` and ``checking.runner``: pytest and hypothesis, 0.4 s to
# import) is imported where it is used, so that ``grade`` starts the zygote, which needs seconds to load
# torch, before it loads them.


@dataclass
class GradeReport:
    submission: str
    results: list[Result] = field(default_factory=list)
    execution_time: float = 0.0
    printed: dict[str, str] = field(default_factory=dict)     # module -> what it printed (truncated)
    # The assignment's total (``maximum``: the instructor's parts, device and training, never the files a
    # student handed in); None: the sum of the results' maxima (a report built from results alone).
    maximum: float | None = None

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 6)      # as ``maximum``: fractional points add up exactly

    @property
    def max_score(self) -> float:
        return self.maximum if self.maximum is not None else sum(r.max_score for r in self.results)

    def by_module(self) -> dict[str, list[Result]]:
        grouped: dict[str, list[Result]] = {}
        for result in self.results:
            grouped.setdefault(result.module, []).append(result)
        return grouped

    def score_text(self) -> Text:
        return Text.say(f"Score {self.score:g} / {self.max_score:g}.", f"得分 {self.score:g} / {self.max_score:g}。")

    def left_out_text(self) -> Text:
        """The checks out of the total (a training check the device does not run), or nothing."""
        left_out = [r for r in self.results if not r.counted]
        if not left_out:
            return Text()
        return Text.say("Not run on this grading machine, so not part of the total: "
                        + "; ".join(f"{r.module} {r.kind}" for r in left_out) + ".",
                        "以下检查未在这台评分机器上运行，不计入总分："
                        + "；".join(f"{r.module} {r.kind_name('zh')}" for r in left_out) + "。")

    def gradescope(self, lang: str = "both") -> dict:
        """Gradescope's results.json, its messages in ``lang``. A check left out of the total (a training check
        the device does not run: 0 of 0) is not a test there, where it would show as a pass; the summary
        names it."""
        summary = self.score_text() + self.left_out_text()
        return {"score": round(self.score, 4), "max_score": round(self.max_score, 4),
                "execution_time": round(self.execution_time, 2), "output": summary.show(lang),
                "tests": [r.gradescope(lang) for r in self.results if r.counted]}

    def text(self, lang: str = "en") -> str:
        """The console report: ``lang`` is ``en``, ``zh`` or ``both``."""
        zh = lang == "zh"
        lines = [f"{'评分：' if zh else 'Grading '}{inert(self.submission)}"]
        for module, results in self.by_module().items():
            spec = NETWORKS[module]
            got, total = sum(r.score for r in results), sum(r.max_score for r in results)
            lines.append(f"\n== {spec.title} ({module}.py): {got:g} / {total:g} {'分' if zh else 'points'}")
            previous = None
            for r in results:
                mark = "same" if r.same_as else {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[r.status]
                lines.append(f"  [{mark}] {pad(r.kind_name(lang), 9)} {inert(r.title(lang))}  "
                             f"({r.score:g}/{r.max_score:g})")
                if r.output and (r.status != "passed" or r.same_as or r.kind == "shapes"):
                    if r.output == previous:
                        lines.append("         " + ("（同上）" if zh else "(same as above)"))
                    else:
                        # the output's lines, always indented: none can pass for a line of the report's own
                        lines += ["         " + inert(line, lines=True)
                                  for line in r.output.show(lang).split("\n")]
                    previous = r.output
        lines.append(f"\n{'总分' if zh else 'Total'}: {self.score:g} / {self.max_score:g}"
                     f"   ({self.execution_time:.1f} s)")
        return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def hidden_lines() -> frozenset[str]:
    """The lines of the grader's hidden source (``sandbox.hidden_lines``: read once per process), as a set."""
    return frozenset(sandbox_hidden_lines())


def redact(printed: str, hidden=None) -> str:
    """The submission's output, with any line of the grader's hidden source removed."""
    hidden = hidden if hidden is not None else hidden_lines()
    return "\n".join("[line removed: grader source]" if line.strip() in hidden else line
                     for line in printed.splitlines())


class ReferenceObserver(Observer):
    """The reference solution, observed in a sandbox started only when its cache misses."""

    def __init__(self, module: str, limits: Limits):
        super().__init__(None, "reference", module=module,
                         measurer=Measurer(REFERENCE_DIR, module, limits, slot=5, fresh_budget=True)
                         if replayable(module) else None)
        self.limits = limits
        # read now, before any student code of this process runs (a non-root sandbox could rewrite the file)
        self.source = (REFERENCE_DIR / f"{module}.py").read_bytes()

    def ask(self, op, activity, **args):
        key = (op, repr(sorted(args.items())))
        if key in self.cache:
            return self.cache[key]
        if self.sandbox is None or self.sandbox.dead is not None:
            self.sandbox = Sandbox(REFERENCE_DIR, self.module, self.limits, slot=7)
            self.sandbox.start(self.source)
            self.sandbox.deadline = None
            self.sandbox.request("import", "importing the reference")
        self.sandbox.deadline = None          # the reference gets a fresh budget for each question
        try:
            return super().ask(op, activity, **args)
        except (SandboxError, StudentError) as error:
            raise GraderBroken(f"the reference solution failed while {activity}: {error}") from error

    def pace(self, device: str, steps: int, data_dir) -> dict:
        """The reference's time for the first ``steps`` steps of its training check, in a sandbox of its own."""
        key = ("pace", device, steps, str(data_dir))
        if key not in self.cache:
            try:
                self.cache[key] = self.time_training(device, steps, data_dir)
            except (SandboxError, StudentError) as error:
                raise GraderBroken(f"the reference solution failed while timing its training run: {error}") \
                    from error
        return self.cache[key]

    def measured_like(self, op: str, activity: str, args: dict, measurer: Measurer):
        """The training run needs the data: it runs on a replay of the reference that has them, within the
        student's training budget (``measurer``'s), once; then it is kept with the other answers."""
        if op != "train":
            return self.ask(op, activity, **args)
        key = (op, repr(sorted(args.items())))
        if key not in self.cache:
            trainer = self.with_data(measurer.data_dir, measurer.limits, args.get("device", "cpu"))
            try:
                self.cache[key] = trainer.ask(op, f"{activity} (the reference)", **args)
            finally:
                trainer.close()
        return self.cache[key]

    def with_data(self, data_dir, limits: Limits, device: str) -> Observer:
        """An observer of the reference whose replay sees the data (its graphs are this observer's)."""
        return Observer(self, "reference", device, module=self.module,
                        measurer=Measurer(REFERENCE_DIR, self.module, limits, slot=6, data_dir=data_dir,
                                          fresh_budget=True))

    def time_training(self, device: str, steps: int, data_dir) -> dict:
        """On the replay the student's training check runs, with the data (every network trains on one)."""
        pacer = self.with_data(data_dir, self.limits, device)
        try:
            return pacer.ask("pace", "timing the reference's training run", device=device, steps=steps)
        finally:
            pacer.close()

    def request(self, op, activity, **args):
        """Asked by a pacing observer (above): the reference's graphs."""
        return self.ask(op, activity, **args)

    def close(self):
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        super().close()


REFERENCES: dict[str, ReferenceObserver] = {}


def reference_for(module: str, limits: Limits) -> ReferenceObserver:
    if module not in REFERENCES:
        observer = REFERENCES[module] = ReferenceObserver(module, limits)
        # the answers an earlier grading saved (reference_cache.py): no reference sandbox when they suffice
        observer.on_disk = reference_cache.load(module, observer.source, observer.cache)
    return REFERENCES[module]


def save_reference(module: str) -> None:
    """Keep on disk what the reference answered beyond what was read there (reference_cache.py)."""
    observer = REFERENCES.get(module)
    if observer is not None:
        count = len(reference_cache.entries(observer.cache))
        if count > getattr(observer, "on_disk", 0) and reference_cache.save(module, observer.source, observer.cache):
            observer.on_disk = count


def training_plan_or_reason(module: str, device: str):
    plan = recipes.training_check_plan(module, device)
    if plan is None:
        return None, recipes.training_skip_reason(module, device)
    return plan, ""


# -- the total: one per assignment ---------------------------------------------------------------
# What a student is graded out of is fixed by the instructor's choices alone: the parts (``--only``),
# training on or off, and the device, whose training plan says which training checks run. Every check of
# a graded part counts (a missing, rejected or broken file fails them all), except training checks when
# training is off (left out) or the device has no plan for that part (skipped, 0 of 0). ``grade``,
# ``batch`` and Gradescope all take their maximum from here, whatever files a student hands in.

def training_counts(module: str, train: bool, device: str) -> bool:
    """Whether ``module``'s training checks are part of the total: training on, and a plan on ``device``."""
    return bool(train) and training_plan_or_reason(module, device)[0] is not None


def counted_checks(module: str, train: bool, device: str) -> list:
    """The checks of ``module`` whose points make up its maximum (``catalogue.CheckInfo``), in order."""
    from .checking import catalogue
    return [c for c in catalogue.checks(module)
            if c.kind != "training" or training_counts(module, train, device)]


def module_maximum(module: str, train: bool, device: str) -> float:
    return round(sum(c.points for c in counted_checks(module, train, device)), 6)


def maximum(modules, train: bool, device: str) -> float:
    """The assignment's total for these options: the same for every student."""
    return round(sum(module_maximum(m, train, device) for m in modules), 6)


def skipped_training(module: str, checks, device: str, reason: str) -> list[Result]:
    """Training checks the device does not run: reported, and out of the maximum (0 of 0)."""
    said = Text.say(f"skipped on {device}: {reason}", f"未在 {device} 上运行：此设备不做这项训练检查。")
    return [Result(module, c.kind, c.name, 0.0, 0.0, "skipped", said, name_zh=c.name_zh) for c in checks]


def not_graded(module: str, train: bool, device: str, message: Text | str, crashed: bool = True) -> list[Result]:
    """Every check of ``module`` when its file cannot be graded at all (missing, unreadable, rejected, not
    graded): each check that counts fails with ``message``, for its points; the training checks the device
    does not run are skipped as they are for a file that is graded, so the maximum stays the same."""
    from .checking import catalogue
    results = fail_all(module, counted_checks(module, train, device), message, crashed)
    if train and not training_counts(module, train, device):
        results += skipped_training(module, catalogue.checks(module, {"training"}), device,
                                    training_plan_or_reason(module, device)[1])
    return results


def fail_all(module, checks, message, crashed: bool = True) -> list[Result]:
    return [Result(module, c.kind, c.name, c.points, 0.0, "failed", message, crashed=crashed, name_zh=c.name_zh)
            for c in checks]


def design_kinds(module: str) -> set[str]:
    from .checking import catalogue
    return {c.kind for c in catalogue.checks(module)} - {"training"}


def training_data_dir() -> Path:
    """Fashion-MNIST, found by the grading process (``grader/data.py``'s order, from its working folder).

    The children look where they are told: their working folder is a private scratch, so
    ``./data`` must be found here. No data is the grader's problem, never the student's."""
    from . import data as fmnist
    try:
        directory, _ = fmnist.locate(download=False)
    except fmnist.DataNotFoundError as error:
        raise GraderBroken(f"the training checks need Fashion-MNIST, which the grader cannot find; get it "
                           f"(grading reads FASHION_MNIST_DIR, not --data), or grade with --no-train to leave "
                           f"them out.\n{error}") from error
    return directory.resolve()


class StudentChildren:
    """The student's child of each module, started while the module before it is graded.

    A child's fork and isolation (namespaces, private filesystem, uid, memory cgroup) then overlap the
    previous module's checks instead of preceding this module's. No code of the student's runs early:
    a child waits for its ``import`` request, and its time limit starts with its first request.
    """

    def __init__(self, submission: Path, limits: Limits):
        self.submission, self.limits = submission, limits
        self.started: dict[str, tuple[bytes, Sandbox]] = {}

    def start(self, module: str) -> tuple[bytes, Sandbox]:
        """The module's source and its started child; ``SandboxError`` for a file that cannot be graded."""
        source = validate_source(self.submission / f"{module}.py", self.submission)
        sandbox = Sandbox(self.submission, module, self.limits)
        sandbox.start(source)
        return source, sandbox

    def start_ahead(self, module: str) -> None:
        if module not in self.started:
            try:
                self.started[module] = self.start(module)
            except SandboxError:
                pass                # reported when the module is graded

    def take(self, module: str) -> tuple[bytes, Sandbox]:
        """The child started ahead for ``module``, or one started now."""
        return self.started.pop(module, None) or self.start(module)

    def close(self) -> None:
        """The children started for modules that were not graded after all (a result already known)."""
        for _, sandbox in self.started.values():
            sandbox.close()
        self.started.clear()


def grade_module(submission: Path, module: str, train: bool, limits: Limits, train_limits: Limits,
                 hidden: set[str], device: str = "cpu", children: StudentChildren | None = None,
                 following: str | None = None) -> tuple[list[Result], str]:
    """``following``: the module graded next, whose child ``children`` starts while this one is graded."""
    from .checking import catalogue, runner
    kinds = design_kinds(module)
    checks = catalogue.checks(module, kinds)
    training_checks = catalogue.checks(module, {"training"})
    results: list[Result] = []
    children = children or StudentChildren(submission, limits)
    try:
        source, sandbox = children.take(module)
    except SandboxError as error:           # a missing or unreadable file: every check that counts fails
        return not_graded(module, train, device, error.message()), ""
    reference = reference_for(module, limits)
    measurer = Measurer(submission, module, limits, slot=2) if replayable(module) else None
    student = Observer(sandbox, "student", measurer=measurer, module=module, reference=reference)
    printed = ""
    try:
        if following is not None:
            children.start_ahead(following)
        try:
            sandbox.request("import", f"importing {module}.py")
        except StudentError as error:
            message = Text.say(f"importing {module}.py failed:", f"导入 {module}.py 失败：") \
                + runner.explain_student_error(error)
            results = fail_all(module, checks, message)
        except SandboxError as error:
            results = fail_all(module, checks, error.message())
        else:
            results = runner.run_checks(module, student, reference, kinds, check_seconds(limits))
            results = runner.score(results, module, student, reference)
    finally:
        student.leave()
        printed = sandbox.close()
        student.close()

    if train:
        from .checking import policy
        refusal = policy.book_network_difference(results)     # not the book's network: no training points
        scratch = policy.scratch_layer_difference(results)    # its layer from scratch not the book's: none either
        if (refusal or scratch) is not None and training_plan_or_reason(module, device)[0] is not None:
            results += refused_training(module, training_checks)
        else:
            results += run_training(submission, module, source, training_checks, train_limits, reference, device)
        if scratch is not None:     # the design checks charged that mistake already: only training is refused
            policy.require_book_network([r for r in results if r.kind == "training"], scratch)
        policy.require_book_network(results, refusal)
    printed = redact(printed, hidden)
    if printed.strip():
        for result in results:
            if result.crashed:
                result.output += Text.detail(f"--- {module}.py printed (truncated) ---",
                                             f"--- {module}.py 的输出（截断）---") + Text.plain(printed)
    return results, printed


def check_seconds(limits: Limits) -> float:
    """One check's wall-clock limit in the grading process: a backstop far above the children's own budgets
    (a check waits on the student's children, and on the reference's on a cold start)."""
    return 4 * limits.timeout + 120


def refused_training(module, checks) -> list[Result]:
    """The training checks of a network that is not the book's (``policy.book_network_difference``): not run,
    failed (``policy.require_book_network`` says why)."""
    from .checking import policy
    results = fail_all(module, checks, "", crashed=False)
    for result in results:
        policy.refused(result)
    return results


def run_training(submission, module, source, checks, limits, reference, device) -> list[Result]:
    from .checking import runner
    plan, reason = training_plan_or_reason(module, device)
    if plan is None:
        return skipped_training(module, checks, device, reason)
    data_dir = training_data_dir()
    budget = training_limits(plan, limits, reference, device, data_dir)
    # Their process records the graph; the replay, which alone sees the data, trains. A BatchNorm written
    # from scratch is replayed as the book's, which its own checks showed it computes: the training check
    # runs only once they pass (``policy.scratch_layer_difference``).
    sandbox = Sandbox(submission, module, limits, slot=1)
    measurer = Measurer(submission, module, budget, slot=3, data_dir=data_dir)
    student = Observer(sandbox, "student", device, measurer=measurer, module=module, reference=reference)
    sandbox.start(source)
    try:
        try:
            sandbox.request("import", f"importing {module}.py")
        except (StudentError, SandboxError) as error:
            message = error.message()
            return fail_all(module, checks, message)
        return runner.run_checks(module, student, reference, {"training"}, check_seconds(budget))
    finally:
        student.leave()
        sandbox.close()
        student.close()


def training_limits(plan: dict, limits: Limits, reference, device: str, data_dir=None) -> Limits:
    """The training check's limits: ``--train-timeout``, or more when the machine is busy (see options.py).

    The reference runs the first tenth of the same check in its own sandbox;
    from its time the whole run's is estimated. Only on the CPU: there the
    check shares two cores with everything else on the machine.
    """
    if device != "cpu":
        return limits
    probe = max(5, plan["steps"] // 10)
    try:
        pace = reference.pace(device, probe, data_dir if data_dir is not None else training_data_dir())
        estimate = pace["seconds"] + (plan["steps"] - pace["steps"]) * pace["train_seconds"] / max(pace["steps"], 1)
    except (GraderBroken, KeyError, TypeError, ZeroDivisionError) as error:
        print(f"grader: warning: could not time the reference's training ({error}); "
              f"the training budget stays {limits.timeout:g} s", file=sys.stderr)
        return limits
    budget = min(max(limits.timeout, TRAIN_PACE_FACTOR * estimate), max_train_seconds(limits.timeout))
    return dataclasses.replace(limits, timeout=round(budget, 1))


# Grading is deterministic, so a module file already graded in this process (a class
# hands in many untouched stubs and many copies of the same code) is not graded again.
RESULTS_CACHE: dict[tuple, tuple[list[Result], str]] = {}


def grade_module_cached(submission: Path, module: str, train: bool, limits: Limits, train_limits: Limits,
                        hidden: set[str], device: str, children: StudentChildren | None = None,
                        following: str | None = None) -> tuple[list[Result], str]:
    path = submission / f"{module}.py"
    grade = functools.partial(grade_module, submission, module, train, limits, train_limits, hidden, device,
                              children, following)
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 1_000_000:
            raise OSError
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return grade()
    key = (module, digest, train, device, limits.timeout, limits.memory_mb, train_limits.timeout)
    if key not in RESULTS_CACHE:
        RESULTS_CACHE[key] = grade()
    results, printed = RESULTS_CACHE[key]
    return [dataclasses.replace(r) for r in results], printed


def grade_submission(submission: Path, modules=MODULES, train: bool = True,
                     limits: Limits | None = None, train_limits: Limits | None = None,
                     device: str = "cpu") -> GradeReport:
    """Grade the modules of ``submission``; training checks run on ``device`` ("cpu" or "cuda")."""
    submission = Path(submission)
    if not submission.is_dir():
        raise GraderBroken(f"{submission} is not a readable folder")
    start_zygote()          # it imports torch while this process reads the hidden checks
    limits = limits or Limits()
    train_limits = train_limits or Limits(timeout=DEFAULT_TRAIN_TIMEOUT, memory_mb=limits.memory_mb)
    if device == "cuda":      # CUDA reserves address space by the gigabyte: only the wall clock bounds it
        train_limits = dataclasses.replace(train_limits, memory_mb=0)
    if train and any(training_plan_or_reason(m, device)[0] for m in modules):
        training_data_dir()        # no data: stop before grading anything
    started = time.monotonic()
    modules = tuple(modules)
    report = GradeReport(str(submission), maximum=maximum(modules, train, device))
    hidden = hidden_lines()
    children = StudentChildren(submission, limits)
    try:
        for index, module in enumerate(modules):
            following = modules[index + 1] if index + 1 < len(modules) else None
            results, printed = grade_module_cached(submission, module, train, limits, train_limits, hidden,
                                                   device, children, following)
            save_reference(module)
            report.results += results
            if printed.strip():
                report.printed[module] = printed
    finally:
        children.close()
    report.execution_time = time.monotonic() - started
    found = round(sum(r.max_score for r in report.results), 6)
    if abs(found - report.maximum) > 1e-6:      # a check that vanished or skipped: the grader's problem
        print(f"grader: warning: the checks of {submission} add up to a maximum of {found:g}, the "
              f"assignment's total is {report.maximum:g}", file=sys.stderr)
    return report


def resolve_device(choice: str) -> str:
    if choice != "auto":
        return choice
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"
