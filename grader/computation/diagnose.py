"""Where a student's computation first departs from the book's, and why.

The two canonical traces (concatenated branches in a fixed order) are
aligned like two strings: an operation of the book's is matched with one of
the student's, changed (same kind of operation, other settings; or another
activation or pooling), missing, or extra. Differences of shape that follow
from an earlier difference, and channel counts that simply follow the
previous layer, are consequences, not departures. Each departure is then
named as a student would understand it (``Cause``): which layer, what the
book does, what theirs does, and a hint that cannot break correct code.

A cause's ``key`` says what kind of mistake it is, without its place: the
same mistake in every residual block, or seen by the network's check and by
a block's, is one cause. A ``Diagnosis`` is *local* when its causes explain
the difference: the rest of the computation matches the book.
"""
from __future__ import annotations

import ast
from math import prod
from dataclasses import dataclass, field, replace

from ..text import Text
from .canonical import Node, Trace, as_written, canonical, size_limit, too_large
from .hints import edit_works
from .alignment import NORMALIZATIONS, align, comparable_attrs, family, incoming_shape

LOCAL_MAX_CAUSES = 2          # more distinct mistakes than this: grade every check on its own
SHOWN_CAUSES = 2              # the first causes, whose hints a student reads: each hint is tried first (hints.py)
HINT_CELLS = 80_000           # trying a hint aligns again: only for graphs near the book's size (GoogLeNet: 138 x
                              # 138 is 19,044); a graph far larger gets descriptions without prescriptions
LOCAL_MIN_MATCHED = 0.3       # share of the book's operations (up to a crash) that must match: a mistake
                              # repeated in every block (no ReLU in vgg_block) leaves less than half


@dataclass(frozen=True)
class Cause:
    key: tuple
    where: str
    english: str
    chinese: str
    hint: str = ""
    hint_zh: str = ""
    gist: str = ""            # a few words for the class summary: "dropout p=0.2 instead of 0.5"

    def message(self) -> Text:
        """Where, what, and the hint, indented: the details under a check's own sentence."""
        english = "\n".join([f"  {self.english}"] + ([f"  hint: {self.hint}"] if self.hint else []))
        chinese = f"  {self.chinese}" + (f"提示：{self.hint_zh}" if self.hint_zh else "")
        return Text.labelled("where", self.where) + Text.say(english, chinese)


@dataclass
class Diagnosis:
    causes: list[Cause] = field(default_factory=list)
    local: bool = False
    matched: float = 0.0

    @property
    def first(self) -> Cause | None:
        return self.causes[0] if self.causes else None


# -- describing operations in the student's words ---------------------------

LAYER_NAMES = {"conv2d": "Conv2d", "linear": "Linear", "batch_norm": "BatchNorm", "relu": "ReLU",
               "sigmoid": "Sigmoid", "tanh": "Tanh", "max_pool2d": "MaxPool2d", "avg_pool2d": "AvgPool2d",
               "global_avg_pool": "global average pooling", "dropout": "Dropout", "cat": "torch.cat",
               "add": "the addition (+)", "adaptive_avg_pool2d": "AdaptiveAvgPool2d",
               "adaptive_max_pool2d": "AdaptiveMaxPool2d", "dropout2d": "Dropout2d",
               "local_response_norm": "LocalResponseNorm", "dropout1d": "Dropout1d",
               "dropout3d": "Dropout3d", "detach": ".detach() (or .data)", "mul": "a multiplication",
               "scratch_batch_norm": "BatchNorm (the one you write from scratch)"}


def size(value) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        return f"{value[0]}x{value[1]}" if value[0] != value[1] else str(value[0])
    return str(value)


def layer_text(node: Node) -> str:
    a, name = node.attrs, LAYER_NAMES.get(node.op, node.op)
    if node.op == "conv2d":
        w = a["weight"]
        return (f"Conv2d({w[1]} -> {w[0]}, kernel_size={size(w[2:])}, stride={size(a['stride'])}, "
                f"padding={size(a['padding'])})")
    if node.op == "linear":
        return f"Linear({a['weight'][1]} -> {a['weight'][0]})"
    if node.op in ("max_pool2d", "avg_pool2d"):
        extra = ", divisor_override=%s" % a["divisor"] if a.get("divisor") else ""
        return (f"{name}(kernel_size={size(a['kernel'])}, stride={size(a['stride'])}, "
                f"padding={size(a['padding'])}{extra})")
    if family(node.op) == "dropout":
        return f"{name}(p={a['p']:g})"
    if node.op == "batch_norm":
        return f"BatchNorm({a['features']}, eps={a['eps']:g}, momentum={a['momentum']})"
    if node.op == "cat":
        return f"torch.cat(..., dim={a['dim']})"
    return name


def where_text(node: Node | None) -> str:
    """``layer 3 (Sequential) > [0] (Residual) > bn2 (BatchNorm2d)``: the student's own names."""
    if node is None or not node.where:
        return "the forward pass"
    parts = []
    for depth, (name, cls) in enumerate(node.where):
        if depth == 0 and name.isdigit():
            parts.append(f"layer {int(name) + 1} ({cls})")
        elif name.isdigit():
            parts.append(f"[{name}] ({cls})")
        else:
            parts.append(f"{name} ({cls})")
    return " > ".join(parts)


