"""The pytest plugin that runs the hidden tests against one submission's networks.

It gives every test its fixtures (``network``: the book's spec of the network;
``builder``: one of its block builders; ``student`` and ``reference``:
observers of the two sandboxed modules), parametrizes each test over the
networks it applies to (``@pytest.mark.networks(...)``, all by default) and
records each test's outcome as a ``Result``. Nothing is printed.
"""
from __future__ import annotations

import signal
import threading
from dataclasses import dataclass

import pytest

from .. import strategies
from ..report import CheckFailure, shape_text
from ..spec import NETWORKS, NetworkSpec
from ..text import Text
from .outcome import Result
from .points import KINDS, POINTS


class CheckOutOfTime(Exception):
    """A check ran past its wall-clock limit in the grading process (``GradingPlugin.check_seconds``)."""

MARKERS = ("kind(name): which kind of check this is (shapes, params, structure, property, behaviour, training, "
           "or a course's own)",
           "networks(*modules): the networks this check applies to (default: all)",
           "points(value): points of a course's own check (the kit's checks share POINTS)",
           "needs_book_network: points only for a network that is the book's, or differs from it only by "
           "diagnosed local mistakes (policy.require_book_network)",
           "scratch_layer: checks the arithmetic of a layer the student writes from scratch; the network trains "
           "only once they pass (policy.scratch_layer_difference)")


@dataclass(frozen=True)
class CheckInfo:
    nodeid: str
    module: str
    kind: str
    name: str
    points: float
    needs_book: bool = False      # marked needs_book_network: see policy.require_book_network
    scratch_layer: bool = False   # marked scratch_layer: see policy.scratch_layer_difference
    name_zh: str = ""


def builders(module: str) -> list[str]:
    return [name for name in NETWORKS[module].student_names if name in strategies.BUILDERS]


ZH_NAME = "中文："       # a check's docstring line that gives its name in Chinese


def check_names(item) -> tuple[str, str]:
    """The check's name in English (its docstring's first line) and in Chinese (its line ``中文：...``;
    "" when it has none), with ``{call}``, ``{input}`` and ``{builder}`` filled in."""
    lines = [line.strip() for line in (item.function.__doc__ or item.function.__name__).strip().splitlines()]
    chinese = next((line[len(ZH_NAME):].strip() for line in lines if line.startswith(ZH_NAME)), "")
    params = item.callspec.params
    spec = params["network"]
    fields = dict(call=spec.call, input=shape_text(spec.input_shape), builder=params.get("builder", ""))
    return lines[0].format(**fields), chinese.format(**fields)


