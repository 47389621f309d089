"""Ask for observations of a module; the verdicts are made by the checks.

Two processes answer. The student's own child (``sandbox.Sandbox``) runs
their code and answers what only it can: importing the module, the layer
table, and the graph of what a forward pass computes (``computation.record``).
Every number that earns points (shapes, parameter counts, gradients,
outputs, the training run) is measured by a *replay* child, which holds no
student code: it runs the network that those graphs describe
(``computation.replay``). A submission that takes over its own process can
therefore only describe a network, never claim a measurement.

Networks whose spec names ``opaque`` classes (the BatchNorm written from
scratch: its arithmetic is the student's own and is not a graph operation)
have their design checks measured in the student's child. Their training
run is a replay like any other, where that layer is the book's: it runs
only once the layer's own checks have shown it computes the book's
(``policy.scratch_layer_difference``; docs/maintainers/isolation.md).
"""
from __future__ import annotations

from pathlib import Path

from .. import recipes
from ..computation.canonical import replay_form, too_large, validate
from ..escaping import inert
from ..sandbox import Limits, Sandbox, SandboxError, StudentError
from ..spec import NETWORKS, LayerRow
from .outcome import GraderBroken

# Observations measured on the replay, never by student code.
MEASURED = {"produced_shapes", "params", "output_shape", "gradients", "outputs", "residual_identity", "minimum",
            "input_output", "train", "pace"}
# Not measured: ``weighted_outputs``, the outputs with weights the grader chooses (``computation.weights``),
# asked of the student's process to prove that another spelling computes the book's function. Only a
# computation of that function can answer it: it earns nothing otherwise.


def replayable(module: str) -> bool:
    spec = NETWORKS.get(module)
    return spec is not None and not spec.opaque


class Measurer:
    """The replay child of one observer, started on first use (and again if it died)."""

    def __init__(self, submission: Path, module: str, limits: Limits, slot: int = 0, data_dir=None,
                 fresh_budget: bool = False):
        self.submission, self.module, self.limits, self.slot = submission, module, limits, slot
        self.data_dir, self.fresh_budget = data_dir, fresh_budget
        self.sandbox: Sandbox | None = None
        self.defined: dict[tuple, BaseException | None] = {}

    def box(self) -> Sandbox:
        if self.sandbox is None or self.sandbox.dead is not None:
            if self.sandbox is not None:
                self.sandbox.close()
            self.sandbox = Sandbox(self.submission, self.module, self.limits, slot=self.slot,
                                   data_dir=self.data_dir, replay=True)
            self.sandbox.start(b"")
            self.defined = {}
        if self.fresh_budget:
            self.sandbox.deadline = None
        return self.sandbox

    def define(self, key: tuple, call: str, shape: list, graphs) -> None:
        """Send the graphs (a callable that returns them) of ``call`` at ``shape`` once; a refusal
        (``StudentError``: not a network the grader can run, and why) is raised each time it is asked."""
        box = self.box()
        if key not in self.defined:
            try:
                box.request("define", f"reading what {call} computes", call=call, input_shape=shape,
                            graphs=graphs())
                self.defined[key] = None
            except StudentError as error:
                self.defined[key] = error
        if self.defined[key] is not None:
            raise self.defined[key]

    def leave(self) -> None:
        if self.sandbox is not None:
            self.sandbox.leave()

    def close(self) -> str:
        printed = self.sandbox.close() if self.sandbox is not None else ""
        self.sandbox = None
        return printed


