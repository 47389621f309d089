"""Align a student's computation with the book's, operation by operation, like two strings.

An operation of the book's is matched with one of the student's (the same,
or changed: same kind of operation, other settings; another activation or
pooling), or it is missing, or theirs is extra. Channel counts that simply
follow the previous layer are not a layer's own choice and are not compared.
"""
from __future__ import annotations

from math import prod

from .canonical import Node, Trace, as_written
from .ops import ACTIVATIONS, DROPOUTS, POOLS

NORMALIZATIONS = {"batch_norm", "scratch_batch_norm"}     # nn.BatchNorm and a BatchNorm written from scratch


def family(op: str) -> str | None:
    if op in ACTIVATIONS:
        return "activation"
    if op in POOLS:
        return "pooling"
    if op in DROPOUTS:
        return "dropout"
    return None


def related(a: str, b: str) -> bool:
    """Two operations of one kind: activations, poolings, or nn.BatchNorm and a BatchNorm from scratch."""
    return (family(a) is not None and family(a) == family(b)) or (a != b and {a, b} <= NORMALIZATIONS)


# -- alignment ---------------------------------------------------------------

def comparable_attrs(node: Node, trace: Trace, input_shape) -> dict:
    """Settings that are the layer's own choice: channel counts that only follow the previous layer are not."""
    attrs = dict(node.attrs)
    if node.op in ("conv2d", "linear"):
        w = attrs.pop("weight")
        attrs["out"] = w[0]
        attrs["kernel"] = w[2:]
        source = incoming_shape(node, trace, input_shape)
        given = None if source is None or len(source) < 2 else (
            source[1] if node.op == "conv2d" else prod(source[1:]))
        if given != w[1]:
            attrs["in"] = w[1]       # does not fit what it is given: the channels were not passed on
    if node.op == "batch_norm":
        attrs.pop("features", None)
    return attrs


def incoming_shape(node: Node, trace: Trace, input_shape):
    if not node.inputs:
        return None
    j = node.inputs[0]
    return tuple(input_shape) if j == -1 else trace.nodes[j].shape


def align(expected: Trace, found: Trace, e_shape, f_shape) -> list[tuple[int | None, int | None]]:
    """Needleman-Wunsch: a change costs less than a removal plus an insertion.

    When the student's pass stopped (it raised), the book's operations after
    the point it reached are free: the alignment ends where theirs ends."""
    E, F = expected.nodes, found.nodes
    e_attrs = [comparable_attrs(n, expected, e_shape) for n in E]
    f_attrs = [comparable_attrs(n, found, f_shape) for n in F]

    def cost(i, j):
        e, f = E[i], F[j]
        if as_written(e) == as_written(f):
            return 0.0
        if e.op == f.op:
            return 0.0 if e_attrs[i] == f_attrs[j] else 0.5
        if related(e.op, f.op):
            return 0.8
        return None
    n, m = len(E), len(F)
    INF = float("inf")
    score = [[INF] * (m + 1) for _ in range(n + 1)]
    move = [[None] * (m + 1) for _ in range(n + 1)]
    score[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = score[i][j]
            if here == INF:
                continue
            if i < n and j < m:
                c = cost(i, j)
                if c is not None and here + c < score[i + 1][j + 1]:
                    score[i + 1][j + 1], move[i + 1][j + 1] = here + c, "pair"
            if i < n and here + 1 < score[i + 1][j]:
                score[i + 1][j], move[i + 1][j] = here + 1, "missing"
            if j < m and here + 1 < score[i][j + 1]:
                score[i][j + 1], move[i][j + 1] = here + 1, "extra"
    i, j = n, m
    if not found.complete:
        i = min(range(n + 1), key=lambda k: (score[k][m], -k))
    pairs = []
    while i or j:
        step = move[i][j]
        if step == "pair":
            i, j = i - 1, j - 1
            pairs.append((i, j))
        elif step == "missing":
            i -= 1
            pairs.append((i, None))
        else:
            j -= 1
            pairs.append((None, j))
    pairs.reverse()
    return pairs
