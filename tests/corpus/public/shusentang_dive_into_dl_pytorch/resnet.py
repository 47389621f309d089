# Provenance: ShusenTang/Dive-into-DL-PyTorch, master at commit 09c8bacc08599eb86236551454ba43b82cb91498
#   (2020-06-24), code/d2lzh_pytorch/utils.py, section "5.11" (Residual, resnet_block, resnet18
#   as saved from docs/chapter05_CNN/5.11_resnet.md), with GlobalAvgPool2d and FlattenLayer from
#   the same file.
#   https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/d2lzh_pytorch/utils.py
# Licence: Apache-2.0 (the repository's LICENSE). Copyright ShusenTang and contributors; modified
#   as stated here.
# Changes: only these five definitions kept; kit adapter at the bottom: the port's Residual
#   spells `strides` as `stride` (adapter class `Residual` runs the port's __init__/forward and
#   takes either keyword), its resnet_block names the channels in_channels/out_channels and
#   returns an nn.Sequential (the adapter only renames), its resnet18(output=10, in_channels=3)
#   defaults to RGB input (the adapter asks for 1 channel).
# Style exercised: b1's four layers at the TOP level of the network (not a nested b1), stages and
#   head added with `net.add_module("resnet_block1", ...)`, global average pooling as
#   `F.avg_pool2d(x, kernel_size=x.size()[2:])` in a hand-written GlobalAvgPool2d, the classifier
#   as ONE child "fc" = nn.Sequential(FlattenLayer(), nn.Linear(512, 10)) (10 top-level children,
#   not 8), `return F.relu(Y + X)` out of place, `assert in_channels == out_channels` for the
#   first stage, stride as a keyword named `stride`.
import torch
from torch import nn
import torch.nn.functional as F


class FlattenLayer(torch.nn.Module):
    def __init__(self):
        super(FlattenLayer, self).__init__()
    def forward(self, x): # x shape: (batch, *, *, ...)
        return x.view(x.shape[0], -1)


class GlobalAvgPool2d(nn.Module):
    # 全局平均池化层可通过将池化窗口形状设置成输入的高和宽实现
    def __init__(self):
        super(GlobalAvgPool2d, self).__init__()
    def forward(self, x):
        return F.avg_pool2d(x, kernel_size=x.size()[2:])


# ########################### 5.11 ################################
class Residual(nn.Module): 
    def __init__(self, in_channels, out_channels, use_1x1conv=False, stride=1):
        super(Residual, self).__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        return F.relu(Y + X)

def resnet_block(in_channels, out_channels, num_residuals, first_block=False):
    if first_block:
        assert in_channels == out_channels # 第一个模块的通道数同输入通道数一致
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(in_channels, out_channels, use_1x1conv=True, stride=2))
        else:
            blk.append(Residual(out_channels, out_channels))
    return nn.Sequential(*blk)
    
def resnet18(output=10, in_channels=3):
    net = nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64), 
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    net.add_module("resnet_block1", resnet_block(64, 64, 2, first_block=True))
    net.add_module("resnet_block2", resnet_block(64, 128, 2))
    net.add_module("resnet_block3", resnet_block(128, 256, 2))
    net.add_module("resnet_block4", resnet_block(256, 512, 2))
    net.add_module("global_avg_pool", GlobalAvgPool2d()) # GlobalAvgPool2d的输出: (Batch, 512, 1, 1)
    net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(512, output))) 
    return net


# ---- kit adapter ----
_PortResidual = Residual
_port_resnet_block = resnet_block
_port_resnet18 = resnet18


class Residual(nn.Module):
    # Runs the port's own __init__ and forward on this class. (A subclass would not do: the
    # port's `super(Residual, self).__init__()` looks the name up when it runs.)
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1, *, stride=None):
        _PortResidual.__init__(self, input_channels, num_channels, use_1x1conv,
                               strides if stride is None else stride)

    forward = _PortResidual.forward


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    return _port_resnet_block(input_channels, num_channels, num_residuals, first_block)


def resnet18():
    return _port_resnet18(output=10, in_channels=1)
