"""Known-wrong and known-right submissions of the chapter's two other parts (BatchNorm from scratch, DenseNet).

The same idea as ``mutants.py`` (the reference with one typical mistake), kept
apart from it: ``MUTANTS`` there covers the seven networks graded by default,
and other tests and benchmarks count on it. Here a record may need several
replacements (a mistake in both the mean and the variance line), and every
record names the cause the grader must find (``words``: in the first failing
check's message).

``ALTERNATIVES`` are correct submissions in other styles: they must get full
marks, the ``self.training`` style among them (the book decides with
``torch.is_grad_enabled()``, which cannot be told apart from it in the book's
own use of the layer).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


@dataclass(frozen=True)
class Variant:
    id: str
    module: str
    description: str
    replacements: tuple[tuple[str, str], ...]     # (old, new): each ``old`` occurs exactly once
    words: str = ""                               # a mutant: what its first failing message must say
    invisible: bool = True                        # the visible tests still pass

    def source(self) -> str:
        text = (SOLUTIONS / f"{self.module}.py").read_text(encoding="utf-8")
        for old, new in self.replacements:
            if text.count(old) != 1:
                raise ValueError(f"{self.id}: {old!r} occurs {text.count(old)} times in {self.module}.py")
            text = text.replace(old, new)
        return text

    def write(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.module}.py").write_text(self.source(), encoding="utf-8")
        return folder


BN = "batch_norm_scratch"
MEAN_2D = "            mean = X.mean(dim=0)\n            var = ((X - mean) ** 2).mean(dim=0)\n"
MEAN_4D = ("            mean = X.mean(dim=(0, 2, 3), keepdim=True)\n"
           "            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)\n")
UPDATE = ("        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean\n"
          "        moving_var = momentum * moving_var + (1.0 - momentum) * var\n")
PREDICT = "    if not torch.is_grad_enabled():\n"
FORWARD_CALL = ("        Y, self.moving_mean, self.moving_var = batch_norm(\n"
                "            X, self.gamma, self.beta, self.moving_mean,\n"
                "            self.moving_var, eps=1e-5, momentum=0.9)\n")

MUTANTS: tuple[Variant, ...] = (
    Variant("bns-unbiased-variance", BN, "batch_norm: the unbiased variance (torch.var's default)",
            ((MEAN_2D, "            mean = X.mean(dim=0)\n            var = X.var(dim=0)\n"),
             (MEAN_4D, "            mean = X.mean(dim=(0, 2, 3), keepdim=True)\n"
                       "            var = X.var(dim=(0, 2, 3), keepdim=True)\n")),
            "unbiased"),
    Variant("bns-axes-per-image", BN, "batch_norm: for a convolution, the mean and variance over height and "
                                      "width of each image (axes 2, 3) instead of over the batch too",
            ((MEAN_4D, "            mean = X.mean(dim=(2, 3), keepdim=True)\n"
                       "            var = ((X - mean) ** 2).mean(dim=(2, 3), keepdim=True)\n"),),
            "over axes (2, 3)"),
    Variant("bns-axes-features", BN, "batch_norm: for a fully connected layer, the mean and variance over the "
                                     "features of each example (axis 1) instead of over the batch",
            ((MEAN_2D, "            mean = X.mean(dim=1, keepdim=True)\n"
                       "            var = ((X - mean) ** 2).mean(dim=1, keepdim=True)\n"),),
            "over axes (1,)"),
    Variant("bns-momentum-reversed", BN, "batch_norm: momentum applied the other way round",
            ((UPDATE, "        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean\n"
                      "        moving_var = (1.0 - momentum) * moving_var + momentum * var\n"),),
            "the other way round"),
    Variant("bns-never-updated", BN, "BatchNorm.forward drops the moving statistics batch_norm returns",
            ((FORWARD_CALL, "        Y, _, _ = batch_norm(\n            X, self.gamma, self.beta, self.moving_mean,\n"
                            "            self.moving_var, eps=1e-5, momentum=0.9)\n"),),
            "do not change in training"),
    Variant("bns-updated-in-prediction", BN, "batch_norm: the moving mean also moves in prediction",
            (("        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)\n    else:\n",
              "        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)\n"
              "        moving_mean = momentum * moving_mean + (1.0 - momentum) * X.mean()\n    else:\n"),),
            "change in prediction"),
    Variant("bns-batch-stats-in-prediction", BN, "batch_norm: always the batch's statistics, in prediction too",
            ((PREDICT, "    if False:\n"),),
            "in prediction"),
    Variant("bns-moving-in-training", BN, "batch_norm: normalizes with the moving statistics in training too",
            (("        X_hat = (X - mean) / torch.sqrt(var + eps)\n",
              "        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)\n"),),
            "in training, the output is normalized with the moving statistics"),
    Variant("bns-detached-statistics", BN, "batch_norm: the batch's mean and variance .detach()ed (for a "
                                           "convolution): right outputs, wrong gradients",
            ((MEAN_4D, "            mean = X.mean(dim=(0, 2, 3), keepdim=True).detach()\n"
                       "            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True).detach()\n"),),
            "its gradients are not"),
    Variant("bns-moving-parameters", BN, "BatchNorm: the moving statistics registered as parameters "
                                         "(frozen, updated through .data)",
            (("        self.moving_mean = torch.zeros(shape)\n        self.moving_var = torch.ones(shape)\n",
              "        self.moving_mean = nn.Parameter(torch.zeros(shape), requires_grad=False)\n"
              "        self.moving_var = nn.Parameter(torch.ones(shape), requires_grad=False)\n"),
             (FORWARD_CALL, "        Y, mean, var = batch_norm(\n            X, self.gamma, self.beta, self.moving_mean,\n"
                            "            self.moving_var, eps=1e-5, momentum=0.9)\n"
                            "        self.moving_mean.data, self.moving_var.data = mean, var\n")),
            "is an nn.Parameter", invisible=False),
    Variant("bns-nn-batchnorm-in-lenet", BN, "lenet_bn_scratch uses nn.BatchNorm2d for the first BatchNorm",
            (("nn.Conv2d(1, 6, kernel_size=5), BatchNorm(6, num_dims=4), nn.Sigmoid(),",
              "nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),"),),
            "yours uses nn.BatchNorm", invisible=False),
    # ------------------------------------------------------------------ DenseNet
    Variant("dn-cat-reversed", "densenet", "DenseBlock: the new features concatenated before the input",
            (("            X = torch.cat((X, Y), dim=1)\n", "            X = torch.cat((Y, X), dim=1)\n"),),
            "concatenated before the block's input"),
    Variant("dn-conv-bn-relu", "densenet", "conv_block: convolution, BatchNorm, ReLU (the old order) instead of "
                                           "BatchNorm, ReLU, convolution",
            (("        nn.BatchNorm2d(input_channels), nn.ReLU(),\n"
              "        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))\n",
              "        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1),\n"
              "        nn.BatchNorm2d(num_channels), nn.ReLU())\n"),),
            "BatchNorm, ReLU, convolution", invisible=False),
    Variant("dn-transition-maxpool", "densenet", "transition_block: max pooling instead of average pooling",
            (("        nn.AvgPool2d(kernel_size=2, stride=2))\n", "        nn.MaxPool2d(kernel_size=2, stride=2))\n"),),
            "yours uses MaxPool2d"),
    Variant("dn-transition-no-relu", "densenet", "transition_block: no ReLU between BatchNorm and the 1x1 "
                                                 "convolution",
            (("        nn.BatchNorm2d(input_channels), nn.ReLU(),\n"
              "        nn.Conv2d(input_channels, num_channels, kernel_size=1),",
              "        nn.BatchNorm2d(input_channels),\n"
              "        nn.Conv2d(input_channels, num_channels, kernel_size=1),"),),
            "the book has ReLU here; yours has nothing"),
    Variant("dn-global-max-pool", "densenet", "densenet: global max pooling at the end (AdaptiveMaxPool2d) "
                                              "instead of the printed book's average pooling",
            (("        nn.AdaptiveAvgPool2d((1, 1)),\n", "        nn.AdaptiveMaxPool2d((1, 1)),\n"),),
            "yours uses AdaptiveMaxPool2d", invisible=False),
)

ALTERNATIVES: tuple[Variant, ...] = (
    Variant("bns-self-training", BN, "BatchNorm decides with self.training; batch_norm always trains",
            ((PREDICT + "        # 如果是在预测模式下，直接使用传入的移动平均所得的均值和方差\n"
              "        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)\n    else:\n",
              "    if True:\n"),
             (FORWARD_CALL, "        if not self.training:\n"
                            "            X_hat = (X - self.moving_mean) / torch.sqrt(self.moving_var + 1e-5)\n"
                            "            return self.gamma * X_hat + self.beta\n" + FORWARD_CALL))),
    Variant("bns-torch-var", BN, "torch.var(unbiased=False), rsqrt, keepdim in 2-D too",
            ((MEAN_2D, "            mean = X.mean(dim=0, keepdim=True)\n"
                       "            var = torch.var(X, dim=0, unbiased=False, keepdim=True)\n"),
             (MEAN_4D, "            mean = X.mean(dim=(0, 2, 3), keepdim=True)\n"
                       "            var = X.var(dim=(0, 2, 3), unbiased=False, keepdim=True)\n"),
             ("        X_hat = (X - mean) / torch.sqrt(var + eps)\n",
              "        X_hat = (X - mean) * torch.rsqrt(var + eps)\n"))),
    # F.batch_norm for the arithmetic is no longer a correct style: the part asks for the statistics to be
    # computed by the student (issue 25); tests/test_scratch_layer.py grades it, in five spellings, 0.
    Variant("bns-english-edition", BN, "the English edition's convention: momentum 0.1, "
                                       "(1 - momentum) * moving + momentum * batch; buffers",
            ((UPDATE, "        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean\n"
                      "        moving_var = (1.0 - momentum) * moving_var + momentum * var\n"),
             ("            self.moving_var, eps=1e-5, momentum=0.9)\n",
              "            self.moving_var, eps=1e-5, momentum=0.1)\n"),
             ("        self.moving_mean = torch.zeros(shape)\n        self.moving_var = torch.ones(shape)\n",
              "        self.register_buffer('moving_mean', torch.zeros(shape))\n"
              "        self.register_buffer('moving_var', torch.ones(shape))\n"))),
    Variant("dn-english-edition", "densenet", "DenseBlock with a ModuleList and the new features kept in a list",
            (("        self.net = nn.Sequential(*layer)\n", "        self.blocks = nn.ModuleList(layer)\n"),
             ("        for blk in self.net:\n            Y = blk(X)\n            # 连接通道维度上每个块的输入和输出\n"
              "            X = torch.cat((X, Y), dim=1)\n        return X\n",
              "        features = [X]\n        for blk in self.blocks:\n"
              "            features.append(blk(torch.cat(features, dim=1)))\n"
              "        return torch.cat(features, dim=1)\n"))),
)
