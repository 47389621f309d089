"""Batch normalization from scratch, and LeNet built with it.

In training, a batch normalization layer standardizes each feature (a fully
connected layer's output) or each channel (a convolution's output, over the
batch and every pixel) with the mean and the variance of the current batch,
then scales by ``gamma`` and shifts by ``beta``, two learned parameters. It
also keeps moving averages of those statistics; in prediction it normalizes
with the moving averages instead, so that an image's output does not depend
on the other images of the batch.

The book's conventions (Chinese edition): the variance of the batch itself
(the mean of the squared deviations, not the unbiased estimate), ``eps``
1e-5, and ``moving = momentum * moving + (1 - momentum) * batch`` with
``momentum`` 0.9. (The English edition writes the same update as
``(1 - momentum) * moving + momentum * batch`` with ``momentum`` 0.1; either
way the moving averages move a tenth of the way to the batch's statistics.)
"""
import torch
from torch import nn


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    """Normalize ``X`` as the book's batch normalization does; return ``(Y, moving_mean, moving_var)``.

    ``X`` has 2 axes (batch, features: after a fully connected layer) or 4
    (batch, channels, height, width: after a convolution). ``gamma``, ``beta``
    and the moving statistics have shape ``(1, C)`` or ``(1, C, 1, 1)``.

    - In training (``torch.is_grad_enabled()``, as the book decides): the mean
      and the variance of the batch, per feature (over axis 0) or per channel
      (over axes 0, 2 and 3), the variance being the mean of the squared
      deviations; ``X_hat = (X - mean) / sqrt(var + eps)``; the moving
      statistics become ``momentum * moving + (1 - momentum) * batch``.
    - In prediction: ``X_hat = (X - moving_mean) / sqrt(moving_var + eps)``, and the
      moving statistics are returned unchanged.

    Either way ``Y = gamma * X_hat + beta``.
    """
    ### BEGIN SOLUTION
    # 通过is_grad_enabled来判断当前模式是训练模式还是预测模式
    if not torch.is_grad_enabled():
        # 如果是在预测模式下，直接使用传入的移动平均所得的均值和方差
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # 使用全连接层的情况，计算特征维上的均值和方差
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # 使用二维卷积层的情况，计算通道维上（axis=1）的均值和方差。
            # 这里我们需要保持X的形状以便后面可以做广播运算
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # 训练模式下，用当前的均值和方差做标准化
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # 更新移动平均的均值和方差
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    Y = gamma * X_hat + beta  # 缩放和移位
    return Y, moving_mean.data, moving_var.data
    ### END SOLUTION


class BatchNorm(nn.Module):
    """The book's batch normalization layer: ``BatchNorm(num_features, num_dims)``.

    ``num_features``: the outputs of a fully connected layer or the output
    channels of a convolution; ``num_dims``: 2 after a fully connected layer,
    4 after a convolution. The statistics' shape is ``(1, num_features)`` or
    ``(1, num_features, 1, 1)``.

    ``gamma`` (ones) and ``beta`` (zeros) are parameters (``nn.Parameter``);
    ``moving_mean`` (zeros) and ``moving_var`` (ones) are not: keep them under
    these two names, as plain tensors (or buffers). ``forward`` moves them to
    ``X``'s device when needed, calls ``batch_norm`` with ``eps=1e-5`` and
    ``momentum=0.9``, keeps the moving statistics it returns and returns ``Y``.

    Training or prediction: the book decides with ``torch.is_grad_enabled()``;
    deciding with ``self.training`` is accepted too. Like the book's
    ``train_ch6``, the grader trains with ``net.train()`` and gradients on, and
    predicts with ``net.eval()`` under ``torch.no_grad()``.
    """

    def __init__(self, num_features, num_dims):
        super().__init__()
        ### BEGIN SOLUTION
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # 参与求梯度和迭代的拉伸和偏移参数，分别初始化成1和0
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # 非模型参数的变量初始化为0和1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        # 如果X不在内存上，将moving_mean和moving_var
        # 复制到X所在显存上
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # 保存更新过的moving_mean和moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.9)
        return Y
        ### END SOLUTION


def lenet_bn_scratch():
    """Build the book's LeNet with *your* ``BatchNorm`` as one ``nn.Sequential`` of 16 layers.

    Layers, in order (按顺序):

    1. ``Conv2d(1 -> 6, kernel 5)``, ``BatchNorm(6, num_dims=4)``, ``Sigmoid``
    2. ``AvgPool2d(kernel 2, stride 2)``
    3. ``Conv2d(6 -> 16, kernel 5)``, ``BatchNorm(16, num_dims=4)``, ``Sigmoid``
    4. ``AvgPool2d(kernel 2, stride 2)``
    5. ``Flatten``
    6. ``Linear(16*4*4 -> 120)``, ``BatchNorm(120, num_dims=2)``, ``Sigmoid``
    7. ``Linear(120 -> 84)``, ``BatchNorm(84, num_dims=2)``, ``Sigmoid``
    8. ``Linear(84 -> 10)``

    The same network as ``lenet_bn()`` of ``batch_norm.py``, with the
    ``BatchNorm`` above in place of ``nn.BatchNorm2d`` / ``nn.BatchNorm1d``.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), BatchNorm(6, num_dims=4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), BatchNorm(16, num_dims=4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16*4*4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
        nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
        nn.Linear(84, 10))
    ### END SOLUTION
