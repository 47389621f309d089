"""How each torch operation is named and described, whatever its spelling.

``nn.ReLU()``, ``F.relu``, ``torch.relu``, ``x.relu_()`` and ``clamp(min=0)``
are one ``relu``; ``3`` and ``(3, 3)`` are one kernel; ``padding='same'`` is the
padding it implies. Only hyperparameters that change the function are kept.
"""
from __future__ import annotations

IGNORED = {"dim", "size", "numel", "__len__", "__bool__", "__get__", "__format__", "__repr__",
           "is_contiguous", "__getattribute__", "__hash__", "__eq__", "__setstate__", "stride",
           "data_ptr", "element_size", "__index__", "__ne__"}
# Operations that pass their one tensor input through unchanged in value.
TRANSPARENT = {"contiguous", "clone", "to", "type_as", "float", "__deepcopy__", "requires_grad_",
               "identity", "cpu", "cuda"}
RENAMED = {"relu_": "relu", "sigmoid_": "sigmoid", "add_": "add", "__add__": "add", "__iadd__": "add",
           "__radd__": "add", "view": "reshape", "flatten": "reshape", "reshape": "reshape",
           "unflatten": "reshape", "squeeze": "reshape", "unsqueeze": "reshape", "view_as": "reshape",
           "reshape_as": "reshape", "squeeze_": "reshape", "unsqueeze_": "reshape",
           "dropout_": "dropout", "tanh_": "tanh", "mul_": "mul", "__mul__": "mul", "__imul__": "mul",
           "__rmul__": "mul", "clamp_min": "clamp", "clamp_": "clamp", "clamp_min_": "clamp",
           "max_pool2d_with_indices": "max_pool2d", "concat": "cat", "concatenate": "cat",
           "flatten_": "reshape", "sub_": "sub", "__sub__": "sub", "__isub__": "sub",
           "expit": "sigmoid", "threshold": "threshold"}
COMMUTATIVE = {"add", "mul"}
ACTIVATIONS = {"relu", "sigmoid", "tanh", "gelu", "leaky_relu", "elu", "silu", "hardtanh", "relu6", "softmax",
               "log_softmax", "selu", "mish", "hardswish", "hardsigmoid", "softplus", "threshold"}
POOLS = {"max_pool2d", "avg_pool2d", "global_avg_pool", "adaptive_avg_pool2d", "adaptive_max_pool2d", "lp_pool2d"}
LAYERS = {"conv2d", "linear", "batch_norm"}
DROPOUTS = {"dropout", "dropout1d", "dropout2d", "dropout3d"}     # whole elements, or whole channels


def pair(value):
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value) * (2 if len(value) == 1 else 1)
    return (int(value), int(value))


def get(args, kwargs, index, name, default=None):
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def conv_attrs(args, kwargs):
    weight, bias = get(args, kwargs, 1, "weight"), get(args, kwargs, 2, "bias")
    kernel = tuple(weight.shape[2:])
    dilation = pair(get(args, kwargs, 5, "dilation", 1))
    padding = get(args, kwargs, 4, "padding", 0)
    if padding == "valid":
        padding = 0
    if padding == "same":   # PyTorch allows it only with stride 1; odd kernels pad evenly
        padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return {"weight": tuple(weight.shape), "bias": bias is not None,
            "stride": pair(get(args, kwargs, 3, "stride", 1)), "padding": pair(padding),
            "dilation": dilation, "groups": int(get(args, kwargs, 6, "groups", 1))}


def linear_attrs(args, kwargs):
    weight, bias = get(args, kwargs, 1, "weight"), get(args, kwargs, 2, "bias")
    return {"weight": tuple(weight.shape), "bias": bias is not None}


def batch_norm_attrs(args, kwargs):
    own = get(args, kwargs, 1, "running_mean")
    own = own if own is not None else get(args, kwargs, 3, "weight")
    return {"features": int(own.numel()) if hasattr(own, "numel") else int(args[0].shape[1]),   # the layer's own
            "running_stats": get(args, kwargs, 1, "running_mean") is not None,
            "affine": get(args, kwargs, 3, "weight") is not None,
            "training": bool(get(args, kwargs, 5, "training", False)),
            "momentum": get(args, kwargs, 6, "momentum", 0.1),
            "eps": float(get(args, kwargs, 7, "eps", 1e-5))}


