"""Do a network's computations produce the book's shapes, whatever its grouping?

The book prints one row per top-level layer of an ``nn.Sequential``. A
network that groups its layers differently (the head as one ``Sequential``,
a wrapper class holding ``self.net``, a block class of its own, an
``nn.Module`` with ``forward``) computes the same tensors, just printed
differently. So shapes are judged on the computation: every shape of the
book's table must be produced by the network, in order (shapes that only
flatten, like ``[1, 512, 1, 1]`` and ``[1, 512]``, count as one), and the
last one must be its output. The visible tests and the hidden grader use
this one rule; the book's table stays the teaching aid. (The shapes a network
produces come from its recorded graph: ``computation.record.produced_shapes``.)
"""
from __future__ import annotations

from math import prod


def key(shape) -> tuple:
    """``(batch, C, H, W)`` as it is; anything flat (``[1, 512, 1, 1]``, ``[1, 512]``) as ``(batch, numel)``."""
    shape = tuple(shape)
    rest = shape[1:]
    while len(rest) > 1 and rest[-1] == 1:
        rest = rest[:-1]
    return (shape[0], prod(rest)) if len(rest) <= 1 else (shape[0], *rest)


def book_keys(rows) -> list[tuple[int, tuple]]:
    """``(row index, key)`` of the book's rows, a row that keeps its predecessor's shape left out."""
    keys: list[tuple[int, tuple]] = []
    for i, row in enumerate(rows):
        k = key(row.shape)
        if keys and (keys[-1][1] == k or (len(k) == 2 and numel(keys[-1][1]) == numel(k))):
            continue        # same shape, or the same numbers flattened (Flatten after pooling)
        keys.append((i, k))
    return keys


def numel(k: tuple) -> int:
    return prod(k[1:])


def first_missing_row(rows, produced: dict) -> int | None:
    """Index of the first book row whose shape the network never produces (in order); ``None``: all are."""
    keys = book_keys(rows)
    produced_keys = [key(s) for s in produced["shapes"]]
    position = 0
    for index, (row, k) in enumerate(keys):
        last = index == len(keys) - 1
        if last:
            if produced["output"] is None or key(produced["output"]) != k:
                return row
            continue
        while position < len(produced_keys) and produced_keys[position] != k:
            position += 1
        if position == len(produced_keys):
            return row
        position += 1
    return None


def marked_row(rows, found, missing: int) -> int:
    """The row to point at: where the student's table first differs when it is grouped as the book's
    (same layer names, row by row), else the first book row their computation never produces."""
    if found is not None and [r.name for r in found] == [r.name for r in rows][:len(found)]:
        for i, (book, theirs) in enumerate(zip(rows, found)):
            if book != theirs:
                return i
        if len(found) < len(rows):
            return len(found)
    return missing
