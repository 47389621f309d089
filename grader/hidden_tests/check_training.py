"""training: a short, seeded training run must reach the calibrated test accuracy."""
import pytest

from grader import recipes
from grader.report import CheckFailure, bilingual

pytestmark = pytest.mark.kind("training")


def test_short_training_run(network, student):
    """short training run reaches the target accuracy"""
    plan = recipes.training_check_plan(network.module, student.device)
    if plan is None:
        pytest.skip(f"skipped on {student.device}: {recipes.training_skip_reason(network.module, student.device)}")
    result = student.ask("train", f"training {network.call}", device=student.device)
    if not isinstance(result, dict) or "test_acc" not in result:
        raise CheckFailure("the training run returned no result\n训练没有返回结果")
    acc, target = float(result["test_acc"]), float(plan["target"])   # the target is the grader's, not the child's
    if not acc >= target:
        raise CheckFailure(bilingual(
            f"after a short training run ({result.get('steps', '?')} steps on {result.get('test_images', '?')} "
            f"held-out images) the test accuracy is {acc:.3f}; the reference reaches at least {target:.3f}.",
            f"短时间训练后测试准确率为 {acc:.3f}，参考实现至少能达到 {target:.3f}。"))
