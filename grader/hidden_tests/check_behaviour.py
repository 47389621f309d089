"""behaviour: real arithmetic on small batches, at the smallest image size each check allows.

Every parameter gets a gradient; eval mode is deterministic and treats each
image on its own; dropout is active in training mode; block outputs are never
negative; a ``Residual`` whose main branch is silenced returns exactly
``relu(shortcut(X))``; a ``DenseBlock`` returns its input unchanged in its
first channels, then the new features. (The BatchNorm written from scratch
has its own checks: ``check_batch_norm_scratch.py``.)
"""
import pytest

from grader.checking.batchnorm_causes import batch_in_prediction_cause
from grader.checking.compare import close
from grader.computation.diagnose import Cause
from grader.report import CheckFailure, bilingual

# Points only for the book's network (or one within the policy of it): see policy.require_book_network.
pytestmark = [pytest.mark.kind("behaviour"), pytest.mark.needs_book_network]

# (call, input). The checks hold at any image size, so each network runs at the smallest size that still
# leaves a 2x2 map before its global pooling (NiN 128 and ResNet 64, not the book's 224: a mistaken
# network's replay is the costliest part of its grading), except where the structure check has recorded
# the network's graphs at the book's size already (GoogLeNet and DenseNet at 96: another size would need
# two more recordings). AlexNet's Linear(6400) needs 224, LeNet's 28; VGG runs a small conv_arch at 28.
BEHAVIOUR_INPUT = {
    "lenet": ("lenet()", (4, 1, 28, 28)),
    "batch_norm": ("lenet_bn()", (4, 1, 28, 28)),
    "alexnet": ("alexnet()", (2, 1, 224, 224)),
    "vgg": ("vgg(((1, 4), (2, 8)))", (3, 1, 28, 28)),
    "nin": ("nin()", (2, 1, 128, 128)),
    "googlenet": ("googlenet()", (2, 1, 96, 96)),
    "resnet": ("resnet18()", (2, 1, 64, 64)),
    "batch_norm_scratch": ("lenet_bn_scratch()", (4, 1, 28, 28)),
    "densenet": ("densenet()", (2, 1, 96, 96)),
}
BLOCKS = {"vgg": [("vgg_block(2, 3, 4)", (2, 3, 8, 8))],
          "nin": [("nin_block(3, 4, kernel_size=3, strides=1, padding=1)", (2, 3, 8, 8))],
          "googlenet": [("Inception(4, 2, (3, 4), (2, 3), 2)", (2, 4, 5, 5))],
          "resnet": [("Residual(3, 3)", (2, 3, 6, 6)),
                     ("Residual(3, 6, use_1x1conv=True, strides=2)", (2, 3, 6, 6))]}


def test_gradients_reach_every_parameter(network, student):
    """gradients reach every parameter
    中文：梯度到达每一个参数
    """
    call, shape = BEHAVIOUR_INPUT[network.module]
    report = student.ask("gradients", f"backpropagating through {call}", call=call, input_shape=list(shape))
    dead = [name for name, _, alive in report if not alive]
    if dead:
        raise CheckFailure(bilingual(
            f"after a backward pass through {call}, these parameters got no gradient: "
            f"{', '.join(dead[:6])}{' ...' if len(dead) > 6 else ''}.\n"
            "  hint: look for .detach(), torch.no_grad() or a branch whose output is not used.",
            f"{call} 反向传播后这些参数没有梯度：{', '.join(dead[:6])}。"
            "请检查 .detach()、torch.no_grad() 或未被使用的分支。"))
    own = student.own_dead_parameters(call, shape)     # their own backward: a cut the graph does not show
    if own:
        raise CheckFailure(bilingual(
            f"after a backward pass through {call} in your own code, these parameters got no gradient: "
            f"{', '.join(own[:6])}{' ...' if len(own) > 6 else ''}.\n"
            "  hint: look for a custom autograd Function, torch.no_grad() or .data inside forward.",
            f"在你自己的代码中对 {call} 反向传播后这些参数没有梯度：{', '.join(own[:6])}。"
            "请检查 forward 中的自定义 autograd Function、torch.no_grad() 或 .data。"))


