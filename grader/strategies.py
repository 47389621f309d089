"""Hypothesis strategies: random valid configurations of every block builder.

Each strategy draws ``(call, input_shape)``: a call expression evaluated in the
student's module and an input it must accept. Channels and sizes stay small
so that each example costs milliseconds on the meta device.
"""
from hypothesis import strategies as st

channels = st.integers(1, 8)
batch = st.integers(1, 3)


@st.composite
def vgg_block(draw):
    num_convs, cin, cout = draw(st.integers(1, 3)), draw(channels), draw(channels)
    size = draw(st.sampled_from([2, 4, 6, 8]))
    return f"vgg_block({num_convs}, {cin}, {cout})", (draw(batch), cin, size, size)


@st.composite
def vgg(draw):
    arch = tuple((draw(st.integers(1, 2)), draw(channels)) for _ in range(draw(st.integers(1, 3))))
    size = 7 * 2 ** len(arch)          # the head expects 7x7 after the last block
    return f"vgg({arch!r})", (draw(batch), 1, size, size)


@st.composite
def nin_block(draw):
    cin, cout = draw(channels), draw(channels)
    kernel, strides, padding = draw(st.sampled_from([1, 3, 5])), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    size = draw(st.integers(kernel, kernel + 6))
    return (f"nin_block({cin}, {cout}, kernel_size={kernel}, strides={strides}, padding={padding})",
            (draw(batch), cin, size, size))


@st.composite
def inception(draw):
    cin = draw(channels)
    c1, c4 = draw(channels), draw(channels)
    c2, c3 = (draw(channels), draw(channels)), (draw(channels), draw(channels))
    size = draw(st.integers(1, 6))
    return f"Inception({cin}, {c1}, {c2!r}, {c3!r}, {c4})", (draw(batch), cin, size, size)


@st.composite
def residual(draw):
    cin = draw(channels)
    if draw(st.booleans()):
        cout, strides = draw(channels), draw(st.integers(1, 2))
        call = f"Residual({cin}, {cout}, use_1x1conv=True, strides={strides})"
    else:
        call = f"Residual({cin}, {cin})"
    size = draw(st.integers(2, 7))
    return call, (draw(st.integers(2, 3)), cin, size, size)


@st.composite
def resnet_block(draw):
    first = draw(st.booleans())
    cin = draw(channels)
    cout = cin if first else draw(channels)
    call = f"resnet_block({cin}, {cout}, {draw(st.integers(1, 3))}, first_block={first})"
    size = draw(st.integers(2, 7))
    return call, (draw(st.integers(2, 3)), cin, size, size)


@st.composite
def conv_block(draw):
    cin, cout = draw(channels), draw(channels)
    size = draw(st.integers(1, 6))
    return f"conv_block({cin}, {cout})", (draw(st.integers(2, 3)), cin, size, size)


@st.composite
def dense_block(draw):
    num_convs, cin, cout = draw(st.integers(1, 4)), draw(channels), draw(channels)
    size = draw(st.integers(1, 6))
    return f"DenseBlock({num_convs}, {cin}, {cout})", (draw(st.integers(2, 3)), cin, size, size)


@st.composite
def transition_block(draw):
    cin, cout = draw(channels), draw(channels)
    size = draw(st.integers(2, 8))
    return f"transition_block({cin}, {cout})", (draw(st.integers(2, 3)), cin, size, size)


@st.composite
def batch_norm_input(draw):
    """A batch for the BatchNorm from scratch: 2-D (batch, features) or 4-D (batch, channels, height, width),
    more than one value per feature or channel, and how its values are drawn (seed, scale, shift)."""
    features = draw(st.integers(1, 6))
    if draw(st.booleans()):
        shape = (draw(st.integers(2, 6)), features)
    else:
        height, width = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        shape = (draw(st.integers(1 if height * width > 1 else 2, 3)), features, height, width)
    return {"shape": shape, "seed": draw(st.integers(0, 2 ** 16)), "scale": draw(st.sampled_from([0.5, 1.0, 3.0])),
            "shift": draw(st.sampled_from([-2.0, 0.0, 1.5]))}


# eps and momentum of a batch_norm call (1e-5 and 0.9 in the book's BatchNorm)
batch_norm_settings = st.fixed_dictionaries({"eps": st.sampled_from([1e-5, 1e-3, 0.1]),
                                             "momentum": st.sampled_from([0.9, 0.75, 0.6])})
BOOK_BATCH_NORM_SETTINGS = {"eps": 1e-5, "momentum": 0.9}
BOOK_BATCH_NORM_INPUTS = ({"shape": (2, 6, 4, 4), "seed": 1, "scale": 1.0, "shift": 0.0},
                          {"shape": (4, 8), "seed": 2, "scale": 1.0, "shift": 0.0})


def network(call: str, input_shape, min_batch: int = 1):
    """The whole network at the book's image size, for other batch sizes."""
    return st.integers(max(2, min_batch), 4).map(lambda b: (call, (b, *input_shape[1:])))


BUILDERS = {"vgg_block": vgg_block(), "vgg": vgg(), "nin_block": nin_block(),
            "Inception": inception(), "Residual": residual(), "resnet_block": resnet_block(),
            "conv_block": conv_block(), "DenseBlock": dense_block(), "transition_block": transition_block()}

# Configurations a random draw easily misses, tried first: arguments that
# leave shapes alone, where a builder that ignores them is not caught by shapes.
EDGE_CASES = {
    "Residual": [("Residual(3, 3, use_1x1conv=True, strides=1)", (2, 3, 4, 4)),
                 ("Residual(2, 4, use_1x1conv=True, strides=2)", (2, 2, 5, 5))],
    "resnet_block": [("resnet_block(4, 4, 2, first_block=False)", (2, 4, 4, 4)),
                     ("resnet_block(2, 2, 3, first_block=True)", (2, 2, 4, 4))],
    "nin_block": [("nin_block(2, 3, kernel_size=3, strides=2, padding=1)", (2, 2, 7, 7))],
    "vgg_block": [("vgg_block(3, 2, 2)", (2, 2, 4, 4))],
    "vgg": [("vgg(((2, 4), (1, 2)))", (2, 1, 28, 28))],
    "Inception": [("Inception(3, 2, (2, 2), (2, 2), 2)", (2, 3, 4, 4))],
    # the same number of channels in and out: a block that swaps its arguments is not caught by shapes
    "conv_block": [("conv_block(3, 3)", (2, 3, 4, 4))],
    "DenseBlock": [("DenseBlock(3, 2, 2)", (2, 2, 4, 4))],
    "transition_block": [("transition_block(2, 2)", (2, 2, 4, 4))],
}
