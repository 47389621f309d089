"""One mistake, reported once and charged once.

A failing check that the diagnosis explains carries a cause (a ``Cause`` of
``computation.diagnose``), and the other mistakes the same diagnosis found.
Checks that fail for the same cause are one mistake: it costs at most
``CAUSE_SHARE`` of the network's points (training not counted), taken from
those checks in order, and is described once: the other checks say which
check reports it. Two different mistakes cost a share each. A failure that no local diagnosis
explains (code that does not run, a stub, a network far from the book's)
costs that check's points, as before. The training check is a measurement,
not a design check: it is charged on its own, with the cause named.

Behaviour and training points (checks marked ``needs_book_network``) are the
book's network's own: a network whose structure checks fail for what no local
diagnosis explains earns none of them (``require_book_network``), the cause
named once.
"""
from __future__ import annotations

from dataclasses import replace

from ..text import Text
from .outcome import clean_text
from .points import CAUSE_SHARE, design_points


def attribute(results, diagnosis) -> None:
    """Failures without a cause of their own (a wrong count, code that raised) get the network's first diagnosed
    mistake when it explains the network; failing that, the first mistake a block's check diagnosed."""
    if diagnosis is not None and diagnosis.local and diagnosis.first is not None:
        cause, origin = diagnosis.first, "network"
    else:
        local = [r.cause_detail[0] for r in results
                 if r.status == "failed" and getattr(r, "cause_detail", None) and r.cause_detail[1]]
        if not local or (diagnosis is not None and diagnosis.causes):
            return
        cause, origin = local[0], "block"
    for result in results:
        if result.status == "failed" and getattr(result, "cause_detail", None) is None \
                and "not implemented yet" not in result.output:
            result.cause_detail = (cause, True)
            result.attributed = origin          # truthy: the network's diagnosis, or a block's


def group_key(result, network_keys: set) -> tuple:
    """The mistake a failure belongs to. A block builder that ignores an argument (seen by a property check)
    is the one mistake the whole network shows, when the network shows exactly one."""
    cause, _ = result.cause_detail
    if result.kind == "property" and cause.key[0] == "argument" and len(network_keys) == 1 \
            and cause.key not in network_keys:
        return next(iter(network_keys))
    return cause.key


def block_of(cause) -> str | None:
    """The block instance a cause lies in (``layer 2 (Sequential) > [0] (Residual)``), None for a layer of the
    network's own top level."""
    parts = cause.where.split(" > ")
    return " > ".join(parts[:-1]) if len(parts) > 1 else None


def same_block(one, other) -> bool:
    """Departures inside one instance of a block come from one call of its builder: one mistake (a ResNet
    block built as if first_block were False has a stride and a shortcut convolution of its own)."""
    return block_of(one) is not None and block_of(one) == block_of(other)


def charge(results, module: str) -> None:
    budget: dict[tuple, float] = {}
    first: dict[tuple, object] = {}             # a mistake -> the result that reports it
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
        left = result.max_score - taken
        reported_here = []                  # other mistakes this check is the first to show
        for other in getattr(result, "also_causes", ()):      # another mistake it shows: its own share
            if other.key == key or same_block(other, cause):
                continue
            budget.setdefault(other.key, CAUSE_SHARE * design_points(module))
            extra = min(left, budget[other.key])
            budget[other.key] -= extra
            left -= extra
            if other.key not in first:
                first[other.key] = result
                reported_here.append(other)
        result.score = round(left, 6)
        if key in first:
            cost = CAUSE_SHARE * design_points(module)
            there = first[key]
            result.output = Text.say(
                f"the same mistake as in '{there.name}' ({cause.gist}), reported there; "
                f"one mistake costs at most {cost:g} of this network's points in all.",
                f"与“{there.title('zh')}”中的错误相同，已在那里报告；同一个错误在本网络中最多扣 {cost:g} 分。")
            if reported_here:               # not only a repeat: it names a mistake of its own
                result.output += Text.of(*(Text.say("another mistake, charged here:", "另一个错误（在此扣分）：")
                                           + other.message() for other in reported_here))
            else:
                result.same_as = there.name
        else:
            first[key] = result
            if getattr(result, "attributed", False):      # its own message does not name the mistake: add it
                result.output += Text.say("the mistake:", "错误所在：") + cause.message()
    for key, cause in because.items():
        result = first[key]
        shown = result.cause_detail[0]
        if shown.hint:      # the builder is what to change: a hint on one of the layers it built would mislead
            result.output = result.output.replaced(shown.message(), replace(shown, hint="", hint_zh="").message())
        result.output += Text.say(f"it comes from a builder ({cause.where}):", f"原因在构建函数中（{cause.where}）：") \
            + cause.message()


# -- points only for the book's network -------------------------------------------------------------------
#
# Behaviour, residual-identity and training points measure what the network does; a network that is not the
# book's (a Flatten and a Linear, a ReLU for a block) does many of those things too. So the checks marked
# ``needs_book_network`` earn their points only when the network's structure checks pass, or fail with a
# diagnosed local mistake (the notion the charging above uses: its own cause, or the network's diagnosis,
# not a block's). Otherwise they fail, the cause named once, in the first of them; the others say where.

