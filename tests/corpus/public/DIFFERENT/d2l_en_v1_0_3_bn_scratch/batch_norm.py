# DIFFERS from the book's function (nn.BatchNorm2d/1d with default settings): this is the
#   chapter's FROM-SCRATCH batch normalization. Training-mode outputs are the same, but
#   (1) the running variance is updated with the BIASED batch variance (nn.BatchNorm uses the
#       unbiased one), so eval-mode outputs differ after a training step (most for the
#       BatchNorm1d layers at small batches: factor n/(n-1) = 2 at batch 2);
#   (2) the layer chooses batch or running statistics with `torch.is_grad_enabled()`, not with
#       `self.training`: eval mode with gradients on still normalizes with the batch statistics,
#       and train mode under torch.no_grad() uses (and does not update) the running ones;
#   (3) the running statistics are plain tensor attributes, not buffers (not in state_dict, not
#       moved by .to()/.double()); the scale and shift are named gamma/beta with shape (1, C, 1, 1).
# Provenance: d2l-ai/d2l-en, tag v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715, 2023-08-18;
#   unchanged at master 23d7a5ae), chapter_convolutional-modern/batch-norm.md, `batch_norm`,
#   `class BatchNorm` and the PyTorch branch of `class BNLeNetScratch(d2l.Classifier)`.
#   https://github.com/d2l-ai/d2l-en/blob/v1.0.3/chapter_convolutional-modern/batch-norm.md
# Licence: sample code under LICENSE-SAMPLECODE (modified MIT, no attribution required).
# Changes: only the PyTorch branch kept; minimal d2l stand-in (Classifier holding self.net)
#   inlined; kit adapter `lenet_bn()`.
import torch
from torch import nn


class _D2L:
    class Module(nn.Module):
        def save_hyperparameters(self, ignore=[]):
            pass

        def forward(self, X):
            assert hasattr(self, 'net'), 'Neural network is defined'
            return self.net(X)

    class Classifier(Module):
        pass


d2l = _D2L


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Use is_grad_enabled to determine whether we are in training mode
    if not torch.is_grad_enabled():
        # In prediction mode, use mean and variance obtained by moving average
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # When using a fully connected layer, calculate the mean and
            # variance on the feature dimension
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # When using a two-dimensional convolutional layer, calculate the
            # mean and variance on the channel dimension (axis=1). Here we
            # need to maintain the shape of X, so that the broadcasting
            # operation can be carried out later
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # In training mode, the current mean and variance are used 
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the mean and variance using moving average
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta  # Scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: the number of outputs for a fully connected layer or the
    # number of output channels for a convolutional layer. num_dims: 2 for a
    # fully connected layer and 4 for a convolutional layer
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # The scale parameter and the shift parameter (model parameters) are
        # initialized to 1 and 0, respectively
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # The variables that are not model parameters are initialized to 0 and
        # 1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        # If X is not on the main memory, copy moving_mean and moving_var to
        # the device where X is located
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # Save the updated moving_mean and moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


class BNLeNetScratch(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), BatchNorm(6, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), BatchNorm(16, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120),
            BatchNorm(120, num_dims=2), nn.Sigmoid(), nn.LazyLinear(84),
            BatchNorm(84, num_dims=2), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


# ---- kit adapter ----
def lenet_bn():
    return BNLeNetScratch()