# -- naming the departures ---------------------------------------------------

ATTR_WORDS = {"kernel": ("kernel_size", "卷积核/窗口大小"), "stride": ("stride", "步幅"), "padding": ("padding", "填充"),
              "out": ("output channels / features", "输出通道数"), "in": ("input channels", "输入通道数"),
              "p": ("dropout rate p", "丢弃率 p"), "momentum": ("momentum", "动量 momentum"), "eps": ("eps", "eps"),
              "bias": ("bias", "偏置"), "affine": ("affine", "affine"), "divisor": ("divisor_override", "divisor_override"),
              "running_stats": ("track_running_stats", "track_running_stats"), "dim": ("dim", "拼接维度"),
              "ceil_mode": ("ceil_mode", "ceil_mode"), "training": ("training mode", "训练模式"),
              "dilation": ("dilation", "dilation"), "groups": ("groups", "groups"),
              "shared": ("its own parameters", "独立的参数")}


ARGUMENT_NAMES = {"kernel": "kernel_size", "out": "out_channels", "divisor": "divisor_override",
                  "running_stats": "track_running_stats"}


def show(value) -> str:
    if isinstance(value, tuple):
        return size(value) if len(value) == 2 else "x".join(str(v) for v in value)
    return str(value)


def setting_cause(e: Node, f: Node, ea: dict, fa: dict, call: str | None, given=None) -> Cause:
    names = [k for k in ea.keys() | fa.keys() if ea.get(k) != fa.get(k)]
    names.sort(key=lambda k: list(ATTR_WORDS).index(k) if k in ATTR_WORDS else 99)
    k = names[0]
    word, word_zh = ATTR_WORDS.get(k, (k, k))
    where = where_text(f)
    book, theirs = show(ea.get(k)), show(fa.get(k))
    if k not in ("in", "shared"):
        shown = [n for n in names if n not in ("in", "shared")]
        shown = [n for n in shown if n not in ("count_include_pad", "training")] or shown   # consequences
        book = " and ".join(f"{ATTR_WORDS.get(n, (n, n))[0]} {show(ea.get(n))}" for n in shown)
        theirs = " and ".join(f"{ATTR_WORDS.get(n, (n, n))[0]} {show(fa.get(n))}" for n in shown)
        book_zh = "，".join(f"{ATTR_WORDS.get(n, (n, n))[1]} {show(ea.get(n))}" for n in shown)
        theirs_zh = "，".join(f"{ATTR_WORDS.get(n, (n, n))[1]} {show(fa.get(n))}" for n in shown)
        setting = ", ".join(f"{ARGUMENT_NAMES.get(n, n)}={show(ea.get(n))}" for n in shown)
    if k == "in":
        unit = "features" if f.op == "linear" else "channels"
        return Cause(("channels", "not passed on"), where,
                     f"this {layer_text(f)} expects {theirs} input {unit}, but the layer before it gives {given}.",
                     f"该层期望 {theirs} 个输入通道/特征，但前一层给出 {given} 个。",
                     "each layer's input channels must be the previous layer's output channels "
                     "(pass them on, e.g. in_channels = out_channels after each convolution of a block).",
                     "每层的输入通道数必须等于上一层的输出通道数。", "channels not passed on between layers")
    if k == "shared":
        return Cause(("shared",), where,
                     f"this {LAYER_NAMES.get(f.op, f.op)} reuses the parameters of an earlier layer (one module used "
                     "twice); the book's has parameters of its own.",
                     "该层复用了前面某一层的参数（同一个模块用了两次）；书中每层有自己的参数。",
                     "create a new layer here (e.g. a second nn.BatchNorm2d) instead of reusing one.",
                     "请在此处新建一层，不要复用前面的层。", f"{LAYER_NAMES.get(f.op, f.op)} shares another layer's parameters")
    if e.op == "dropout" and k == "training":
        return Cause(("dropout", "mode"), where,
                     "this dropout stays active in eval mode; the book's is switched off by model.eval().",
                     "评估模式下该 dropout 仍在起作用。",
                     "use nn.Dropout, or F.dropout(x, p, training=self.training).",
                     "使用 nn.Dropout 或传入 training=self.training。", "dropout active in eval mode")
    argument = argument_for(call, k, ea.get(k), e)
    key = ("argument", argument) if argument else ("setting", e.op, k)
    hint = (f"use the argument {argument} instead of a fixed value." if argument else
            f"set {setting} on this layer, as the book does.")
    hint_zh = f"请使用参数 {argument}，不要写死。" if argument else f"请按书中设置 {setting}。"
    what = LAYER_NAMES.get(e.op, e.op)
    gist = f"{what}: {theirs} instead of {book}" + (f" ({argument} ignored)" if argument else "")
    return Cause(key, where,
                 f"the book's {layer_text(e)} has {book}; yours has {theirs} ({layer_text(f)}).",
                 f"书中的 {layer_text(e)}：{book_zh}；你的：{theirs_zh}。", hint, hint_zh, gist)