NOT_THE_BOOK = "not the book's network"       # a cause's gist: the instructor's words (class summary)
KIND_WORDS = {"behaviour": ("behaviour", "行为检查"), "training": ("training", "训练检查")}


def book_network_difference(results) -> tuple[str, object] | None:
    """(the first difference, the structure check's result that found it) when the network is not the book's, nor
    within the policy of it; None when it is (or no structure check ran)."""
    for result in results:
        if result.kind != "structure" or result.status != "failed":
            continue
        detail = getattr(result, "cause_detail", None)
        if detail and detail[1] and getattr(result, "attributed", None) in (None, "network"):
            continue
        lines = [line for line in result.output.show("en").splitlines() if line.strip()]
        return getattr(result, "difference", "") or (lines[0] if lines else "its structure check failed"), result
    return None


def refused(result) -> None:
    """A check left out (a training run not started) because the network is not the book's."""
    result.needs_book, result.refused = True, True


def require_book_network(results, difference=None) -> None:
    """Fails every ``needs_book_network`` check that would earn points when the network is not the book's
    (``book_network_difference``), with the cause named once. Idempotent: run on the design checks, then
    again with the training check."""
    found = difference or book_network_difference(results)
    if found is None:
        return
    text, structure = found
    first = next((r for r in results if getattr(r, "gated", False) and not r.same_as), None)
    for result in results:
        if not getattr(result, "needs_book", False) or getattr(result, "gated", False) \
                or result.status == "skipped" or (result.score <= 0 and not getattr(result, "refused", False)):
            continue
        kind, kind_zh = KIND_WORDS.get(result.kind, (result.kind, result.kind))
        if first is None:
            first = result
            result.output = Text.say(f"your network is not the book's: {text}; {kind} points need the book's "
                                     f"network (see '{structure.name}').",
                                     f"你的网络不是书中的网络（见“{structure.title('zh')}”）：{kind_zh}的分数只给书中的网络。")
            result.same_as = ""
        else:
            result.output = Text.say(f"your network is not the book's, as reported in '{first.name}'; {kind} "
                                     "points need the book's network.",
                                     f"你的网络不是书中的网络（已在“{first.title('zh')}”中报告）：{kind_zh}的分数只给书中的网络。")
            result.same_as = first.name
        result.output = clean_text(result.output)        # the difference names the student's own layers
        result.status, result.score, result.cause, result.crashed = "failed", 0.0, NOT_THE_BOOK, False
        result.gated = True


# -- a layer written from scratch ---------------------------------------------------------------------------
#
# The BatchNorm from scratch is checked number by number (``checks marked scratch_layer``); the network then
# trains on a replay where that layer is the book's, so it trains only once those checks pass. Its statistics
# must be the student's own arithmetic: a layer that calls the library's normalization earns nothing of the
# part, whatever its numbers.

OWN_STATISTICS = "library normalization"


def scratch_layer_difference(results) -> tuple[str, object] | None:
    """(what is wrong, the result of the check that says so) when a check of the layer written from scratch failed."""
    for result in results:
        if getattr(result, "scratch_layer", False) and result.status == "failed" and not result.same_as:
            if result.cause == OWN_STATISTICS:
                return "its BatchNorm calls PyTorch's own normalization", result
            return "its BatchNorm does not yet compute the book's batch normalization", result
    return None


def require_own_statistics(results, calls: list[str]) -> None:
    """Fails every check of the part when the layer written from scratch calls the library's normalization
    (``calls``: the kernels seen), the cause named once."""
    if not calls:
        return
    first = None
    for result in results:
        if result.status == "skipped" or result.max_score <= 0:
            continue
        if first is None:
            first = result
            result.output = Text.say(
                f"your BatchNorm calls PyTorch's own normalization ({', '.join(calls)}). This part asks you to "
                "compute the batch's mean and variance yourself (for example X.mean(dim=...) and "
                "((X - mean) ** 2).mean(dim=...)), so no check of it earns points.",
                f"你的 BatchNorm 调用了 PyTorch 自带的归一化（{', '.join(calls)}）。本部分要求你自己计算批量的均值和方差"
                "（例如 X.mean(dim=...) 和 ((X - mean) ** 2).mean(dim=...)），因此本部分的检查都不得分。")
            result.same_as = ""
        else:
            result.output = Text.say(f"your BatchNorm calls PyTorch's own normalization, as reported in "
                                     f"'{first.name}'.",
                                     f"你的 BatchNorm 调用了 PyTorch 自带的归一化（已在“{first.title('zh')}”中报告）。")
            result.same_as = first.name
        result.output = clean_text(result.output)
        result.status, result.score, result.cause, result.crashed = "failed", 0.0, OWN_STATISTICS, False
        result.scratch_layer = True         # the network does not train either

