"""shapes: the shapes the computation produces, at the book's input size; the block examples."""
import pytest

from grader.checking.compare import book_shapes
from grader.report import wrong_output_shape
from grader.spec import NETWORKS

pytestmark = pytest.mark.kind("shapes")


def test_book_table(network, student, note):
    """{call} layer table at {input}
    中文：{call} 在输入 {input} 时的逐层形状表
    """
    note(book_shapes(network, student))


@pytest.mark.networks(*[m for m, spec in NETWORKS.items() if spec.examples])
def test_block_examples(network, student):
    """block examples: output shapes
    中文：块示例：输出形状
    """
    for example in network.examples:
        found = student.output_shape(example.call, example.input_shape)
        if found != example.output_shape:
            raise wrong_output_shape(example.call, example.input_shape, found, example.output_shape)