def kind_cause(e: Node, f: Node) -> Cause:
    if {e.op, f.op} <= NORMALIZATIONS:
        theirs = "your own BatchNorm" if f.op == "scratch_batch_norm" else f"nn.BatchNorm ({layer_text(f)})"
        book = "its own BatchNorm (the one written from scratch)" if e.op == "scratch_batch_norm" else layer_text(e)
        return Cause(("normalization", "kind"), where_text(f),
                     f"the book uses {book} here; yours uses {theirs}.",
                     f"书中此处使用{'从零实现的 BatchNorm' if e.op == 'scratch_batch_norm' else ' nn.BatchNorm'}，"
                     "你的实现用了另一种。",
                     "use the BatchNorm class of this module (BatchNorm(num_features, num_dims)), not nn.BatchNorm."
                     if e.op == "scratch_batch_norm" else "use nn.BatchNorm2d / nn.BatchNorm1d here, as the book does.",
                     "请使用本模块中的 BatchNorm 类。" if e.op == "scratch_batch_norm" else "请使用 nn.BatchNorm。",
                     f"{theirs} instead of {book}")
    fam = family(e.op)
    book, theirs = LAYER_NAMES.get(e.op, e.op), LAYER_NAMES.get(f.op, f.op)
    zh = {"activation": "激活函数", "pooling": "池化", "dropout": "丢弃法"}.get(fam, fam)
    return Cause((fam, "kind"), where_text(f),
                 f"the book uses {layer_text(e)} here; yours uses {layer_text(f)}.",
                 f"书中此处为 {book}，你的为 {theirs}（{zh}类型不同）。",
                 f"use {book} here, as the book does.", f"此处请使用 {book}。", f"{theirs} instead of {book}")


def enclosing(node: Node | None) -> tuple:
    return node.where[:-1] if node is not None else ()


def last_layer(node: Node) -> Node:
    """The student's last layer at ``node``'s output: a layer that computed nothing there (a ``Flatten``) after
    it, when it is a layer of its own at the same depth (a Flatten inside a block is not the place)."""
    for where in reversed(node.absorbed_at):
        if where and where != node.where and len(where) == len(node.where):
            return replace(node, where=where)
    return node


def missing_cause(e: Node, before: Node | None, following: Node | None = None) -> Cause:
    """``before``/``following``: the student's operations around the place. Named after the one before when
    it is in the same block as the one after (or there is none after); else before the one after, which is in
    the block that lacks it (a branch of an Inception that starts with the missing layer)."""
    fam = family(e.op) or ("layer" if e.op in ("conv2d", "linear") else e.op)
    if before is not None and following is not None and enclosing(before) == enclosing(e) != enclosing(following):
        where = f"after {where_text(last_layer(before))}"   # the last of its block (the book's names, where theirs agree)
    elif following is not None and (before is None or enclosing(before) != enclosing(following)):
        where = f"before {where_text(following)}"
    else:
        where = f"after {where_text(last_layer(before))}" if before is not None else "at the start of the network"
    what = layer_text(e)
    gist = {"activation": f"{LAYER_NAMES.get(e.op, e.op)} missing", "dropout": "dropout missing",
            "batch_norm": "BatchNorm missing"}.get(fam, f"{what} missing")
    return Cause(("missing", fam), where,
                 f"the book has {what} here; yours has nothing.",
                 f"书中此处有 {what}，你的实现缺少它。",
                 f"add {what} at this place, as the book does.", f"请在此处加上 {what}。", gist)


def extra_cause(f: Node) -> Cause:
    fam = family(f.op) or ("layer" if f.op in ("conv2d", "linear") else f.op)
    what = layer_text(f)
    return Cause(("extra", fam), where_text(f),
                 f"yours has {what} here; the book has none at this place.",
                 f"你的实现此处多了 {what}，书中没有。",
                 f"remove this {LAYER_NAMES.get(f.op, f.op)}; the book has none here.",
                 f"请删去此处的 {LAYER_NAMES.get(f.op, f.op)}。", f"extra {what}")


BATCH_MIXING = {"transpose", "permute", "reshape", "swapaxes", "movedim", "t"}


def mixing_cause(f: Node) -> Cause:
    return Cause(("batch", "mixed"), where_text(f),
                 f"this {f.op} moves numbers across the batch axis: the images of a batch get mixed "
                 "(each image's output must depend on that image only).",
                 f"这里的 {f.op} 跨越了批量维度：同一批中的图片被混在一起。",
                 "flatten each image on its own: nn.Flatten() or x.reshape(x.shape[0], -1).",
                 "请对每张图片单独展平：nn.Flatten() 或 x.reshape(x.shape[0], -1)。",
                 "flattening mixes the images of a batch")


def moved_cause(e: Node, f: Node, before_e: Node | None) -> Cause:
    what = LAYER_NAMES.get(e.op, e.op)
    book_place = f"right after {layer_text(before_e)}" if before_e is not None else "at the start"
    return Cause(("position",), where_text(f),
                 f"{what} is at another place than in the book: the book has it {book_place}.",
                 f"{what} 的位置与书中不同：书中它位于 {book_place}。",
                 f"move it {book_place}, as the book does.", "请按书中的位置放置。", f"{what} in another place")


