"""One mistake, reported once and charged once.

A failing check that the diagnosis explains carries a cause (a ``Cause`` of
``computation.diagnose``). Checks that fail for the same cause are one
mistake: it costs at most ``CAUSE_SHARE`` of the network's points (training
not counted), taken from those checks in order, and is described once: the
other checks say which check reports it. A failure that no local diagnosis
explains (code that does not run, a stub, a network far from the book's)
costs that check's points, as before. The training check is a measurement,
not a design check: it is charged on its own, with the cause named.
"""
from __future__ import annotations

from .points import CAUSE_SHARE, design_points


def attribute(results, diagnosis) -> None:
    """Failures without a cause of their own (a wrong count, code that raised) get the network's first diagnosed
    mistake when it explains the network; failing that, the first mistake a block's check diagnosed."""
    if diagnosis is not None and diagnosis.local and diagnosis.first is not None:
        cause = diagnosis.first
    else:
        local = [r.cause_detail[0] for r in results
                 if r.status == "failed" and getattr(r, "cause_detail", None) and r.cause_detail[1]]
        if not local or (diagnosis is not None and diagnosis.causes):
            return
        cause = local[0]
    for result in results:
        if result.status == "failed" and getattr(result, "cause_detail", None) is None \
                and "not implemented yet" not in result.output:
            result.cause_detail = (cause, True)
            result.attributed = True


def group_key(result, network_keys: set) -> tuple:
    """The mistake a failure belongs to. A block builder that ignores an argument (seen by a property check)
    is the one mistake the whole network shows, when the network shows exactly one."""
    cause, _ = result.cause_detail
    if result.kind == "property" and cause.key[0] == "argument" and len(network_keys) == 1 \
            and cause.key not in network_keys:
        return next(iter(network_keys))
    return cause.key


def charge(results, module: str) -> None:
    budget: dict[tuple, float] = {}
    first: dict[tuple, str] = {}
    first_result: dict[tuple, object] = {}
    because: dict[tuple, object] = {}          # the builder's argument behind a network's one mistake
    network_keys = {r.cause_detail[0].key for r in results if r.kind == "structure" and r.status == "failed"
                    and getattr(r, "cause_detail", None) and r.cause_detail[1]}
    for result in results:
        detail = getattr(result, "cause_detail", None)
        if result.status != "failed" or not detail:
            continue
        cause, local = detail
        result.cause = cause.gist
        if not local or result.kind == "training":
            result.score = 0.0
            continue
        key = group_key(result, network_keys)
        if key != cause.key:
            because.setdefault(key, cause)
        budget.setdefault(key, CAUSE_SHARE * design_points(module))
        taken = min(result.max_score, budget[key])
        budget[key] -= taken
        result.score = round(result.max_score - taken, 6)
        if key in first:
            result.same_as = first[key]
            cost = CAUSE_SHARE * design_points(module)
            result.output = (f"the same mistake as in '{first[key]}' ({cause.gist}), reported there; "
                             f"one mistake costs at most {cost:g} of this network's points in all.\n"
                             f"与“{first[key]}”中的错误相同（{cause.gist}），已在那里报告；"
                             f"同一个错误在本网络中最多扣 {cost:g} 分。")
        else:
            first[key], first_result[key] = result.name, result
            if getattr(result, "attributed", False):      # its own message does not name the mistake: add it
                result.output += "\n" + "the mistake / 错误所在：\n" + cause.message()
    for key, cause in because.items():
        first_result[key].output += ("\n" + f"it comes from a builder / 原因在构建函数中 ({cause.where}):\n"
                                     + cause.message())