def test_eval_mode_is_deterministic_per_image(network, student):
    """eval mode: deterministic, one image at a time
    中文：评估模式：输出确定，逐张图片计算
    """
    call, shape = BEHAVIOUR_INPUT[network.module]
    full, first, again = student.ask(
        "outputs", f"running {call} in eval mode", call=call,
        input_shapes=[list(shape), [1, *shape[1:]], list(shape)], mode="eval", reseed=[1, 2, 3])
    if not close(full, again):
        raise CheckFailure(bilingual(
            f"in eval mode, {call} gives different outputs for the same input.\n"
            "  hint: dropout must be off in eval mode (use nn.Dropout, or pass training=self.training).",
            f"评估模式下 {call} 对相同输入给出不同输出：评估模式下应关闭 dropout。"))
    if not close(full[0], first[0]):
        if network.module == "batch_norm_scratch":       # the student's own BatchNorm: the mistake has a name
            cause = batch_in_prediction_cause("BatchNorm (yours)")
            raise CheckFailure(bilingual(
                f"in eval mode, the output of {call} for one image depends on the other images in the batch.",
                f"评估模式下 {call} 对一张图片的输出依赖于同一批中的其他图片。") + "\n" + cause.message(),
                cause=(cause, True))
        raise CheckFailure(bilingual(
            f"in eval mode, the output of {call} for one image depends on the other images in the batch.\n"
            "  hint: in eval mode BatchNorm must use its running statistics (keep the default "
            "track_running_stats=True and use nn.BatchNorm).",
            f"评估模式下 {call} 对一张图片的输出依赖于同一批中的其他图片：BatchNorm 应使用滑动平均统计量。"))


@pytest.mark.networks("alexnet", "vgg", "nin")
def test_dropout_is_active_in_training(network, student):
    """training mode: dropout is active
    中文：训练模式：dropout 起作用
    """
    call, shape = BEHAVIOUR_INPUT[network.module]
    one, two = student.ask("outputs", f"running {call} in training mode", call=call,
                           input_shapes=[list(shape), list(shape)], mode="train", reseed=[1, 2])
    if close(one, two):
        raise CheckFailure(bilingual(
            f"in training mode, {call} gives identical outputs twice: its dropout layers do nothing.",
            f"训练模式下 {call} 两次输出完全相同：dropout 没有起作用。"))


@pytest.mark.networks(*BLOCKS)
def test_block_outputs_are_never_negative(network, student):
    """block outputs are never negative
    中文：块的输出从不为负
    """
    for call, shape in BLOCKS[network.module]:
        result = student.ask("minimum", f"running {call}", call=call, input_shape=list(shape))
        if result["min"] < 0:
            raise CheckFailure(bilingual(
                f"{call} returned a negative value ({result['min']:.3g}); the book's block ends every "
                "path with a ReLU, so its output is never negative.",
                f"{call} 输出了负数（{result['min']:.3g}）；书中的块在每条路径末尾都有 ReLU，输出不应为负。"))


def relu(values):
    return [relu(v) for v in values] if isinstance(values, list) else max(0.0, values)


def conv1x1(x, weight, bias, stride):
    """A 1x1 convolution in plain Python: x[n][c][h][w], weight[out][in]."""
    out = []
    for image in x:
        height, width = len(image[0]), len(image[0][0])
        rows = range(0, height, stride[0])
        cols = range(0, width, stride[1])
        out.append([[[sum(w[c] * image[c][i][j] for c in range(len(w))) + (bias[o] if bias else 0.0)
                      for j in cols] for i in rows] for o, w in enumerate(weight)])
    return out


