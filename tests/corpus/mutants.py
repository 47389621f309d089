"""Known-wrong submissions: the reference solutions with one typical mistake each.

Every record of ``MUTANTS`` is one mistake a student makes, written as one
exact text replacement in ``solutions/<module>.py`` (``old`` occurs there
exactly once). ``materialize(mutant, dest)`` writes a complete submission
folder: the seven solution files, the one module patched.

``invisible`` is True when the visible tests of that module still pass on the
mutant (shapes and parameter counts at the book's input sizes and the block
examples are unchanged): these are the mistakes only the hidden grader can
catch. ``tests/corpus/check_corpus.py`` verifies every field of this table.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
MODULE_NAMES = ("lenet", "batch_norm", "alexnet", "vgg", "nin", "googlenet", "resnet")


@dataclass(frozen=True)
class Mutant:
    id: str            # short slug, unique
    module: str        # which of the seven modules is patched
    description: str   # the mistake, as a teacher would name it
    invisible: bool    # True: the module's visible tests still pass
    old: str           # exact text of solutions/<module>.py, occurring exactly once
    new: str           # what replaces it


# A hand-written Flatten that keeps the per-example shape but mixes the examples of a batch
# (channels moved to the front before reshaping). Appended after a module's last function:
# names are looked up when the builder runs, so it may be defined below its use.
_MIXING_FLATTEN = '''


class Flatten(nn.Module):
    """Flatten every example of the batch into one vector."""

    def forward(self, x):
        return x.transpose(0, 1).reshape(x.shape[0], -1)
'''

M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # ----------------------------------------------------------------- LeNet
    M("lenet-relu", "lenet",
      "LeNet: first convolution is followed by ReLU instead of Sigmoid",
      False,
      "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),",
      "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),"),
    M("lenet-maxpool", "lenet",
      "LeNet: first pooling layer is MaxPool2d instead of AvgPool2d",
      False,
      "nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Conv2d(6, 16, kernel_size=5)",
      "nn.MaxPool2d(kernel_size=2, stride=2),\n        nn.Conv2d(6, 16, kernel_size=5)"),
    M("lenet-missing-sigmoid", "lenet",
      "LeNet: no Sigmoid after the second fully connected layer",
      False,
      "nn.Linear(120, 84), nn.Sigmoid(),",
      "nn.Linear(120, 84),"),
    M("lenet-sigmoid-on-scores", "lenet",
      "LeNet: a Sigmoid squashes the class scores after the last Linear",
      False,
      "nn.Linear(84, 10))",
      "nn.Linear(84, 10), nn.Sigmoid())"),
    M("lenet-pool-3x3", "lenet",
      "LeNet: second pooling uses a 3x3 window with padding 1 (stride 2) instead of 2x2; "
      "same output size",
      True,
      "nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Flatten(),",
      "nn.AvgPool2d(kernel_size=3, stride=2, padding=1),\n        nn.Flatten(),"),
    M("lenet-sum-pool", "lenet",
      "LeNet: first pooling layer sums the window (divisor_override=1) instead of averaging it",
      True,
      "nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Conv2d(6, 16, kernel_size=5)",
      "nn.AvgPool2d(kernel_size=2, stride=2, divisor_override=1),\n"
      "        nn.Conv2d(6, 16, kernel_size=5)"),
    M("lenet-no-first-padding", "lenet",
      "LeNet: the first convolution has no padding (the book pads by 2)",
      False,
      "nn.Conv2d(1, 6, kernel_size=5, padding=2)",
      "nn.Conv2d(1, 6, kernel_size=5)"),
    M("lenet-extra-linear", "lenet",
      "LeNet: one fully connected layer too many (84 -> 84 with a Sigmoid) before the last",
      False,
      "nn.Linear(84, 10))",
      "nn.Linear(84, 84), nn.Sigmoid(),\n        nn.Linear(84, 10))"),
    M("lenet-reflect-padding", "lenet",
      "LeNet: first convolution pads by reflection instead of with zeros",
      True,
      "nn.Conv2d(1, 6, kernel_size=5, padding=2)",
      "nn.Conv2d(1, 6, kernel_size=5, padding=2, padding_mode='reflect')"),
    M("lenet-flatten-mixes-batch", "lenet",
      "LeNet: Flatten written by hand as x.transpose(0, 1).reshape(batch, -1), "
      "which mixes the examples of a batch",
      True,
      "        nn.Flatten(),\n"
      "        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),\n"
      "        nn.Linear(120, 84), nn.Sigmoid(),\n"
      "        nn.Linear(84, 10))\n"
      "    ### END SOLUTION\n",
      "        Flatten(),\n"
      "        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),\n"
      "        nn.Linear(120, 84), nn.Sigmoid(),\n"
      "        nn.Linear(84, 10))\n"
      "    ### END SOLUTION\n" + _MIXING_FLATTEN),

    # ------------------------------------------------------ LeNet + BatchNorm
    M("bn-after-sigmoid", "batch_norm",
      "LeNet-BN: first BatchNorm2d comes after the Sigmoid instead of between conv and Sigmoid",
      False,
      "nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),",
      "nn.Conv2d(1, 6, kernel_size=5), nn.Sigmoid(), nn.BatchNorm2d(6),"),
    M("bn-relu", "batch_norm",
      "LeNet-BN: second convolution block uses ReLU instead of Sigmoid",
      False,
      "nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),",
      "nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.ReLU(),"),
    M("bn1d-no-affine", "batch_norm",
      "LeNet-BN: BatchNorm1d(84) without learnable scale and shift (affine=False)",
      False,
      "nn.BatchNorm1d(84)",
      "nn.BatchNorm1d(84, affine=False)"),
    M("bn-eps", "batch_norm",
      "LeNet-BN: BatchNorm2d(16) with eps=1e-3 instead of the default 1e-5",
      True,
      "nn.BatchNorm2d(16)",
      "nn.BatchNorm2d(16, eps=1e-3)"),
    M("bn-momentum", "batch_norm",
      "LeNet-BN: BatchNorm1d(120) with momentum=0.9 (Keras convention) instead of PyTorch's 0.1",
      True,
      "nn.BatchNorm1d(120)",
      "nn.BatchNorm1d(120, momentum=0.9)"),
    M("bn-no-running-stats", "batch_norm",
      "LeNet-BN: BatchNorm2d(6) keeps no running statistics (track_running_stats=False), "
      "so evaluation mode still normalizes with batch statistics",
      True,
      "nn.BatchNorm2d(6)",
      "nn.BatchNorm2d(6, track_running_stats=False)"),
    M("bn-pool-3x3", "batch_norm",
      "LeNet-BN: first pooling uses a 3x3 window with padding 1 (stride 2) instead of 2x2; "
      "same output size",
      True,
      "nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Conv2d(6, 16, kernel_size=5)",
      "nn.AvgPool2d(kernel_size=3, stride=2, padding=1),\n        nn.Conv2d(6, 16, kernel_size=5)"),

    # --------------------------------------------------------------- AlexNet
    M("alex-avgpool", "alexnet",
      "AlexNet: second pooling layer is AvgPool2d instead of MaxPool2d",
      False,
      "nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),\n"
      "        nn.MaxPool2d(kernel_size=3, stride=2),",
      "nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),\n"
      "        nn.AvgPool2d(kernel_size=3, stride=2),"),
    M("alex-missing-relu", "alexnet",
      "AlexNet: no ReLU after the fourth convolution",
      False,
      "nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),",
      "nn.Conv2d(384, 384, kernel_size=3, padding=1),"),
    M("alex-missing-dropout", "alexnet",
      "AlexNet: no Dropout after the second fully connected layer",
      False,
      "nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),",
      "nn.Linear(4096, 4096), nn.ReLU(),"),
    M("alex-dropout-p", "alexnet",
      "AlexNet: first Dropout drops with p=0.2 instead of 0.5",
      True,
      "nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),",
      "nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.2),"),
    M("alex-pool-window4", "alexnet",
      "AlexNet: first max pooling uses a 4x4 window (stride 2) instead of the overlapping 3x3; "
      "same output size",
      True,
      "nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),\n"
      "        nn.MaxPool2d(kernel_size=3, stride=2),",
      "nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),\n"
      "        nn.MaxPool2d(kernel_size=4, stride=2),"),
    M("alex-conv1-no-padding", "alexnet",
      "AlexNet: first convolution has no padding (the book pads by 1); same output size",
      True,
      "nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1)",
      "nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=0)"),

    # ------------------------------------------------------------------- VGG
    M("vgg-ignores-num-convs", "vgg",
      "VGG: vgg_block always builds one convolution, ignoring num_convs",
      False,
      "for _ in range(num_convs):",
      "for _ in range(1):"),
    M("vgg-no-channel-update", "vgg",
      "VGG: vgg_block forgets in_channels = out_channels, so later convolutions "
      "expect the block's input channels",
      False,
      "        in_channels = out_channels\n    layers.append(",
      "    layers.append("),
    M("vgg-hardcoded-arch", "vgg",
      "VGG: vgg() ignores its conv_arch argument and always builds VGG-11",
      False,
      "for (num_convs, out_channels) in conv_arch:",
      "for (num_convs, out_channels) in ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)):"),
    M("vgg-hardcoded-linear", "vgg",
      "VGG: first Linear hard-codes 512*7*7 inputs instead of using the last block's channels",
      False,
      "nn.Linear(out_channels * 7 * 7, 4096)",
      "nn.Linear(512 * 7 * 7, 4096)"),
    M("vgg-missing-relu", "vgg",
      "VGG: vgg_block has no ReLU after its convolutions",
      True,
      "        layers.append(nn.ReLU())\n",
      ""),
    M("vgg-avgpool", "vgg",
      "VGG: vgg_block ends with AvgPool2d instead of MaxPool2d",
      True,
      "layers.append(nn.MaxPool2d(kernel_size=2, stride=2))",
      "layers.append(nn.AvgPool2d(kernel_size=2, stride=2))"),
    M("vgg-relu-before-conv", "vgg",
      "VGG: vgg_block applies ReLU before each convolution instead of after it",
      True,
      "        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))\n"
      "        layers.append(nn.ReLU())\n",
      "        layers.append(nn.ReLU())\n"
      "        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))\n"),
    M("vgg-pool-3x3", "vgg",
      "VGG: vgg_block pools with a 3x3 window, stride 2, padding 1 instead of 2x2; "
      "same output size",
      True,
      "layers.append(nn.MaxPool2d(kernel_size=2, stride=2))",
      "layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))"),
    M("vgg-dropout-p", "vgg",
      "VGG: first Dropout of the classifier drops with p=0.2 instead of 0.5",
      True,
      "nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),",
      "nn.Linear(out_channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.2),"),
    M("vgg-dropout-in-block", "vgg",
      "VGG: Dropout(0.5) in the wrong place, after every convolution's ReLU inside vgg_block",
      True,
      "        layers.append(nn.ReLU())\n",
      "        layers.append(nn.ReLU())\n        layers.append(nn.Dropout(0.5))\n"),

    # ------------------------------------------------------------------- NiN
    M("nin-1x1-kernel3", "nin",
      "NiN: the first of nin_block's '1x1' convolutions has kernel 3 (padding 1)",
      False,
      "kernel_size=1), nn.ReLU(),\n",
      "kernel_size=3, padding=1), nn.ReLU(),\n"),
    M("nin-ignores-stride", "nin",
      "NiN: nin_block ignores strides (the first convolution always has stride 1)",
      False,
      "nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),",
      "nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding),"),
    M("nin-ignores-kernel-size", "nin",
      "NiN: nin_block ignores kernel_size and always uses an 11x11 first convolution",
      False,
      "nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),",
      "nn.Conv2d(in_channels, out_channels, 11, strides, padding),"),
    M("nin-avgpool-stage", "nin",
      "NiN: second pooling layer is AvgPool2d instead of MaxPool2d",
      False,
      "nn.MaxPool2d(3, stride=2),\n        nin_block(256, 384",
      "nn.AvgPool2d(3, stride=2),\n        nin_block(256, 384"),
    M("nin-global-maxpool", "nin",
      "NiN: global max pooling (AdaptiveMaxPool2d) instead of global average pooling",
      False,
      "nn.AdaptiveAvgPool2d((1, 1)),",
      "nn.AdaptiveMaxPool2d((1, 1)),"),
    M("nin-missing-last-relu", "nin",
      "NiN: nin_block has no ReLU after its last 1x1 convolution",
      True,
      "nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())",
      "nn.Conv2d(out_channels, out_channels, kernel_size=1))"),
    M("nin-relu-before-conv", "nin",
      "NiN: nin_block applies ReLU to its input before the first convolution instead of after it",
      True,
      "        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),\n"
      "        nn.ReLU(),\n",
      "        nn.ReLU(),\n"
      "        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),\n"),
    M("nin-pool-window4", "nin",
      "NiN: first max pooling uses a 4x4 window (stride 2) instead of 3x3; same output size",
      True,
      "nin_block(1, 96, kernel_size=11, strides=4, padding=0),\n        nn.MaxPool2d(3, stride=2),",
      "nin_block(1, 96, kernel_size=11, strides=4, padding=0),\n        nn.MaxPool2d(4, stride=2),"),
    M("nin-dropout-p", "nin",
      "NiN: Dropout with p=0.1 instead of 0.5",
      True,
      "nn.Dropout(0.5),",
      "nn.Dropout(0.1),"),

    # ------------------------------------------------------------- GoogLeNet
    M("inc-kernel-swap", "googlenet",
      "GoogLeNet: Inception branch 2 uses the 5x5 convolution and branch 3 the 3x3 "
      "(paddings adjusted)",
      False,
      "self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)\n"
      "        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)\n"
      "        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)",
      "self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=5, padding=2)\n"
      "        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)\n"
      "        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=3, padding=1)"),
    M("inc-branch3-kernel3", "googlenet",
      "GoogLeNet: Inception branch 3 uses a 3x3 convolution (padding 1) instead of 5x5",
      False,
      "self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)",
      "self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=3, padding=1)"),
    M("inc-cat-dim0", "googlenet",
      "GoogLeNet: Inception concatenates its branches on dimension 0 (the batch) "
      "instead of 1 (channels)",
      False,
      "torch.cat((p1, p2, p3, p4), dim=1)",
      "torch.cat((p1, p2, p3, p4), dim=0)"),
    M("inc-cat-order", "googlenet",
      "GoogLeNet: Inception concatenates branch 2 before branch 1 (same channel count, "
      "channels in the wrong order)",
      True,
      "torch.cat((p1, p2, p3, p4), dim=1)",
      "torch.cat((p2, p1, p3, p4), dim=1)"),
    M("inc-branch1-no-relu", "googlenet",
      "GoogLeNet: Inception branch 1 has no ReLU",
      True,
      "p1 = F.relu(self.p1_1(x))",
      "p1 = self.p1_1(x)"),
    M("inc-branch2-no-inner-relu", "googlenet",
      "GoogLeNet: Inception branch 2 has no ReLU between its 1x1 and 3x3 convolutions",
      True,
      "p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))",
      "p2 = F.relu(self.p2_2(self.p2_1(x)))"),
    M("inc-branch4-avgpool", "googlenet",
      "GoogLeNet: Inception branch 4 starts with AvgPool2d instead of MaxPool2d",
      True,
      "self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)",
      "self.p4_1 = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)"),
    M("inc-branch4-conv-then-pool", "googlenet",
      "GoogLeNet: Inception branch 4 applies the 1x1 convolution before the max pooling",
      True,
      "p4 = F.relu(self.p4_2(self.p4_1(x)))",
      "p4 = F.relu(self.p4_1(self.p4_2(x)))"),
    M("goog-b1-avgpool", "googlenet",
      "GoogLeNet: b1 ends with AvgPool2d instead of MaxPool2d",
      True,
      "nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),\n"
      "        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))",
      "nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),\n"
      "        nn.AvgPool2d(kernel_size=3, stride=2, padding=1))"),
    M("goog-b2-missing-relu", "googlenet",
      "GoogLeNet: b2 has no ReLU after its 1x1 convolution",
      True,
      "nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(),",
      "nn.Conv2d(64, 64, kernel_size=1),"),
    M("goog-global-maxpool", "googlenet",
      "GoogLeNet: b5 ends with global max pooling instead of global average pooling",
      True,
      "nn.AdaptiveAvgPool2d((1, 1)),",
      "nn.AdaptiveMaxPool2d((1, 1)),"),
    M("goog-flatten-mixes-batch", "googlenet",
      "GoogLeNet: b5's Flatten written by hand as x.transpose(0, 1).reshape(batch, -1), "
      "which mixes the examples of a batch",
      True,
      "        nn.Flatten())\n"
      "    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))\n"
      "    ### END SOLUTION\n",
      "        Flatten())\n"
      "    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))\n"
      "    ### END SOLUTION\n" + _MIXING_FLATTEN),

    # ---------------------------------------------------------------- ResNet
    M("res-always-1x1", "resnet",
      "ResNet: Residual always uses the 1x1 convolution on the shortcut, even without use_1x1conv",
      False,
      "if use_1x1conv:",
      "if True:"),
    M("res-never-1x1", "resnet",
      "ResNet: Residual never uses the 1x1 convolution on the shortcut",
      False,
      "if use_1x1conv:",
      "if False:"),
    M("res-ignores-first-block", "resnet",
      "ResNet: resnet_block ignores first_block, so b2 also halves the resolution",
      False,
      "if i == 0 and not first_block:",
      "if i == 0:"),
    M("res-shared-bn", "resnet",
      "ResNet: Residual uses one BatchNorm2d for both convolutions (bn2 = bn1)",
      False,
      "self.bn2 = nn.BatchNorm2d(num_channels)",
      "self.bn2 = self.bn1"),
    M("res-no-skip", "resnet",
      "ResNet: Residual never adds the shortcut (no skip connection)",
      True,
      "        Y += X\n",
      "        X = X  # the shortcut is computed but never added\n"),
    M("res-shortcut-through-relu", "resnet",
      "ResNet: Residual passes the shortcut through a ReLU before adding it",
      True,
      "        Y += X\n",
      "        Y += F.relu(X)\n"),
    M("res-no-final-relu", "resnet",
      "ResNet: Residual has no ReLU after the residual addition",
      True,
      "return F.relu(Y)",
      "return Y"),
    M("res-relu-before-add", "resnet",
      "ResNet: Residual applies the ReLU to the main branch before the addition instead of after it",
      True,
      "        Y = self.bn2(self.conv2(Y))\n"
      "        if self.conv3:\n"
      "            X = self.conv3(X)\n"
      "        Y += X\n"
      "        return F.relu(Y)",
      "        Y = F.relu(self.bn2(self.conv2(Y)))\n"
      "        if self.conv3:\n"
      "            X = self.conv3(X)\n"
      "        Y = Y + X\n"
      "        return Y"),
    M("res-add-before-bn2", "resnet",
      "ResNet: Residual adds the shortcut before bn2 instead of after it",
      True,
      "        Y = self.bn2(self.conv2(Y))\n"
      "        if self.conv3:\n"
      "            X = self.conv3(X)\n"
      "        Y += X\n",
      "        Y = self.conv2(Y)\n"
      "        if self.conv3:\n"
      "            X = self.conv3(X)\n"
      "        Y = self.bn2(Y + X)\n"),
    M("res-detach-shortcut", "resnet",
      "ResNet: Residual adds X.detach(), so no gradient flows through the shortcut",
      True,
      "Y += X\n",
      "Y += X.detach()\n"),
    M("res-bn-after-relu", "resnet",
      "ResNet: Residual's first BatchNorm2d comes after the ReLU instead of before it",
      True,
      "Y = F.relu(self.bn1(self.conv1(X)))",
      "Y = self.bn1(F.relu(self.conv1(X)))"),
    M("res-stride-on-conv2", "resnet",
      "ResNet: Residual puts the stride on the second 3x3 convolution instead of the first",
      True,
      "        self.conv1 = nn.Conv2d(input_channels, num_channels,\n"
      "                               kernel_size=3, padding=1, stride=strides)\n"
      "        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)\n",
      "        self.conv1 = nn.Conv2d(input_channels, num_channels,\n"
      "                               kernel_size=3, padding=1)\n"
      "        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1,\n"
      "                               stride=strides)\n"),
    M("res-shortcut-stride-avgpool", "resnet",
      "ResNet: Residual's 1x1 shortcut convolution ignores strides and compensates with "
      "2x2 average pooling",
      True,
      "            self.conv3 = nn.Conv2d(input_channels, num_channels,\n"
      "                                   kernel_size=1, stride=strides)\n",
      "            self.conv3 = nn.Sequential(\n"
      "                nn.Conv2d(input_channels, num_channels, kernel_size=1),\n"
      "                nn.AvgPool2d(kernel_size=strides))\n"),
    M("res-1x1-only-when-needed", "resnet",
      "ResNet: Residual skips the 1x1 convolution when use_1x1conv=True but the shapes "
      "already match",
      True,
      "if use_1x1conv:",
      "if use_1x1conv and (strides != 1 or input_channels != num_channels):"),
    M("res-ignores-num-residuals", "resnet",
      "ResNet: resnet_block always builds two residual blocks, ignoring num_residuals",
      True,
      "for i in range(num_residuals):",
      "for i in range(2):"),
    M("res-b1-missing-relu", "resnet",
      "ResNet: b1 has no ReLU after its BatchNorm2d",
      True,
      "nn.BatchNorm2d(64), nn.ReLU(),",
      "nn.BatchNorm2d(64),"),
    M("res-flatten-mixes-batch", "resnet",
      "ResNet: Flatten written by hand as x.transpose(0, 1).reshape(batch, -1), "
      "which mixes the examples of a batch",
      True,
      "        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))\n"
      "    ### END SOLUTION\n",
      "        nn.AdaptiveAvgPool2d((1, 1)), Flatten(), nn.Linear(512, 10))\n"
      "    ### END SOLUTION\n" + _MIXING_FLATTEN),
)
del M

BY_ID: dict[str, Mutant] = {m.id: m for m in MUTANTS}


def patched_source(mutant: Mutant, solutions_dir: Path = SOLUTIONS) -> str:
    """The text of ``solutions/<module>.py`` with the mutant's replacement applied."""
    source = (Path(solutions_dir) / f"{mutant.module}.py").read_text(encoding="utf-8")
    count = source.count(mutant.old)
    if count != 1:
        raise ValueError(f"{mutant.id}: `old` occurs {count} times in {mutant.module}.py, not once")
    return source.replace(mutant.old, mutant.new)


def materialize(mutant: Mutant, dest_dir, solutions_dir: Path = SOLUTIONS) -> Path:
    """Write a full submission folder: the seven solution files, ``mutant.module`` patched."""
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    for name in MODULE_NAMES:
        shutil.copyfile(Path(solutions_dir) / f"{name}.py", dest / f"{name}.py")
    (dest / f"{mutant.module}.py").write_text(patched_source(mutant, solutions_dir), encoding="utf-8")
    return dest