def skip_cause(expected: Trace, found: Trace) -> Cause | None:
    """The residual connection: missing, after the final ReLU, before the second BatchNorm, through a ReLU."""
    e_adds = [n for n in expected.nodes if n.op == "add"]
    f_adds = [n for n in found.nodes if n.op == "add"]
    if not e_adds:
        return None
    hint = ("the block computes Y = bn2(conv2(relu(bn1(conv1(X))))), then Y = Y + shortcut(X), "
            "then returns relu(Y).")
    hint_zh = "残差块先计算 Y = bn2(conv2(relu(bn1(conv1(X)))))，再 Y = Y + shortcut(X)，最后返回 relu(Y)。"

    def op_of(j, trace):
        return "input" if j == -1 else trace.nodes[j].op

    for f in f_adds:
        sources = [found.nodes[j] if j != -1 else None for j in f.inputs]
        for s in sources:
            if s is not None and s.op == "relu" and s.inputs and op_of(s.inputs[0], found) == "batch_norm":
                return Cause(("shortcut", "after relu"), where_text(f),
                             "the shortcut is added after the final ReLU; the book adds it before.",
                             "捷径在最后的 ReLU 之后才相加；书中在 ReLU 之前相加。", hint, hint_zh,
                             "shortcut added after the final ReLU")
            if s is not None and s.op == "conv2d" and s.attrs["weight"][2:] != (1, 1) \
                    and not any(o is not None and o.op == "batch_norm" for o in sources):
                # the main branch's conv2 added before bn2 (a BatchNorm on the other side is the main branch:
                # then this convolution is the shortcut's, with its own mistake)
                return Cause(("shortcut", "before bn2"), where_text(f),
                             "the shortcut is added before the second BatchNorm; the book adds it after bn2.",
                             "捷径在第二个 BatchNorm 之前相加；书中在 bn2 之后相加。", hint, hint_zh,
                             "shortcut added before the second BatchNorm")
            if s is not None and s.op == "relu" and s.inputs and op_of(s.inputs[0], found) in ("input", "conv2d") \
                    and (s.inputs[0] == -1 or found.nodes[s.inputs[0]].attrs["weight"][2:] == (1, 1)):
                return Cause(("shortcut", "through relu"), where_text(f),
                             "the shortcut passes through a ReLU before it is added; the book adds X "
                             "(or its 1x1 convolution) as it is.",
                             "捷径在相加前经过了 ReLU；书中直接加上 X（或其 1x1 卷积）。", hint, hint_zh,
                             "shortcut passed through a ReLU")
    norms = [sum(n.op == "batch_norm" for n in t.nodes) for t in (expected, found)]
    if len(f_adds) < len(e_adds) and found.complete and norms[1] >= norms[0]:   # the blocks are there, the + not
        where = where_text(found.nodes[-1]) if not f_adds and found.nodes else "the residual blocks"
        return Cause(("shortcut", "missing"), where,
                     "the shortcut is missing: nothing is added to the main branch's output.",
                     "缺少捷径连接：主分支的输出没有加上输入。", hint, hint_zh, "shortcut (skip connection) missing")
    return None


def preactivation_cause(expected: Trace, found: Trace) -> Cause | None:
    """DenseNet's convolution blocks in the old order (convolution, BatchNorm, ReLU) instead of the book's
    BatchNorm, ReLU, convolution."""
    def chains(trace, first, second, third) -> list[tuple[Node, Node]]:
        """(last node, convolution) of every chain first -> second -> third."""
        found_chains = []
        for node in trace.nodes:
            if node.op != third or not node.inputs or node.inputs[0] == -1:
                continue
            middle = trace.nodes[node.inputs[0]]
            if middle.op != second or not middle.inputs or middle.inputs[0] == -1:
                continue
            start = trace.nodes[middle.inputs[0]]
            if start.op == first:
                found_chains.append((node, node if node.op == "conv2d" else start))
        return found_chains

    def conv_key(conv: Node):
        return conv.attrs["weight"][2:], conv.attrs["stride"], conv.attrs["padding"]

    if any(n.op == "add" for n in expected.nodes):      # ResNet's blocks have bn, relu, conv inside conv, bn, relu
        return None
    book_pre = len(chains(expected, "batch_norm", "relu", "conv2d"))
    found_pre = len(chains(found, "batch_norm", "relu", "conv2d"))
    book_post = chains(expected, "conv2d", "batch_norm", "relu")
    found_post = chains(found, "conv2d", "batch_norm", "relu")
    if book_pre and found_pre < book_pre and len(found_post) > len(book_post):
        usual = {conv_key(conv) for _, conv in book_post}      # the stem's convolution is one the book has too
        where = next((last for last, conv in found_post if conv_key(conv) not in usual), found_post[-1][0])
        return Cause(("order", "batchnorm-relu-conv"), where_text(where),
                     "these layers run in the order convolution, BatchNorm, ReLU; the book's DenseNet uses the "
                     "improved order BatchNorm, ReLU, convolution (each block normalizes and activates its input, "
                     "then convolves).",
                     "这些层的顺序是卷积、BatchNorm、ReLU；书中的 DenseNet 使用改良的顺序：BatchNorm、ReLU、卷积。",
                     "conv_block returns nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(), nn.Conv2d(...)).",
                     "conv_block 应返回 nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(), nn.Conv2d(...))。",
                     "convolution, BatchNorm, ReLU instead of BatchNorm, ReLU, convolution")
    return None


