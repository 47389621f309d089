"""Ask a sandboxed child for observations of a module; the verdicts are made by the checks."""
from __future__ import annotations

from ..computation.canonical import validate
from ..sandbox import SandboxError
from ..spec import LayerRow


class Observer:
    """Asks one sandbox for observations, caching them (the reference is asked once per process)."""

    def __init__(self, sandbox, label: str, device: str = "cpu"):
        self.sandbox, self.label, self.cache = sandbox, label, {}
        self.device = device          # where the training check trains

    def ask(self, op: str, activity: str, **args):
        key = (op, repr(sorted(args.items())))
        if key not in self.cache:
            self.cache[key] = self.sandbox.request(op, activity, **args)
        return self.cache[key]

    def table(self, call, shape) -> list[LayerRow] | None:
        rows = self.ask("table", f"running {call} layer by layer", call=call, input_shape=list(shape))
        return None if rows is None else [LayerRow(name, tuple(s)) for name, s in rows]

    def produced_shapes(self, call, shape) -> dict:
        return self.ask("produced_shapes", f"running {call}", call=call, input_shape=list(shape))

    def params(self, call, shape=None):
        return self.ask("params", f"building {call}", call=call,
                        input_shape=list(shape) if shape is not None else None)

    def output_shape(self, call, shape):
        return tuple(self.ask("output_shape", f"running {call}", call=call, input_shape=list(shape)))

    def graph(self, call, shape, mode="train") -> dict:
        data = self.ask("graph", f"running {call} ({mode} mode)", call=call, input_shape=list(shape), mode=mode)
        try:
            return validate(data)
        except ValueError as error:
            raise SandboxError("refused", f"refused: the reply to 'running {call}' is not what the grader asked "
                               f"for ({error})", "拒绝：子进程的回复格式不正确。") from None
