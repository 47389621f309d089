"""One check's result: what results.json, the report, the notebooks and ``batch`` all read."""
from __future__ import annotations

from dataclasses import dataclass

MAX_OUTPUT_CHARS = 4000


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

    def gradescope(self) -> dict:
        test = {"name": f"{self.module}: {self.name}", "score": round(self.score, 4),
                "max_score": round(self.max_score, 4),
                "status": "failed" if self.status == "failed" else "passed",
                "output": self.output[:MAX_OUTPUT_CHARS], "tags": [self.module, self.kind]}
        if self.cause:
            test["extra_data"] = {"cause": self.cause, "same_as": self.same_as}
        return test