def applies(item) -> bool:
    """A test parametrized for one of the networks graded now (an empty parametrization is not)."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and isinstance(callspec.params.get("network"), NetworkSpec)


def kind_of(item) -> str:
    marker = item.get_closest_marker("kind")
    return marker.args[0] if marker else "course"


class GradingPlugin:
    def __init__(self, modules, kinds=None, students=None, references=None, check_seconds=None):
        self.modules = tuple(modules)
        # Each check's wall-clock limit in this process: the children's budgets bound what they do, this
        # bounds the rest (the grader's own work on what they sent), whatever a submission sends.
        self.check_seconds = check_seconds
        self.timed_out: set[str] = set()
        self.kinds = set(kinds) if kinds is not None else None
        self.students = students or {}
        self.references = references or {}
        self.checks: list[CheckInfo] = []
        self.results: dict[str, Result] = {}
        self.notes: dict[str, str] = {}
        self.broken: BaseException | None = None      # the grader itself failed: re-raised by the runner
        self.explain = None                           # turns a student's error into a message (runner sets it)

    # -- collection ----------------------------------------------------------
    def pytest_configure(self, config):
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_generate_tests(self, metafunc):
        if "network" not in metafunc.fixturenames:
            return
        marker = metafunc.definition.get_closest_marker("networks")
        wanted = set(marker.args) if marker else set(NETWORKS)
        modules = [m for m in self.modules if m in wanted]
        if "builder" in metafunc.fixturenames:
            pairs = [(NETWORKS[m], b) for m in modules for b in builders(m)]
            metafunc.parametrize(("network", "builder"), pairs, ids=[f"{s.module}-{b}" for s, b in pairs])
        else:
            metafunc.parametrize("network", [NETWORKS[m] for m in modules], ids=modules)

    def pytest_collection_modifyitems(self, session, config, items):
        selected = [i for i in items if applies(i) and (self.kinds is None or kind_of(i) in self.kinds)]
        deselected = [i for i in items if i not in selected]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        order = {kind: n for n, kind in enumerate(KINDS)}     # the basic kinds first: a mistake is charged there
        items[:] = sorted(selected, key=lambda i: order.get(kind_of(i), len(order)))
        counts: dict[tuple[str, str], int] = {}
        for item in items:
            if item.get_closest_marker("points") is None:
                key = (item.callspec.params["network"].module, kind_of(item))
                counts[key] = counts.get(key, 0) + 1
        for item in items:
            module, kind = item.callspec.params["network"].module, kind_of(item)
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker else POINTS[module].get(kind, 0) / counts[(module, kind)]
            needs_book = item.get_closest_marker("needs_book_network") is not None
            scratch = item.get_closest_marker("scratch_layer") is not None
            name, name_zh = check_names(item)
            self.checks.append(CheckInfo(item.nodeid, module, kind, name, points, needs_book, scratch, name_zh))

    # -- fixtures --------------------------------------------------------------
    @pytest.fixture
    def student(self, network):
        return self.students[network.module]

    @pytest.fixture
    def reference(self, network):
        return self.references[network.module]

    @pytest.fixture
    def note(self, request):
        """``note(text)``: a remark shown with a passing check (e.g. the book's grouping of the layers)."""
        def add(text: str) -> None:
            if text:
                self.notes[request.node.nodeid] = text
        return add

    # -- a wall-clock limit for every check -----------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if not self.check_seconds or threading.current_thread() is not threading.main_thread():
            yield
            return

        def out_of_time(_signum, _frame):
            self.timed_out.add(item.nodeid)
            raise CheckOutOfTime()
        previous = signal.signal(signal.SIGALRM, out_of_time)
        signal.setitimer(signal.ITIMER_REAL, self.check_seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if item.nodeid in self.timed_out:
                self.stop_students()

    def stop_students(self) -> None:
        """After a check ran out of time its children may be half-way through a reply: stop them."""
        for observer in self.students.values():
            for box in (getattr(observer, "sandbox", None),
                        getattr(getattr(observer, "measurer", None), "sandbox", None)):
                if box is not None and hasattr(box, "refuse") and box.dead is None:
                    box.refuse("timeout", f"stopped: a check ran past {self.check_seconds:g} s",
                               f"已停止：某项检查超过 {self.check_seconds:g} 秒")

    # -- outcomes --------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
    def pytest_failure_report_without_traceback(self, item, call):
        """A failed check's report, without pytest's formatted traceback: ``result`` reads the exception
        itself, and pytest's formatting parses the source of every frame (0.17 s a failed check, most of
        an unfinished stub's grading). Passes and skips get pytest's own report."""
        error = call.excinfo
        if error is None or isinstance(error.value, (pytest.skip.Exception, BaseExceptionGroup)):
            return None
        return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed",
                                 error.exconly(), call.when, [], call.duration, call.start, call.stop,
                                 user_properties=item.user_properties)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        info = next(c for c in self.checks if c.nodeid == item.nodeid)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results[item.nodeid] = self.result(info, report, call)

    def result(self, info: CheckInfo, report, call) -> Result:
        def made(status, score, output="", crashed=False, cause=None):
            result = Result(info.module, info.kind, info.name, info.points, score, status, output, crashed,
                            name_zh=info.name_zh)
            result.cause_detail = cause
            result.needs_book, result.scratch_layer = info.needs_book, info.scratch_layer
            return result
        if report.passed:
            return made("passed", info.points, self.notes.get(info.nodeid, ""))
        if report.skipped:
            reason = call.excinfo.value.msg if call.excinfo is not None else "skipped"
            return made("skipped", 0.0, Text.say(reason, "此项检查在这台机器上不运行。"))
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, CheckFailure):
            result = made("failed", 0.0, error.text, cause=error.cause)
            result.also_causes = getattr(error, "also", ())
            result.difference = getattr(error, "difference", "")
            return result
        if isinstance(error, CheckOutOfTime):
            return made("failed", 0.0, Text.say(
                f"this check took the grader more than {self.check_seconds:g} s with what your code sent "
                "(a far larger network than the book's?)",
                f"此项检查超过 {self.check_seconds:g} 秒（你的网络是否远大于书中的网络？）"), crashed=True)
        message, crashed, broken = self.explain(error)
        if broken:
            self.broken = error
        return made("failed", 0.0, message, crashed=crashed)

    def outcomes(self) -> list[Result]:
        return [self.results[c.nodeid] for c in self.checks if c.nodeid in self.results]
