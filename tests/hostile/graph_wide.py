{{SOLUTION}}
# >>> attack
# 20,000 ReLUs after the book's network (60,000 in the report that found it): aligning such a graph
# with the book's (quadratic, in the grading process, after the child's budget) kept the grader busy
# for minutes. A graph far larger than the book's is not compared, with a message; the replay refuses
# it too.
from torch import nn
from torch.nn import functional as F

_book = lenet


class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = _book()

    def forward(self, x):
        y = self.net(x)
        for _ in range(20_000):
            y = F.relu(y)
        return y


def lenet():
    return Wide()
# <<< attack
