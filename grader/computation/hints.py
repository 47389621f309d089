"""A hint that tells the student to change something is given only when that change works.

"remove this Linear", "add global average pooling here", "set stride=1":
before such a hint reaches a student, the grader makes that change to the
student's recorded computation (the operation taken out, the book's put in,
the book's settings given to theirs) and aligns the result with the book's
again (``alignment.align``). The hint stands only when the change removes a
departure and creates none at a place of the book's that matched before;
otherwise the message describes what the book does and what theirs does,
and prescribes nothing. A hint that would remove an operation the book has
there can never pass: the book's operation would then be missing.

A student follows a hint by changing a line of code, and that line built
every operation of the same place in the same kind of block (``conv1`` of
every ``Residual``): the change is made to all of them (``same_code``). "set
stride=1 on this layer" then fails where other blocks need their stride 2,
and "remove this Conv2d" where other blocks need their shortcut convolution.
"""
from __future__ import annotations

from dataclasses import replace

from .alignment import align, comparable_attrs
from .canonical import Node, Trace


def departures(expected: Trace, found: Trace, shape) -> list[tuple[int | None, int | None]]:
    """The aligned pairs that differ: an operation missing, extra, or with other settings."""
    pairs = align(expected, found, shape, shape)
    return [(i, j) for i, j in pairs if i is None or j is None or expected.nodes[i].op != found.nodes[j].op
            or comparable_attrs(expected.nodes[i], expected, shape) != comparable_attrs(found.nodes[j], found, shape)]


def same_code(one: Node, other: Node) -> bool:
    """Two operations built by one line of the student's code: the same attribute of the same class of block
    (``Residual`` > ``conv1``), or the same place of the network when it is not in a block."""
    if len(one.where) < 2 or len(other.where) < 2:
        return one.where == other.where
    return one.where[-1] == other.where[-1] and one.where[-2][1] == other.where[-2][1] and one.op == other.op


def built_alike(found: Trace, j: int) -> list[int]:
    return [k for k, node in enumerate(found.nodes) if k == j or same_code(node, found.nodes[j])]


def removed_all(found: Trace, js: list[int]) -> Trace:
    for j in sorted(js, reverse=True):          # from the last: the earlier positions stay as they are
        found = removed(found, j)
    return found


def removed(found: Trace, j: int) -> Trace:
    """``found`` without its ``j``-th operation; what it fed is fed by that operation's input instead."""
    source = found.nodes[j].inputs[0] if found.nodes[j].inputs else -1
    position = {old: new for new, old in enumerate(k for k in range(len(found.nodes)) if k != j)}

    def moved(k: int) -> int:
        k = source if k == j else k
        return -1 if k == -1 else position[k]
    nodes = [replace(node, inputs=[moved(k) for k in node.inputs])
             for index, node in enumerate(found.nodes) if index != j]
    return Trace(nodes, found.error)


def inserted(found: Trace, after: int, node: Node) -> Trace:
    """``found`` with ``node`` right after its ``after``-th operation (-1: at the start), fed by it; the next
    operation that used ``after``'s result uses ``node``'s instead."""
    at = after + 1
    shift = {k: (k if k < at else k + 1) for k in range(len(found.nodes))}
    shift[-1] = -1
    nodes, rewired = [], False
    for index, old in enumerate(found.nodes):
        if index == at:
            nodes.append(replace(node, inputs=[after]))
        inputs = []
        for k in old.inputs:
            if k == after and not rewired and index >= at:
                inputs.append(at)
                rewired = True
            else:
                inputs.append(shift[k])
        nodes.append(replace(old, inputs=inputs))
    if at >= len(found.nodes):
        nodes.append(replace(node, inputs=[after]))
    return Trace(nodes, found.error)


def changed(found: Trace, j: int, book: Node) -> Trace:
    """``found`` with its ``j``-th operation replaced by the book's (its kind and settings); a setting that
    differs (a stride, a padding) is changed in every operation the same line of code built."""
    nodes = list(found.nodes)
    mine = nodes[j]
    if mine.op != book.op:
        nodes[j] = replace(mine, op=book.op, attrs=dict(book.attrs))
        return Trace(nodes, found.error)
    differing = {k: v for k, v in book.attrs.items() if mine.attrs.get(k) != v and k != "weight"}
    for k in built_alike(found, j):
        nodes[k] = replace(nodes[k], attrs={**nodes[k].attrs, **differing})
    if book.attrs.get("weight") != mine.attrs.get("weight"):
        nodes[j] = replace(nodes[j], attrs={**nodes[j].attrs, "weight": book.attrs.get("weight")})
    return Trace(nodes, found.error)


def works(expected: Trace, found: Trace, edited: Trace, shape) -> bool:
    """The change removes a departure and creates none where the book matched before."""
    before, after = departures(expected, found, shape), departures(expected, edited, shape)
    book_before = {i for i, _ in before if i is not None}
    return len(after) < len(before) and {i for i, _ in after if i is not None} <= book_before


def edit_works(expected: Trace, found: Trace, shape, edit: tuple) -> bool:
    """``edit``: ``("remove", j)``, ``("insert", after, i)`` or ``("change", j, i)`` (``i``: the book's
    operation). Removing the operation that raised is never a fix by itself: it only hides where it broke."""
    kind = edit[0]
    if kind == "remove":
        j = edit[1]
        if found.nodes[j].failed:
            return False
        return works(expected, found, removed_all(found, built_alike(found, j)), shape)
    if kind == "insert":
        return works(expected, found, inserted(found, edit[1], expected.nodes[edit[2]]), shape)
    if kind == "change":
        return works(expected, found, changed(found, edit[1], expected.nodes[edit[2]]), shape)
    return False