class Observer:
    """Asks for observations of one module, caching them (the reference is asked once per process)."""

    def __init__(self, sandbox, label: str, device: str = "cpu", measurer: Measurer | None = None,
                 module: str | None = None, reference: "Observer | None" = None):
        self.sandbox, self.label, self.cache = sandbox, label, {}
        self.validated: dict[tuple, dict] = {}
        self.device = device          # where the training check trains
        self.measurer, self.module = measurer, module
        self.reference = reference    # the book's, measured for a network proven to compute the same function

    def ask(self, op: str, activity: str, **args):
        """The answer, asked once; when their code raised, the same error each time (an unfinished network
        is asked for its graph by many checks: 8 ms a round trip)."""
        key = (op, repr(sorted(args.items())))
        if key not in self.cache:
            try:
                if self.measurer is not None and op in MEASURED:
                    self.cache[key] = self.measure(op, activity, args)
                else:
                    self.cache[key] = self.sandbox.request(op, activity, **args)
            except StudentError as error:
                self.cache[key] = error
        if isinstance(self.cache[key], StudentError):
            raise self.cache[key]
        return self.cache[key]

    def measure(self, op: str, activity: str, args: dict):
        """``op`` asked of the replay of what the student's network computes at that input size."""
        if op in ("train", "pace"):
            call = NETWORKS[self.module].call
            size = recipes.training_check_plan(self.module, args.get("device", self.device))["input_size"]
            args = dict(args, input_shape=[2, 1, size, size])
        else:
            call = args["call"]
        shapes = args.get("input_shapes") or [args.get("input_shape") or list(NETWORKS[self.module].input_shape)]
        images = max(int(s[0]) for s in shapes)
        record_at = [max(2, images), *shapes[0][1:]]    # two images at least: a reshape that mixes them shows
        key = (call, tuple(record_at))
        book = self.book_measurement(op, activity, args, call, record_at)
        if book is not None:
            return book
        try:
            self.measurer.define(key, call, record_at, lambda: self.graphs(call, record_at))
        except StudentError as refusal:
            book = self.book_stand_in(call, record_at)
            if book is not None:
                self.measurer.define(key + ("book",), call, record_at, lambda: book)
            elif op == "produced_shapes":
                return self.claimed_shapes(activity, args, refusal)
            else:
                raise
        return self.measurer.box().request(op, activity, **args)

    def book_measurement(self, op: str, activity: str, args: dict, call: str, shape: list):
        """The reference's answer, when this network is the reference's (the same ``replay_form``: the same
        operations and layers, used the same way, whatever order independent branches run in); None otherwise.
        Exact, and cheap: the reference's answers are kept on disk (``reference_cache``), so a correct network
        costs its graphs only, and its training check trains once per machine.
        A gradient report is taken only when every parameter got one: its names are the reference's."""
        if self.reference is None:
            return None
        try:
            theirs, book = self.graphs(call, shape), self.reference.graphs(call, shape)
            if any(too_large(book[mode], theirs[mode]) for mode in book) or replay_form(theirs) != replay_form(book):
                return None
            answer = self.reference.measured_like(op, activity, args, self.measurer)
        except (StudentError, SandboxError, GraderBroken, ValueError, KeyError, TypeError):
            return None         # measured on their own replay, which says what went wrong
        if op == "gradients" and not all(isinstance(row, list) and row[-1] is True for row in answer):
            return None
        return answer

    def measured_like(self, op: str, activity: str, args: dict, measurer: "Measurer"):
        """This observer's measurement ``op``, made as ``measurer``'s replay makes it (the reference overrides
        it for the training run, which needs a replay with the data)."""
        return self.ask(op, activity, **args)

    def graphs(self, call, shape) -> dict:
        return {mode: self.graph(call, shape, mode) for mode in ("train", "eval")}

    def own_dead_parameters(self, call, shape) -> list[str]:
        """The parameters that get no gradient in a backward pass through the student's own code, in their
        own process: a cut the recorded forward pass does not show (a custom autograd Function, torch.no_grad()
        or .data inside forward) is seen there, and a backward that raises raises ``StudentError``. Asked only
        to take points away (the replay's measurement earns them): a reply that is not a gradient report
        counts as no gradient at all. [] for a module measured in its own process anyway."""
        if self.measurer is None:
            return []
        key = ("own_gradients", call, tuple(shape))
        if key not in self.cache:
            try:
                self.cache[key] = self.sandbox.request("gradients", f"backpropagating through {call} (your code)",
                                                       call=call, input_shape=list(shape))
            except StudentError as error:
                self.cache[key] = error
        answer = self.cache[key]
        if isinstance(answer, StudentError):
            raise answer
        if not isinstance(answer, list) or not answer or len(answer) > 100_000:
            return ["(every parameter: no gradient report)"]
        alive = {str(row[0]).rpartition(".")[0] for row in answer
                 if isinstance(row, list) and len(row) == 3 and row[2] is True}
        # A cut stops every parameter of a layer; a bias alone is dead when a batch normalization follows
        # (it subtracts the batch's mean), which may show as an exact zero in their own arithmetic.
        return [inert(str(row[0])[:200]) if isinstance(row, list) and row else "?"
                for row in answer if not (isinstance(row, list) and len(row) == 3 and row[2] is True)
                and not (isinstance(row, list) and row and str(row[0]).rpartition(".")[0] in alive)]

    def book_stand_in(self, call, shape) -> dict | None:
        """The reference's graphs, for a network the grader cannot replay (a Linear written as ``x @ W.T + b``)
        but which computes the book's function: the same layers and settings and the same outputs with the
        grader's weights, in both modes (``compare.same_function``). Otherwise None."""
        if self.reference is None:
            return None
        from ..computation.canonical import canonical
        from .compare import same_function
        try:
            book, theirs = self.reference.graphs(call, shape), self.graphs(call, shape)
            if theirs["train"]["error"] is not None or theirs["eval"]["error"] is not None \
                    or any(too_large(book[mode], theirs[mode]) for mode in book):
                return None
            if all(same_function(call, shape, canonical(book[mode]), canonical(theirs[mode]), self, self.reference)
                   for mode in ("train", "eval")):
                return book
        except (StudentError, SandboxError, ValueError, KeyError, TypeError):
            return None
        return None

    def claimed_shapes(self, activity: str, args: dict, refusal: StudentError) -> dict:
        """For a network the grader cannot run (its forward pass raised, ...): the shapes its own process
        says it computed, to point at the row where it stops. Without an output they can never pass."""
        claimed = self.sandbox.request("produced_shapes", activity, **args)
        shapes = claimed.get("shapes") if isinstance(claimed, dict) else None
        if not isinstance(shapes, list) or len(shapes) > 100_000 or not all(
                isinstance(s, list) and len(s) <= 8 and all(type(d) is int for d in s) for s in shapes):
            shapes = []
        error = claimed.get("error") if isinstance(claimed, dict) else None
        place = claimed.get("raised_in") if isinstance(claimed, dict) else None     # their names: inert
        return {"shapes": shapes, "output": None, "error": error if isinstance(error, str) else None,
                "raised_in": inert(place[:300]) if isinstance(place, str) else None}

    def table(self, call, shape) -> list[LayerRow] | None:
        rows = self.ask("table", f"running {call} layer by layer", call=call, input_shape=list(shape))
        # the names are the student's classes': one inert line each (``escaping``)
        return None if rows is None else [LayerRow(inert(str(name)[:200]), tuple(s)) for name, s in rows]

    def produced_shapes(self, call, shape) -> dict:
        return self.ask("produced_shapes", f"running {call}", call=call, input_shape=list(shape))

    def params(self, call, shape=None):
        return self.ask("params", f"building {call}", call=call,
                        input_shape=list(shape) if shape is not None else None)

    def output_shape(self, call, shape):
        return tuple(self.ask("output_shape", f"running {call}", call=call, input_shape=list(shape)))

    def graph(self, call, shape, mode="train") -> dict:
        key = (call, tuple(shape), mode)
        if key not in self.validated:           # read and checked once
            data = self.ask("graph", f"running {call} ({mode} mode)", call=call, input_shape=list(shape),
                            mode=mode)
            try:
                self.validated[key] = validate(data)
            except ValueError as error:
                raise SandboxError("refused", f"refused: the reply to 'running {call}' is not what the grader "
                                   f"asked for ({error})", "拒绝：子进程的回复格式不正确。") from None
        return self.validated[key]

    def leave(self) -> None:
        """Ask its children to exit (see ``Sandbox.leave``); ``close`` collects them."""
        if self.sandbox is not None:
            self.sandbox.leave()
        if self.measurer is not None:
            self.measurer.leave()

    def close(self) -> str:
        return self.measurer.close() if self.measurer is not None else ""
