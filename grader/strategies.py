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


def network(call: str, input_shape, min_batch: int = 1):
    """The whole network at the book's image size, for other batch sizes."""
    return st.integers(max(2, min_batch), 4).map(lambda b: (call, (b, *input_shape[1:])))


BUILDERS = {"vgg_block": vgg_block(), "vgg": vgg(), "nin_block": nin_block(),
            "Inception": inception(), "Residual": residual(), "resnet_block": resnet_block()}

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
}
