"""One check's result: what results.json, the report, the notebooks and ``batch`` all read."""
from __future__ import annotations

from dataclasses import dataclass

from ..escaping import inert
from ..report import localise

MAX_OUTPUT_CHARS = 4000
MAX_TEXT_CHARS = 20_000     # one result's message, however much a submission makes it say


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Text that may come from a submission (names, messages), shown as text: no terminal control
    characters, bounded length. Results are built with it, so every report gets clean text."""
    text = inert(text, lines=True)
    return text if len(text) <= limit else text[:limit // 2] + "\n[... cut ...]\n" + text[-limit // 2:]


class GraderBroken(Exception):
    """The grader itself could not run (as opposed to a submission failing)."""


@dataclass
class Result:
    module: str
    kind: str
    name: str
    max_score: float
    score: float
    status: str               # passed | failed | skipped
    output: str = ""
    crashed: bool = False     # failed because the code raised, hung or died (its output may explain)
    cause: str = ""           # the diagnosed mistake, in a few words ("" when none was diagnosed)
    same_as: str = ""         # another check that reports (and charges) the same mistake

    def __post_init__(self):
        self.name, self.output = clean_text(self.name, 500), clean_text(self.output)

    @property
    def counted(self) -> bool:
        """Part of the total: all but a check skipped for the device (0 of 0, see ``grade.maximum``)."""
        return not (self.status == "skipped" and self.max_score == 0)

    def gradescope(self, lang: str = "both") -> dict:
        """One test of Gradescope's results.json, whose status reads as what happened: ``passed`` for every
        point earned (a check that only repeats a mistake charged in another check keeps its points, and
        its name says so), ``failed`` for points lost (a check that did not run loses its points and says
        so). A check out of the total is not written (``GradeReport.gradescope``)."""
        name, status = f"{self.module}: {self.name}", "passed"
        if self.status == "skipped":
            name, status = name + localise(" (not run / 未运行)", lang), "failed"
        elif self.status == "failed" and self.same_as and self.score >= self.max_score:
            name += localise(" (same mistake as another check, charged there / 同一错误，已在别处扣分)", lang)
        elif self.status == "failed":
            status = "failed"
        test = {"name": name, "score": round(self.score, 4), "max_score": round(self.max_score, 4),
                "status": status, "output": localise(self.output, lang)[:MAX_OUTPUT_CHARS],
                "tags": [self.module, self.kind]}
        if self.cause:
            test["extra_data"] = {"cause": self.cause, "same_as": self.same_as}
        return test