def dropout_attrs(args, kwargs):
    return {"p": float(get(args, kwargs, 1, "p", 0.5)),
            "training": bool(get(args, kwargs, 2, "training", True))}


def max_pool_attrs(args, kwargs):
    kernel = pair(get(args, kwargs, 1, "kernel_size"))
    stride = get(args, kwargs, 2, "stride", None)
    return {"kernel": kernel, "stride": pair(stride) if stride not in (None, (), []) else kernel,
            "padding": pair(get(args, kwargs, 3, "padding", 0)),
            "dilation": pair(get(args, kwargs, 4, "dilation", 1)),
            "ceil_mode": bool(get(args, kwargs, 5, "ceil_mode", False))}


def avg_pool_attrs(args, kwargs):
    kernel = pair(get(args, kwargs, 1, "kernel_size"))
    stride = get(args, kwargs, 2, "stride", None)
    padding = pair(get(args, kwargs, 3, "padding", 0))
    attrs = {"kernel": kernel, "stride": pair(stride) if stride not in (None, (), []) else kernel,
             "padding": padding, "ceil_mode": bool(get(args, kwargs, 4, "ceil_mode", False)),
             "divisor": get(args, kwargs, 6, "divisor_override", None)}
    if padding != (0, 0):   # only then does counting the padding change anything
        attrs["count_include_pad"] = bool(get(args, kwargs, 5, "count_include_pad", True))
    elif attrs["divisor"] is not None and attrs["divisor"] == kernel[0] * kernel[1]:
        attrs["divisor"] = None     # a sum over the window's count: without padding, every window's count
    return attrs


def adaptive_pool_attrs(args, kwargs):
    size = get(args, kwargs, 1, "output_size")
    return {"output_size": pair(size) if not isinstance(size, (list, tuple)) or None not in size
            else tuple(size)}


def cat_attrs(args, kwargs):
    tensors = get(args, kwargs, 0, "tensors")
    dim = int(get(args, kwargs, 1, "dim", 0))
    return {"dim": dim % tensors[0].dim()}


def clamp_attrs(args, kwargs):
    return {"min": get(args, kwargs, 1, "min", None), "max": get(args, kwargs, 2, "max", None)}


def no_attrs(args, kwargs):
    return {}


ATTRS = {"reshape": no_attrs, "conv2d": conv_attrs, "linear": linear_attrs, "batch_norm": batch_norm_attrs,
         "dropout": dropout_attrs, "dropout1d": dropout_attrs, "dropout2d": dropout_attrs,
         "dropout3d": dropout_attrs, "max_pool2d": max_pool_attrs, "avg_pool2d": avg_pool_attrs,
         "adaptive_avg_pool2d": adaptive_pool_attrs, "adaptive_max_pool2d": adaptive_pool_attrs,
         "cat": cat_attrs, "clamp": clamp_attrs, "relu": no_attrs, "sigmoid": no_attrs, "tanh": no_attrs}


def generic_attrs(args, kwargs):
    attrs = {f"arg{i}": a for i, a in enumerate(args) if isinstance(a, (int, float, bool, str)) or a is None}
    attrs.update({k: v for k, v in kwargs.items() if isinstance(v, (int, float, bool, str))})
    for i, a in enumerate(args):      # dims given as tuples (mean over (2, 3))
        if isinstance(a, (list, tuple)) and all(isinstance(v, int) for v in a):
            attrs[f"arg{i}"] = tuple(a)
    return attrs


def describe(op: str, args, kwargs) -> tuple[str, dict]:
    """The canonical name and hyperparameters of one call (before no-op and pooling rules)."""
    attrs = ATTRS.get(op, generic_attrs)(args, kwargs)
    if op == "clamp" and attrs == {"min": 0, "max": None}:
        return "relu", {}
    if op == "threshold" and len(args) >= 3 and args[1] == 0 and args[2] == 0:
        return "relu", {}
    return op, attrs
