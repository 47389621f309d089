"""training: a short, seeded training run must reach the calibrated test accuracy."""
import pytest

from grader import recipes
from grader.report import CheckFailure, bilingual

# Points only for the book's network (or one within the policy of it): see policy.require_book_network.
pytestmark = [pytest.mark.kind("training"), pytest.mark.needs_book_network]


def test_short_training_run(network, student):
    """short training run reaches the target accuracy
    中文：短时训练达到目标准确率
    """
    plan = recipes.training_check_plan(network.module, student.device)
    if plan is None:
        pytest.skip(f"skipped on {student.device}: {recipes.training_skip_reason(network.module, student.device)}")
    size = plan["input_size"]
    own = student.own_dead_parameters(network.call, [2, network.input_shape[1], size, size])
    if own:         # the replay trains what the graph shows; their own backward must agree
        raise CheckFailure(bilingual(
            f"after a backward pass through {network.call} in your own code, these parameters got no gradient: "
            f"{', '.join(own[:6])}{' ...' if len(own) > 6 else ''}; the network your code computes cannot be "
            "trained as the book's.\n  hint: look for a custom autograd Function, torch.no_grad() or .data "
            "inside forward.",
            f"在你自己的代码中对 {network.call} 反向传播后这些参数没有梯度：{', '.join(own[:6])}，无法像书中那样训练。\n"
            "  提示：检查 forward 中的自定义 autograd Function、torch.no_grad() 或 .data。"))
    result = student.ask("train", f"training {network.call}", device=student.device)
    if not isinstance(result, dict) or "test_acc" not in result:
        raise CheckFailure(bilingual("the training run returned no result", "训练没有返回结果。"))
    acc, target = float(result["test_acc"]), float(plan["target"])   # the target is the grader's, not the child's
    if not acc >= target:
        raise CheckFailure(bilingual(
            f"after a short training run ({result.get('steps', '?')} steps on {result.get('test_images', '?')} "
            f"held-out images) the test accuracy is {acc:.3f}; the reference reaches at least {target:.3f}.",
            f"短时间训练后测试准确率为 {acc:.3f}，参考实现至少能达到 {target:.3f}。"))