def concat_order_cause(expected_data: dict, found_data: dict) -> Cause | None:
    """Inception branches concatenated in another order than the book's."""
    e_trace, f_trace = canonical(expected_data), canonical(found_data)
    e_cats = [n for n in e_trace.nodes if n.op == "cat"]
    f_cats = [n for n in f_trace.nodes if n.op == "cat"]
    for e, f in zip(e_cats, f_cats):
        e_order = [e_trace.nodes[j].skeleton if j != -1 else "input" for j in e.inputs]
        f_order = [f_trace.nodes[j].skeleton if j != -1 else "input" for j in f.inputs]
        if sorted(e_order) == sorted(f_order) and e_order != f_order:
            if dense_concatenation(e_trace, e):
                return Cause(("concatenation", "order"), where_text(f),
                             "the new features are concatenated before the block's input; the book concatenates "
                             "the input first, then the new features.",
                             "新特征被拼接在输入之前；书中先拼接输入，再拼接新特征。",
                             "X = torch.cat((X, Y), dim=1) after each convolution block.",
                             "每个卷积块之后：X = torch.cat((X, Y), dim=1)。",
                             "DenseBlock: new features concatenated before the input")
            book = ", ".join(branch_name(e_trace, j) for j in e.inputs)
            theirs = ", ".join(branch_name(f_trace, j) for j in f.inputs)
            return Cause(("concatenation", "order"), where_text(f),
                         f"the branches are concatenated in another order: the book's order is {book}; "
                         f"yours is {theirs}.",
                         f"各分支拼接的顺序与书中不同：书中为 {book}，你的为 {theirs}。",
                         "concatenate the branches in the book's order: torch.cat((p1, p2, p3, p4), dim=1).",
                         "请按书中的顺序拼接：torch.cat((p1, p2, p3, p4), dim=1)。",
                         "Inception branches concatenated in another order")
    return None


def dense_concatenation(trace: Trace, cat: Node) -> bool:
    """A dense block's ``torch.cat((X, Y))``: two parts, the second computed from the first."""
    if len(cat.inputs) != 2:
        return False
    first, second = cat.inputs
    if first == -1:
        return True
    seen, todo = set(), [second]
    while todo:
        k = todo.pop()
        if k == first:
            return True
        if k == -1 or k in seen:
            continue
        seen.add(k)
        todo += trace.nodes[k].inputs
    return False


def branch_name(trace: Trace, j: int) -> str:
    """A branch by its layers, e.g. ``1x1 conv > 3x3 conv``."""
    parts, node = [], trace.nodes[j] if j != -1 else None
    while node is not None and node.op != "cat" and len(parts) < 6:
        if node.op == "conv2d":
            parts.append("x".join(map(str, node.attrs["weight"][2:])) + " conv")
        elif node.op in ("max_pool2d", "avg_pool2d"):
            parts.append("x".join(map(str, node.attrs["kernel"])) + f" {LAYER_NAMES[node.op]}")
        if not node.inputs or node.inputs[0] == -1:
            break
        parent = trace.nodes[node.inputs[0]]
        if sum(node.inputs[0] in n.inputs for n in trace.nodes) > 1:   # the block's input: stop
            break
        node = parent
    return "(" + " > ".join(reversed(parts)) + ")" if parts else "(input)"


# -- arguments ignored or hard-coded ----------------------------------------

def call_arguments(call: str | None, parameters: dict[str, tuple[str, ...]]) -> dict:
    if not call:
        return {}
    try:
        tree = ast.parse(call, mode="eval").body
        declared = parameters.get(tree.func.id, ())
        names = [p.split("=", 1)[0] for p in declared]
        values = {p.split("=", 1)[0]: ast.literal_eval(p.split("=", 1)[1]) for p in declared if "=" in p}
        values.update({name: ast.literal_eval(a) for name, a in zip(names, tree.args)})
        values.update({k.arg: ast.literal_eval(k.value) for k in tree.keywords})
        return values
    except (SyntaxError, ValueError, AttributeError):
        return {}


PARAMETERS: dict[str, tuple[str, ...]] = {}     # filled by set_parameters from the book's spec


def set_parameters(parameters: dict[str, tuple[str, ...]]) -> None:
    PARAMETERS.clear()
    PARAMETERS.update(parameters)


SETTING_ARGUMENTS = {"kernel": "kernel_size", "stride": "strides", "padding": "padding"}


def argument_for(call, attr, expected_value, node: Node) -> str | None:
    arguments = call_arguments(call, PARAMETERS)
    name = SETTING_ARGUMENTS.get(attr)
    if name in arguments and show(expected_value) == show(tuple_of(arguments[name])):
        return name
    return None


