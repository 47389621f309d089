"""property: hypothesis draws random valid arguments for every block builder (or other batch sizes)."""
import pytest
from hypothesis import given

from grader import strategies
from grader.checking.compare import PROPERTY_SETTINGS, same_as_reference
from grader.checking.plugin import builders
from grader.report import CheckFailure, bilingual
from grader.spec import NETWORKS

pytestmark = pytest.mark.kind("property")


def wrong_for_some_arguments(what: str, failure: CheckFailure) -> CheckFailure:
    return CheckFailure(bilingual(f"{what} is wrong for some arguments (random configurations, smallest failing "
                                  "one shown):", f"{what} 在某些参数下出错（随机配置，显示最小的失败例子）：")
                        + failure.text, cause=failure.cause)


def holds_for(strategy, edge_cases, what, student, reference):
    failures = []
    for call, shape in edge_cases:          # arguments a random draw easily misses
        try:
            same_as_reference(call, shape, student, reference)
        except CheckFailure as failure:
            raise wrong_for_some_arguments(what, failure) from None

    @PROPERTY_SETTINGS
    @given(strategy)
    def prop(example):
        try:
            same_as_reference(*example, student, reference)
        except CheckFailure as failure:
            failures.append(failure)
            raise

    try:
        prop()
    except CheckFailure:
        raise wrong_for_some_arguments(what, failures[-1]) from None


def test_builder_on_random_configurations(network, builder, student, reference):
    """{builder}(...) on random configurations
    中文：{builder}(...) 在随机配置下
    """
    holds_for(strategies.BUILDERS[builder], strategies.EDGE_CASES.get(builder, ()), f"{builder}(...)",
              student, reference)


@pytest.mark.networks(*[m for m in NETWORKS if not builders(m)])
def test_other_batch_sizes(network, student, reference):
    """{call} for other batch sizes
    中文：{call} 在其他批量大小下
    """
    holds_for(strategies.network(network.call, network.input_shape), (), network.call, student, reference)
