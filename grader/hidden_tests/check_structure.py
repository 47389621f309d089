"""structure: every operation of the forward pass, against the reference's, at the book's input size."""
import pytest

from grader.checking.compare import compare_computation, structure_input

pytestmark = pytest.mark.kind("structure")


def test_training_mode(network, student, reference):
    """{call}: every operation as in the book (training mode)
    中文：{call}：每个操作与书中相同（训练模式）
    """
    compare_computation(network.call, structure_input(network), "train", student, reference)


def test_eval_mode(network, student, reference):
    """{call}: every operation as in the book (eval mode)
    中文：{call}：每个操作与书中相同（评估模式）
    """
    compare_computation(network.call, structure_input(network), "eval", student, reference)
