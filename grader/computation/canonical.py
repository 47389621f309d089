"""The recorded graph read back in a canonical order.

A depth-first walk from the output that visits each node's inputs in
argument order (sorted for commutative operations) gives two networks that
compute the same thing the same trace, whatever their statement order,
attribute names, nesting, registration order or wrappers; any change to a
layer, an activation, a branch order or a connection changes it.

For aligning two traces that differ (``diagnose.py``), ``order="align"``
visits the inputs of an addition by how many layers lie behind them (the
main branch of a residual block before its shortcut), which one missing
activation does not change, and ``order="align-branches"`` also visits the
inputs of a concatenation by each branch's skeleton (operations and
kernels, not channels), so that branches concatenated in another order
still line up.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..escaping import inert
from .ops import COMMUTATIVE


@dataclass
class Node:
    op: str
    attrs: dict
    inputs: list[int]             # indices of producing nodes; -1 is the network's input
    shape: tuple[int, ...] | None
    where: tuple = ()             # ((name, class), ...) from the top of the student's model
    failed: str | None = None     # the error, for the call that raised
    digest: str = ""
    skeleton: str = ""
    index: int = -1               # its position in the recorded graph
    written: tuple | None = None  # (op, attrs) as the code wrote it, where the recorder named it otherwise (a
                                  # pooling whose window is its whole input is global pooling): ``as_written``
    absorbed: tuple = ()          # (op, attrs) of operations the code applied to its output that computed
                                  # nothing there (a global pooling of a 1x1 input): ``as_written``
    absorbed_at: tuple = ()       # where each of them is (a Flatten: a layer of the student's with no node)

    def signature(self):
        return self.op, self.attrs, self.inputs, self.shape, self.failed is None


@dataclass
class Trace:
    nodes: list[Node] = field(default_factory=list)    # in canonical order
    error: str | None = None                           # the forward pass raised (the trace stops there)

    @property
    def complete(self) -> bool:
        return self.error is None


def tupled(value):
    return tuple(value) if isinstance(value, list) else value     # ``validate``: lists hold scalars only


MAX_NODES = 100_000       # a recorded graph's operations, at most (the book's largest has 138)
MAX_ATTRS = 32            # settings of one operation
MAX_LIST = 16             # numbers in one setting (a weight's shape, a kernel)
MAX_TEXT = 200            # characters of one string (a setting, a layer's or class's name)
MAX_WHERE = 256           # modules on the way down to one operation
SCALARS = (bool, int, float, str, type(None))


# Comparing a student's graph with the book's (``diagnose.align``) costs the product of their sizes, in the
# grading process: a graph far larger than the book's is not compared (``too_large``), whatever it holds.
SIZE_FACTOR = 20          # operations of the book's network (or block) times this, at most
SIZE_FLOOR = 500          # or this many, for the smallest blocks


def size_limit(expected: dict) -> int:
    return max(SIZE_FLOOR, SIZE_FACTOR * len(expected["nodes"]))


def too_large(expected: dict, found: dict) -> bool:
    """``found`` (a validated graph) has far more operations than ``expected``, the book's: not compared."""
    return len(found["nodes"]) > size_limit(expected)


def validate(data) -> dict:
    """A recorded graph as ``record.record`` makes it, or ``ValueError``: it comes from a child, which the
    submission may have taken over. Every part is checked for type and size before the grader builds
    anything from it (settings hold scalars or short flat lists of numbers: nothing to recurse into), and
    the names the student chose (``where``, what failed) are made inert (``escaping``) for every message."""
    def fail(why):
        raise ValueError(f"malformed graph: {why}")
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        fail("not a dict with a list of nodes")
    nodes = data["nodes"]
    if len(nodes) > MAX_NODES:
        fail(f"{len(nodes):,} operations (at most {MAX_NODES:,})")
    for k, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("op"), str) or len(node["op"]) > 100 \
                or not isinstance(node.get("attrs"), dict) or not isinstance(node.get("inputs"), list):
            fail(f"node {k}")
        if any(type(j) is not int or not -1 <= j < k for j in node["inputs"]):
            fail(f"node {k}: inputs must be earlier nodes")
        if not valid_attrs(node["attrs"]):
            fail(f"node {k}: settings")
        node["attrs"] = {key: inert(v) if isinstance(v, str) else v for key, v in node["attrs"].items()}
        for key in ("shape", "in_shape"):
            shape = node.get(key)
            if shape is not None and (not isinstance(shape, list) or len(shape) > 8
                                      or any(type(d) is not int or not 0 <= d < 2**40 for d in shape)):
                fail(f"node {k}: {key}")
        where = node.get("where", [])
        if not isinstance(where, list) or len(where) > MAX_WHERE or any(
                not isinstance(w, list) or len(w) != 2 or not all(isinstance(x, str) and len(x) <= MAX_TEXT
                                                                  for x in w) for w in where):
            fail(f"node {k}: where")
        node["where"] = [[inert(name), inert(cls)] for name, cls in where]
        if node.get("failed") is not None:
            if not isinstance(node["failed"], str):
                fail(f"node {k}: failed")
            node["failed"] = inert(node["failed"][:300])
        if node.get("layer") is not None and type(node["layer"]) is not int:
            fail(f"node {k}: layer")
        absorbed = node.get("absorbed", [])
        if not isinstance(absorbed, list) or len(absorbed) > 8:
            fail(f"node {k}: absorbed")
        for key, forms in (("written", [node.get("written")]), ("absorbed", absorbed)):
            for form in forms:
                if form is not None and not valid_form(form):
                    fail(f"node {k}: {key}")
        if node.get("written") is not None:
            node["written"] = inert_form(node["written"])
        if absorbed:
            node["absorbed"] = [inert_form(form) for form in absorbed]
    output = data.get("output")
    if output is not None and (type(output) is not int or not -1 <= output < len(nodes)):
        fail("output")
    if data.get("error") is not None and not isinstance(data["error"], str):
        fail("error")
    shape = data.get("output_shape")
    if shape is not None and (not isinstance(shape, list) or len(shape) > 8
                              or any(type(d) is not int or not 0 <= d < 2**40 for d in shape)):
        fail("output_shape")
    return data


