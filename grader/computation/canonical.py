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
    return tuple(tupled(v) for v in value) if isinstance(value, list) else value


def validate(data) -> dict:
    """A recorded graph as ``record.record`` makes it, or ``ValueError``: it comes from a child, which the
    submission may have taken over."""
    def fail(why):
        raise ValueError(f"malformed graph: {why}")
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        fail("not a dict with a list of nodes")
    nodes = data["nodes"]
    if len(nodes) > 100_000:
        fail("too many nodes")
    for k, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("op"), str) or len(node["op"]) > 100 \
                or not isinstance(node.get("attrs"), dict) or not isinstance(node.get("inputs"), list):
            fail(f"node {k}")
        if any(type(j) is not int or not -1 <= j < k for j in node["inputs"]):
            fail(f"node {k}: inputs must be earlier nodes")
        shape = node.get("shape")
        if shape is not None and (not isinstance(shape, list) or len(shape) > 8
                                  or any(type(d) is not int or not 0 <= d < 2**40 for d in shape)):
            fail(f"node {k}: shape")
        where = node.get("where", [])
        if not isinstance(where, list) or any(not isinstance(w, list) or len(w) != 2
                                              or not all(isinstance(x, str) for x in w) for w in where):
            fail(f"node {k}: where")
        if node.get("failed") is not None and not isinstance(node["failed"], str):
            fail(f"node {k}: failed")
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


def raw_nodes(data: dict) -> list[Node]:
    return [Node(d["op"], {k: tupled(v) for k, v in d["attrs"].items()}, list(d["inputs"]),
                 tuple(d["shape"]) if d["shape"] is not None else None,
                 tuple(tuple(w) for w in d.get("where", ())), d.get("failed")) for d in data["nodes"]]


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
    digests: dict[int, str] = {}
    skeletons: dict[int, str] = {}

    def digest(i: int) -> str:
        if i == -1:
            return "input"
        if i not in digests:
            node = nodes[i]
            children = [digest(j) for j in node.inputs]
            if node.op in COMMUTATIVE:
                children.sort()
            text = f"{node.op}{sorted(node.attrs.items())}{node.shape}{children}"
            digests[i] = hashlib.sha1(text.encode()).hexdigest()
        return digests[i]

    def skeleton(i: int) -> str:
        if i == -1:
            return "input"
        if i not in skeletons:
            node = nodes[i]
            children = sorted(skeleton(j) for j in node.inputs)
            skeletons[i] = hashlib.sha1(f"{node.op}{structural_attrs(node)}{children}".encode()).hexdigest()
        return skeletons[i]

    depths: dict[int, int] = {}

    def depth(i: int) -> int:
        """Layers with weights on the longest path from the input (iterative: deep networks)."""
        pending = [i]
        while pending:
            k = pending[-1]
            if k == -1 or k in depths:
                pending.pop()
                continue
            todo = [j for j in nodes[k].inputs if j != -1 and j not in depths]
            if todo:
                pending += todo
                continue
            below = max((depths.get(j, 0) for j in nodes[k].inputs), default=0)
            depths[k] = below + (nodes[k].op in ("conv2d", "linear"))
            pending.pop()
        return depths.get(i, 0)

    def ordered_inputs(node: Node) -> list[int]:
        if node.op in COMMUTATIVE:
            if order == "exact":
                return sorted(node.inputs, key=digest)
            return sorted(node.inputs, key=lambda j: (-depth(j), skeleton(j)))
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
                                digest(i), skeleton(i), i))
            continue
        stack.append((i, True))
        for j in reversed(ordered_inputs(node)):
            stack.append((j, False))
    return Trace(emitted, data.get("error"))


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
    its answers, nor the order in which the forward pass ran independent branches (``in_canonical_order``).
    Two networks with the same replay form are one network: the same layers, used the same way, so every
    measurement of the one is a measurement of the other (their replays would differ only by the order
    in which torch drew the same layers' initial weights)."""
    ordered = {mode: in_canonical_order(graph) for mode, graph in graphs.items()}
    numbers = layer_numbers(ordered)
    return {mode: {**{k: v for k, v in graph.items() if k != "nodes"},
                   "nodes": [{**{k: v for k, v in node.items() if k != "where"},
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