@pytest.mark.networks("resnet")
def test_residual_identity(network, student, reference):
    """residual identity: silenced branch gives relu(shortcut)
    中文：残差恒等：主分支置零时输出 relu(shortcut)
    """
    for call, shape in BLOCKS["resnet"]:
        seen = student.ask("residual_identity", f"running {call} with its residual branch silenced",
                           call=call, input_shape=list(shape))
        book = reference.ask("residual_identity", f"running {call} with its residual branch silenced",
                             call=call, input_shape=list(shape))
        sizes = [(len(s["weight"]), len(s["weight"][0]) if s["weight"] else 0) for s in seen["shortcuts"]]
        book_sizes = [(len(s["weight"]), len(s["weight"][0])) for s in book["shortcuts"]]
        if len(seen["shortcuts"]) == len(book["shortcuts"]) and sizes != book_sizes:     # before any arithmetic
            raise CheckFailure(bilingual(
                f"{call}'s 1x1 convolution maps {sizes[0][1]} channels to {sizes[0][0]}; the book's maps "
                f"{book_sizes[0][1]} to {book_sizes[0][0]}.",
                f"{call} 的 1x1 卷积把 {sizes[0][1]} 个通道映射为 {sizes[0][0]} 个；书中为 {book_sizes[0][1]} 到 "
                f"{book_sizes[0][0]}。"))
        if seen["norms"] < 2:
            raise CheckFailure(bilingual(f"{call} has {seen['norms']} BatchNorm layers; the book's has 2.",
                                         f"{call} 应有 2 个 BatchNorm 层，实际为 {seen['norms']} 个。"))
        if "use_1x1conv=True" in call:
            if len(seen["shortcuts"]) != 1:
                raise CheckFailure(bilingual(
                    f"{call} should have exactly one 1x1 convolution (the shortcut); found "
                    f"{len(seen['shortcuts'])}.",
                    f"{call} 应恰好有一个 1x1 卷积（捷径），实际为 {len(seen['shortcuts'])} 个。"))
            s = seen["shortcuts"][0]
            expected = relu(conv1x1(seen["input"], s["weight"], s["bias"], s["stride"]))
            shortcut = "relu(conv1x1(X))"
        else:
            expected, shortcut = relu(seen["input"]), "relu(X)"
        if not close(seen["output"], expected):
            raise CheckFailure(bilingual(
                f"with its residual branch silenced (both BatchNorm layers scaled to 0), {call} must "
                f"return exactly {shortcut}; it does not.\n"
                "  hint: the block computes relu(bn2(conv2(...)) + shortcut(X)): add the shortcut after "
                "bn2, then apply the ReLU.",
                f"将残差分支置零（两个 BatchNorm 的缩放为 0）后，{call} 应恰好输出 {shortcut}。"
                "请先计算 bn2 的输出，再加上捷径，最后做 ReLU。"))


DENSE_BLOCKS = [("DenseBlock(2, 3, 4)", (2, 3, 5, 5)), ("DenseBlock(3, 4, 2)", (2, 4, 3, 3))]


@pytest.mark.networks("densenet")
def test_dense_block_passes_its_input_through_first(network, student):
    """DenseBlock: its input first, unchanged, then the new features
    中文：DenseBlock：先是原样的输入，然后是新特征
    """
    for call, shape in DENSE_BLOCKS:
        seen = student.ask("input_output", f"running {call}", call=call, input_shape=list(shape))
        x, y = seen["input"], seen["output"]
        channels = len(x[0])
        if len(y[0]) < channels or not close([image[:channels] for image in y], x, tol=1e-6):
            later = len(y[0]) >= channels and close([image[-channels:] for image in y], x, tol=1e-6)
            where = "the end" if later else "nowhere"
            cause = Cause(("concatenation", "order"), call,
                          f"{call}'s output does not start with its input: the book concatenates the input first, "
                          f"then the new features; its input is found at {where} of yours.",
                          f"{call} 的输出没有以输入开头：书中先拼接输入，再拼接新特征。",
                          "X = torch.cat((X, Y), dim=1) after each convolution block.",
                          "每个卷积块之后：X = torch.cat((X, Y), dim=1)。",
                          "DenseBlock: new features concatenated before the input") if later else None
            message = bilingual(
                f"{call} on an input of shape {shape}: the first {channels} channels of its output are not its "
                f"input, unchanged" + (" (its input is at the end: the order is reversed)." if later else "."),
                f"{call}：输出的前 {channels} 个通道应原样等于输入。")
            if cause is not None:
                raise CheckFailure(message + "\n" + cause.message(), cause=(cause, True))
            raise CheckFailure(message + bilingual("  hint: concatenate on the channel axis, input first: "
                                                   "X = torch.cat((X, Y), dim=1).",
                                                   "  提示：在通道维上拼接，输入在前：X = torch.cat((X, Y), dim=1)。"))
