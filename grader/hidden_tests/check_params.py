"""params: the parameter counts of the network and of the book's block examples."""
import pytest

from grader.report import wrong_parameter_count

pytestmark = pytest.mark.kind("params")


def test_parameter_counts(network, student):
    """parameter counts
    中文：参数数量
    """
    cases = [(network.call, network.params, network.input_shape)]
    cases += [(ex.call, ex.params, ex.input_shape) for ex in network.examples]
    for call, expected, shape in cases:
        found = student.params(call, shape)
        if found != expected:
            raise wrong_parameter_count(call, found, expected)