def valid_form(form) -> bool:
    """An operation as the code wrote it: ``{"op": name, "attrs": settings}`` (and its ``where``)."""
    return isinstance(form, dict) and isinstance(form.get("op"), str) and len(form["op"]) <= 100 \
        and isinstance(form.get("attrs"), dict) and valid_attrs(form["attrs"]) and valid_where(form.get("where", []))


def valid_where(where) -> bool:
    return isinstance(where, list) and len(where) <= MAX_WHERE and all(
        isinstance(w, list) and len(w) == 2 and all(isinstance(x, str) and len(x) <= MAX_TEXT for x in w)
        for w in where)


def inert_form(form: dict) -> dict:
    inert_where = {"where": [[inert(name), inert(cls)] for name, cls in form["where"]]} if "where" in form else {}
    return {"op": inert(form["op"]), "attrs": {k: inert(v) if isinstance(v, str) else v
                                               for k, v in form["attrs"].items()}, **inert_where}


def valid_attrs(attrs: dict) -> bool:
    """An operation's settings as ``record`` writes them: scalars, or short flat lists of numbers."""
    if len(attrs) > MAX_ATTRS:
        return False
    for key, value in attrs.items():
        if not isinstance(key, str) or len(key) > 64:
            return False
        if isinstance(value, list):
            if len(value) > MAX_LIST or not all(isinstance(v, SCALARS) and not isinstance(v, str) for v in value):
                return False
        elif not isinstance(value, SCALARS) or (isinstance(value, str) and len(value) > MAX_TEXT):
            return False
    return True


def raw_nodes(data: dict) -> list[Node]:
    return [Node(d["op"], {k: tupled(v) for k, v in d["attrs"].items()}, list(d["inputs"]),
                 tuple(d["shape"]) if d["shape"] is not None else None,
                 tuple(tuple(w) for w in d.get("where", ())), d.get("failed"),
                 written=written_form(d.get("written")),
                 absorbed=tuple(written_form(a) for a in d.get("absorbed", ())),
                 absorbed_at=tuple(tuple(tuple(w) for w in a.get("where", ())) for a in d.get("absorbed", ())))
            for d in data["nodes"]]


def written_form(written: dict | None) -> tuple | None:
    if not written:
        return None
    return written["op"], {k: tupled(v) for k, v in written["attrs"].items()}


def as_written(node: Node) -> tuple:
    """The operation and settings as the code wrote them: ``AvgPool2d(2)`` on a 2x2 input is recorded as
    global average pooling (the same function), and still reads as the book's ``AvgPool2d(2)``."""
    return node.written or (node.op, node.attrs)


STRUCTURAL = {"conv2d": ("stride",), "max_pool2d": ("kernel", "stride"), "avg_pool2d": ("kernel", "stride")}


def structural_attrs(node: Node):
    keep = [(k, node.attrs.get(k)) for k in STRUCTURAL.get(node.op, ())]
    if node.op == "conv2d":
        keep.append(("kernel", node.attrs["weight"][2:]))
    return keep