def tuple_of(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def count_argument_cause(call: str | None, expected: Trace, found: Trace) -> Cause | None:
    """A count that follows an argument (num_convs, num_residuals, conv_arch, use_1x1conv, first_block)."""
    arguments = call_arguments(call, PARAMETERS)
    if not arguments:
        return None
    shown = {name: f"{name}={value!r}" for name, value in arguments.items()}
    if "conv_arch" in arguments:                  # vgg(conv_arch): blocks follow conv_arch, convolutions num_convs
        arguments = dict(arguments, num_convs=[n for n, _ in arguments["conv_arch"]])
        shown["num_convs"] = f"conv_arch={arguments['conv_arch']!r} (num_convs of each block)"

    def count(trace, test):
        return sum(1 for n in trace.nodes if test(n))

    def conv(k):
        return lambda n: n.op == "conv2d" and n.attrs["weight"][2:] == k
    checks = [("conv_arch", lambda n: n.op in ("max_pool2d", "avg_pool2d"), "VGG blocks (pooling layers)"),
              ("num_convs", conv((3, 3)), "3x3 convolutions"),
              ("num_residuals", lambda n: n.op == "add", "residual blocks"),
              ("use_1x1conv", conv((1, 1)), "1x1 convolutions on the shortcut"),
              ("first_block", conv((1, 1)), "1x1 convolutions on the shortcut"),
              ("first_block", lambda n: n.op == "conv2d" and n.attrs["stride"] != (1, 1), "convolutions of stride 2")]
    for name, test, what in checks:
        if name not in arguments:
            continue
        want, got = count(expected, test), count(found, test)
        if want != got and (found.complete or got > want):   # a pass that stopped early has fewer of everything
            return Cause(("argument", name), call,
                         f"with {shown[name]} the book's block has {want} {what}; yours has {got}.",
                         f"当 {shown[name]} 时，书中的块有 {want} 个，你的有 {got} 个。",
                         f"build the block from the argument {name}; do not fix the number.",
                         f"请根据参数 {name} 构建，不要写死。", f"argument {name} ignored or hard-coded")
    return None


# -- a pass that raised: what its input already lacked ---------------------------
#
# The operation that raised is rarely the mistake: a Linear fed an image that was never flattened or pooled,
# a BatchNorm built for the channels a block had before it grew. A departure before it (an operation of the
# book's missing, another extra) is the mistake, named as any other. Without one, the departure is in what
# that operation *received* (``in_shape``, recorded as it ran) against what the book's same operation
# receives, and the book's operations the student's pass never ran on the way to it.

def shape_words(shape) -> str:
    return "[N, " + ", ".join(str(d) for d in shape[1:]) + "]" if shape else "?"


def raised_reading(expected: Trace, found: Trace, pairs, departures, expected_data: dict, found_data: dict):
    """(the departures that are mistakes, a cause that explains the raise or None). Departures after the
    last operation both passes agree on are artifacts of the raise: the alignment ends where theirs ends."""
    j_failed = len(found.nodes) - 1
    matched = [(a, b) for a, b in pairs if a is not None and b is not None and b < j_failed]
    i_last, j_last = matched[-1] if matched else (-1, -1)
    earlier = [(a, b) for a, b in departures if b != j_failed and (b is None or b <= j_last)
               and (a is None or a <= i_last)]
    raised = raised_input_cause(expected, found, i_last, j_last, expected_data, found_data)
    if earlier and not all(same_shape(expected.nodes[a], found.nodes[b]) for a, b in matched):
        raised = None       # what it received follows from the earlier departures, which changed a shape
    return earlier, raised


def same_shape(e: Node, f: Node) -> bool:
    return e.shape is None or f.shape is None or list(e.shape[1:]) == list(f.shape[1:])


def agreed(expected: Trace, found: Trace, i_last: int, j_last: int) -> bool:
    """Both passes give the same shape at their last agreement (or both start there)."""
    if i_last < 0 or j_last < 0:
        return i_last < 0 and j_last < 0
    e, f = expected.nodes[i_last].shape, found.nodes[j_last].shape
    return e is not None and f is not None and list(e[1:]) == list(f[1:])


def counterpart(expected: Trace, start: int, f: Node) -> int | None:
    """The book's operation that the student's ``f`` plays, a few operations after ``start``: the same
    operation with the same settings if there is one, else the first of the same kind."""
    window = expected.nodes[start:start + 4]
    same = [k for k, e in enumerate(window) if e.op == f.op and e.attrs == f.attrs]
    kind = [k for k, e in enumerate(window) if e.op == f.op]
    found = (same or kind or [None])[0]
    return None if found is None else start + found


def built_for(node: Node) -> int | None:
    """The input channels (features) a layer was built for."""
    if node.op == "conv2d":
        return node.attrs["weight"][1] * int(node.attrs.get("groups", 1))
    if node.op == "linear":
        return node.attrs["weight"][1]
    if node.op == "batch_norm":
        return node.attrs.get("features")
    return None


def given_to(node: Node, shape) -> int:
    """What a layer receives of its input: a Linear its last axis, the others the channels."""
    return shape[-1] if node.op == "linear" else shape[1]


def raised_input_cause(expected: Trace, found: Trace, i_last: int, j_last: int, expected_data: dict,
                       found_data: dict) -> Cause | None:
    f = found.nodes[-1]
    i = counterpart(expected, i_last + 1, f)
    if i is None:
        return None
    e = expected.nodes[i]
    theirs = found_data["nodes"][f.index].get("in_shape") if 0 <= f.index < len(found_data["nodes"]) else None
    book = expected_data["nodes"][e.index].get("in_shape") if 0 <= e.index < len(expected_data["nodes"]) else None
    if not theirs or not book:
        return None
    what = layer_text(f)
    same_input = list(theirs[1:]) == list(book[1:])
    receives = (f"your {what} receives {shape_words(theirs)}; the book's receives {shape_words(book)}",
                f"你的 {what} 收到的输入形状为 {shape_words(theirs)}，书中为 {shape_words(book)}")
    if i > i_last + 1:          # the book's operations between the last agreement and this one never ran
        before = found.nodes[j_last] if j_last >= 0 else None
        # the hint holds when both passes agree up to there: the skipped operations alone make the input
        verified = agreed(expected, found, i_last, j_last)
        base = missing_cause(expected.nodes[i_last + 1], before, found.nodes[j_last + 1])
        # (an addition's first input may agree while the one that lacks the operation does not)
        english = base.english if same_input else f"{base.english} So {receives[0]}."
        chinese = base.chinese if same_input else f"{base.chinese}因此{receives[1]}。"
        return Cause(base.key, base.where, english, chinese, base.hint if verified else "",
                     base.hint_zh if verified else "", base.gist)
    if same_input:              # the same input as the book's: the layer is built for another
        built = built_for(f)
        if built is not None and len(theirs) > 1 and built != given_to(f, theirs):
            unit = "features" if f.op == "linear" else "input channels"
            return Cause(("channels", "not carried"), where_text(f),
                         f"your {what} is built for {built} {unit} but receives {given_to(f, theirs)}, as the book's "
                         f"{layer_text(e)} does: the channel count given to this layer was not updated after the "
                         "layers before it.",
                         f"你的 {what} 按 {built} 个输入通道构建，但收到 {given_to(f, theirs)} 个（与书中相同）。"
                         "前面的层改变通道数后，传给这一层的通道数没有更新。",
                         gist="channel count not carried over")
        return None
    if len(theirs) != len(book) and prod(theirs[1:]) == prod(book[1:]) and len(book) == 2:
        return Cause(("missing", "flatten"), where_text(f),
                     f"{receives[0]}: the book flattens each image before this layer.",
                     f"{receives[1]}。书中在这一层之前把每张图片展平。",
                     "add nn.Flatten() before this layer, as the book does.", "请在这一层之前加上 nn.Flatten()。",
                     "Flatten missing")
    if len(theirs) == len(book) == 4 and list(theirs[2:]) == list(book[2:]):
        return Cause(("channels", "not carried"), where_text(f),
                     f"{receives[0]}: the number of channels that reaches this layer is not the book's.",
                     f"{receives[1]}。到达这一层的通道数与书中不同。", gist="channel count not carried over")
    return Cause(("input", f.op), where_text(f), f"{receives[0]}.", f"{receives[1]}。",
                 gist=f"{LAYER_NAMES.get(f.op, f.op)} receives another shape")


# -- the diagnosis -----------------------------------------------------------

class TooLarge(ValueError):
    """The student's graph is far larger than the book's (``canonical.too_large``): not compared."""


def diagnose(expected_data: dict, found_data: dict, input_shape, call: str | None = None) -> Diagnosis:
    """Raises ``TooLarge`` for a graph far larger than the book's: the alignment's work is the product of
    the two sizes, and everything after it is linear in the alignment's length."""
    if too_large(expected_data, found_data):
        raise TooLarge(f"{len(found_data['nodes']):,} operations, at most {size_limit(expected_data):,}")
    concat = concat_order_cause(expected_data, found_data)
    order = "align-branches" if concat else "align"
    expected, found = canonical(expected_data, order), canonical(found_data, order)
    pairs = align(expected, found, input_shape, input_shape)
    reached = len(expected.nodes)
    if not found.complete:      # the student's pass stopped: the book's operations after that point are not missing
        reached = max((i for i, j in pairs if i is not None), default=-1) + 1
    e_attrs = {i: comparable_attrs(expected.nodes[i], expected, input_shape) for i, _ in pairs if i is not None}
    f_attrs = {j: comparable_attrs(found.nodes[j], found, input_shape) for _, j in pairs if j is not None}

    causes: list[Cause] = []
    special = [count_argument_cause(call, expected, found), concat, preactivation_cause(expected, found)]
    departures = [(i, j) for i, j in pairs
                  if i is None or j is None or (as_written(expected.nodes[i]) != as_written(found.nodes[j]) and (
                      expected.nodes[i].op != found.nodes[j].op or e_attrs[i] != f_attrs[j]))]
    involves_add = any((i is not None and expected.nodes[i].op in ("add", "relu", "batch_norm"))
                       or (j is not None and found.nodes[j].op in ("add", "relu", "batch_norm"))
                       for i, j in departures)
    if involves_add or len([n for n in found.nodes if n.op == "add"]) != len([n for n in expected.nodes
                                                                                if n.op == "add"]):
        special.append(skip_cause(expected, found))
    missing = [i for i, j in departures if j is None]
    extra = [j for i, j in departures if i is None]
    paired = set(pairs)
    before_each = previous_found_all(pairs, found)
    after_each = next_found_all(pairs, found)
    edits: dict[int, tuple] = {}        # the change each generic cause's hint prescribes (``hints``)
    departed: dict[int, Node] = {}      # the operation each generic cause is about
    position = {id(node): k for k, node in enumerate(found.nodes)}
    if not found.complete and found.nodes and found.nodes[-1].failed:
        # the operation that raised is where the mistake showed: look before it (``raised.py``)
        departures, raised = raised_reading(expected, found, pairs, departures, expected_data, found_data)
    else:
        raised = None
    for i, j in departures:
        if i is not None and j is not None:
            e, f = expected.nodes[i], found.nodes[j]
            source = incoming_shape(f, found, input_shape)
            given = (source[1] if f.op == "conv2d" else prod(source[1:])) if source and len(source) > 1 else "?"
            cause = setting_cause(e, f, e_attrs[i], f_attrs[j], call, given) if e.op == f.op else kind_cause(e, f)
            edits[id(cause)] = ("change", j, i)
        elif j is None:
            e = expected.nodes[i]
            twin = next((k for k in extra if found.nodes[k].op == e.op
                         and f_attrs[k] == e_attrs[i]), None)
            before = before_each.get(i)
            if family(e.op) == "activation" and i and (i - 1, None) in paired \
                    and expected.nodes[i - 1].op in ("conv2d", "linear"):
                continue         # the layer it follows is missing too: one mistake
            if before is not None and as_written(e) in before.absorbed:
                continue         # the code has it: it computes nothing on the input an earlier mistake left
            if twin is not None:
                cause = moved_cause(e, found.nodes[twin], expected.nodes[i - 1] if i else None)
            else:
                cause = missing_cause(e, before, after_each.get(i))
                edits[id(cause)] = ("insert", position.get(id(before), -1), i)
        else:
            f = found.nodes[j]
            if any(expected.nodes[k].op == f.op and e_attrs[k] == f_attrs[j] for k in missing):
                continue         # reported as moved
            if family(f.op) == "activation" and any((None, k) in paired and found.nodes[k].op in ("conv2d", "linear")
                                                    for k in (j - 1, j + 1) if 0 <= k < len(found.nodes)):
                continue         # the extra layer it belongs to is the mistake
            cause = mixing_cause(f) if f.op in BATCH_MIXING else extra_cause(f)
            edits[id(cause)] = ("remove", j)
        departed[id(cause)] = found.nodes[j] if j is not None else expected.nodes[i]
        causes.append(cause)
    if raised is not None:
        causes.append(raised)
    if found.nodes and found.nodes[-1].failed and not causes:
        f = found.nodes[-1]
        causes.append(Cause(("raised", f.op), where_text(f),
                            f"{layer_text(f)} raised {f.failed}",
                            f"{LAYER_NAMES.get(f.op, f.op)} 运行出错。", "", "", f"{LAYER_NAMES.get(f.op, f.op)} raised"))
    named = [c for c in special if c is not None]
    if any(c.key == ("shortcut", "missing") for c in named):   # no addition: the counts of blocks and shortcuts follow
        named = [c for c in named if c.key[0] != "argument"]
    named.sort(key=lambda c: c.key[0] != "shortcut")
    if named:
        # a specific reading of the departures replaces the generic ones it explains
        generic = {"shortcut": {"missing", "extra", "position", "setting", "activation", "channels"},
                   "order": {"missing", "extra", "position", "setting", "channels", "activation"},
                   "concatenation": {"setting", "missing", "extra", "channels", "position"},
                   "argument": {"setting", "missing", "extra", "channels", "position", "activation"}}
        explained = set().union(*(generic[c.key[0]] for c in named))
        only_shortcut = {c.key[0] for c in named} == {"shortcut"}

        def is_explained(cause: Cause) -> bool:
            if cause.key[0] not in explained:
                return False
            node = departed.get(id(cause))      # a shortcut's place explains the operations of the shortcut
            return not only_shortcut or node is None or shortcut_operation(node)
        causes = named + [c for c in causes if not is_explained(c)]
    unique: list[Cause] = []
    keys: set = set()
    for cause in causes:
        if cause.key not in keys:
            keys.add(cause.key)
            unique.append(cause)
    affordable = len(expected.nodes) * len(found.nodes) <= HINT_CELLS
    for k, cause in enumerate(unique[:SHOWN_CAUSES]):     # the causes a student reads with their hints
        edit = edits.get(id(cause))
        if edit is not None and cause.hint and not (affordable and edit_works(expected, found, input_shape, edit)):
            unique[k] = replace(cause, hint="", hint_zh="")
    matched = sum(1 for i, j in pairs if i is not None and j is not None) / max(1, reached)
    local = bool(unique) and len(unique) <= LOCAL_MAX_CAUSES and matched >= LOCAL_MIN_MATCHED
    return Diagnosis(unique, local, matched)


def shortcut_operation(node: Node) -> bool:
    """An operation where a residual block's shortcut joins: the addition, the last ReLU, the BatchNorm before
    it, or the shortcut's own 1x1 convolution."""
    if node.op == "conv2d":
        return tuple(node.attrs.get("weight", ())[2:]) == (1, 1)
    return node.op in ("add", "relu", "batch_norm")


def next_found_all(pairs, found: Trace) -> dict[int, Node | None]:
    """For each of the book's operations in ``pairs``, the student's operation aligned first after it."""
    after, result = None, {}
    for a, b in reversed(pairs):
        if a is not None:
            result.setdefault(a, after)
        if b is not None:
            after = found.nodes[b]
    return result


def previous_found_all(pairs, found: Trace) -> dict[int, Node | None]:
    """For each of the book's operations in ``pairs``, the student's operation aligned last before it."""
    before, result = None, {}
    for a, b in pairs:
        if a is not None:
            result.setdefault(a, before)
        if b is not None:
            before = found.nodes[b]
    return result
