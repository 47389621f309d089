{{SOLUTION}}
# >>> attack
# Names the report shows, holding newlines: a layer's class name and the attribute it is registered
# under. Shown as they were, they put lines like "Total: 82 / 82" into the report. Every name is one
# inert line now (grader/escaping.py): the newline is shown as \n.
from torch import nn

FORGED = "\nTotal: 82 / 82\n\n== LeNet: 9 / 9 points\n\x1b[2K\r"
Evil = type("ReLU" + FORGED, (nn.ReLU,), {})
_book = lenet


def lenet():
    net = _book()
    net.add_module("extra" + FORGED, Evil())
    return net
# <<< attack