def canonical(data: dict, order: str = "exact") -> Trace:
    """Read the raw graph ``data`` (``record.record``'s) back from its output, or from the call that failed."""
    nodes = raw_nodes(data)
    start = data.get("output")
    if start is None:
        failed = [i for i, n in enumerate(nodes) if n.failed]
        start = failed[-1] if failed else (len(nodes) - 1 if nodes else None)
    if start is None or start == -1:
        return Trace([], data.get("error"))
    # Every node's inputs come before it (``validate``): digests, skeletons and depths are computed in that
    # order, each from its inputs' (no recursion: a chain of 1,500 ReLUs is as deep as the graph is long).
    reached = ancestors(nodes, start)
    digests: dict[int, str] = {-1: "input"}
    skeletons: dict[int, str] = {-1: "input"}
    depths: dict[int, int] = {-1: 0}      # layers with weights on the longest path from the input
    lengths: dict[int, int] = {-1: 0}     # operations on the longest path: breaks a tie of depths
    for i in reached:
        node = nodes[i]
        children = [digests[j] for j in node.inputs]
        if node.op in COMMUTATIVE:
            children.sort()
        text = f"{node.op}{sorted(node.attrs.items())}{node.shape}{children}"
        digests[i] = hashlib.sha1(text.encode()).hexdigest()
        below = sorted(skeletons[j] for j in node.inputs)
        skeletons[i] = hashlib.sha1(f"{node.op}{structural_attrs(node)}{below}".encode()).hexdigest()
        depths[i] = max((depths[j] for j in node.inputs), default=0) + (node.op in ("conv2d", "linear"))
        lengths[i] = max((lengths[j] for j in node.inputs), default=0) + 1
    digest, skeleton, depth = digests.__getitem__, skeletons.__getitem__, depths.__getitem__

    def ordered_inputs(node: Node) -> list[int]:
        if node.op in COMMUTATIVE:
            if order == "exact":
                return sorted(node.inputs, key=digest)
            # the main branch first, as the book writes it: deeper, then longer (a block that lost its
            # second convolution is as deep as its shortcut's 1x1 convolution, and still the longer path)
            return sorted(node.inputs, key=lambda j: (-depth(j), -lengths[j], skeleton(j)))
        if node.op == "cat" and order == "align-branches":
            return sorted(node.inputs, key=skeleton)
        return node.inputs

    position: dict[int, int] = {}
    emitted: list[Node] = []
    stack = [(start, False)]
    while stack:                    # iterative post-order: deep networks overflow recursion
        i, expanded = stack.pop()
        if i == -1 or i in position:
            continue
        node = nodes[i]
        if expanded:
            inputs = [-1 if j == -1 else position[j] for j in ordered_inputs(node)]
            position[i] = len(emitted)
            emitted.append(Node(node.op, node.attrs, inputs, node.shape, node.where, node.failed,
                                digest(i), skeleton(i), i, node.written, node.absorbed, node.absorbed_at))
            continue
        stack.append((i, True))
        for j in reversed(ordered_inputs(node)):
            stack.append((j, False))
    return Trace(emitted, data.get("error"))


def ancestors(nodes: list[Node], start: int) -> list[int]:
    """The nodes ``start`` is computed from, itself included, in increasing order (iterative)."""
    seen, todo = {start}, [start]
    while todo:
        for j in nodes[todo.pop()].inputs:
            if j != -1 and j not in seen:
                seen.add(j)
                todo.append(j)
    return sorted(seen)


def first_mismatch(expected: Trace, found: Trace) -> int | None:
    for i, (e, f) in enumerate(zip(expected.nodes, found.nodes)):
        if e.signature() != f.signature():
            return i
    if len(expected.nodes) != len(found.nodes) or expected.complete != found.complete:
        return min(len(expected.nodes), len(found.nodes))
    return None


def in_canonical_order(graph: dict) -> dict:
    """A complete recorded graph with its nodes in ``canonical``'s order: the inputs of an addition sorted,
    independent branches in the order their results are used, layers numbered from 0 by first use in that
    order (``layer_numbers``). Unchanged when the pass raised or computed a node its output does not use."""
    if graph.get("error") is not None or graph.get("output") is None or graph["output"] == -1:
        return graph
    trace = canonical(graph)
    if len(trace.nodes) != len(graph["nodes"]):
        return graph
    nodes = [{**graph["nodes"][node.index], "inputs": node.inputs} for node in trace.nodes]
    return {**graph, "nodes": nodes, "output": len(nodes) - 1}


def replay_form(graphs: dict) -> dict:
    """What ``replay.Replay`` reads of a network's graphs (``{"train": ..., "eval": ...}``): every operation,
    with its settings, inputs, shapes and layers; not the student's names of the layers, which only label
    its answers, nor the shape each operation received (a reshape that keeps the batch axis is no node), nor the order in which the forward pass ran independent branches (``in_canonical_order``).
    Two networks with the same replay form are one network: the same layers, used the same way, so every
    measurement of the one is a measurement of the other (their replays would differ only by the order
    in which torch drew the same layers' initial weights)."""
    ordered = {mode: in_canonical_order(graph) for mode, graph in graphs.items()}
    numbers = layer_numbers(ordered)
    return {mode: {**{k: v for k, v in graph.items() if k != "nodes"},
                   "nodes": [{**{k: v for k, v in node.items()
                                 if k not in ("where", "in_shape", "written", "absorbed")},
                              **({"layer": numbers[node["layer"]]} if "layer" in node else {})}
                             for node in graph["nodes"]]}
            for mode, graph in ordered.items()}


def layer_numbers(graphs: dict) -> dict:
    """The record's layer numbers (shared by the modes) -> numbers by first use, training mode first."""
    numbers: dict = {}
    for mode in sorted(graphs, key=lambda m: m != "train"):
        for node in graphs[mode]["nodes"]:
            if "layer" in node:
                numbers.setdefault(node["layer"], len(numbers))
    return numbers
