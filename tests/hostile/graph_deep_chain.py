{{SOLUTION}}
# >>> attack
# 1,500 ReLUs in a chain, then the network's own input added back (x + relu(...relu(x))): the grader read
# such a graph with a recursion as deep as the chain, and crashed (RecursionError: no report, no
# results.json; ``batch`` graded the file again on every run). Reading a graph is iterative now, and
# one far larger than the book's is not compared: the structure checks say so.
from torch import nn

_book = lenet


class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = _book()
        self.relus = nn.Sequential(*[nn.ReLU() for _ in range(1500)])

    def forward(self, x):
        y = self.net(x)
        return y + self.relus(y)


def lenet():
    return Chain()
# <<< attack
