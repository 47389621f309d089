"""The mistakes a BatchNorm written from scratch is known to make, named for the student (``batchnorm.py``
recognises them in the numbers; the behaviour checks name one of them too)."""
from __future__ import annotations

from ..computation.diagnose import Cause

BOOK_AXES = {2: (0,), 4: (0, 2, 3)}      # the axes the book's BatchNorm averages over, by the input's rank

HINT_MODE = ("train with net.train() and gradients on, predict with net.eval() under torch.no_grad(); decide "
             "with torch.is_grad_enabled() (the book) or self.training")


def cause(key: str, where: str, english: str, chinese: str, hint: str, hint_zh: str, gist: str) -> Cause:
    return Cause(("batch_norm", key), where, english, chinese, hint, hint_zh, gist)


def unbiased_cause(where):
    return cause("unbiased variance", where,
                 "the batch's variance is the unbiased estimate (divided by n - 1, torch.var's default); the book "
                 "normalizes with the variance of the batch itself, the mean of the squared deviations.",
                 "方差用了无偏估计（除以 n - 1，torch.var 的默认值）；书中用批量本身的方差，即偏差平方的均值。",
                 "var = ((X - mean) ** 2).mean(...), or torch.var(..., unbiased=False).",
                 "var = ((X - mean) ** 2).mean(...)，或 torch.var(..., unbiased=False)。",
                 "BatchNorm: unbiased variance")


def axes_cause(where, rank, axes):
    book = BOOK_AXES[rank]
    per = "feature (axis 0 of a 2-D input)" if rank == 2 else "channel (axes 0, 2 and 3 of a 4-D input)"
    return cause("axes", where,
                 f"the mean and the variance are taken over axes {axes} of a {rank}-D input; the book takes them "
                 f"over axes {book}: one mean and one variance per {per}.",
                 f"均值和方差是在 {rank} 维输入的轴 {axes} 上计算的；书中在轴 {book} 上计算（每个特征/通道一个）。",
                 "2-D: X.mean(dim=0); 4-D: X.mean(dim=(0, 2, 3), keepdim=True), the same axes for the variance.",
                 "二维：X.mean(dim=0)；四维：X.mean(dim=(0, 2, 3), keepdim=True)，方差用相同的轴。",
                 f"BatchNorm: mean/variance over axes {axes} instead of {book}")


def mean_axes_cause(where, rank, axes):
    book = BOOK_AXES[rank]
    return cause("mean axes", where,
                 f"the mean is taken over axes {axes} of a {rank}-D input; the book takes it over axes {book} "
                 "(your variance is over the book's axes, around that mean).",
                 f"均值是在 {rank} 维输入的轴 {axes} 上计算的；书中在轴 {book} 上计算（你的方差按书中的轴、围绕这个均值计算）。",
                 f"mean = X.mean(dim={book}, keepdim=True).", f"mean = X.mean(dim={book}, keepdim=True)。",
                 f"BatchNorm: mean over axes {axes} instead of {book}")


def variance_axes_cause(where, rank, axes, mean_axes):
    book = BOOK_AXES[rank]
    return cause("variance axes", where,
                 f"the mean is taken over axes {mean_axes} but the variance over axes {axes} of a {rank}-D input; "
                 f"the book takes both over axes {book}.",
                 f"均值在轴 {mean_axes} 上计算，方差却在 {rank} 维输入的轴 {axes} 上计算；书中两者都在轴 {book} 上计算。",
                 f"use the same axes for the variance as for the mean: ((X - mean) ** 2).mean(dim={book}, "
                 "keepdim=True).",
                 f"方差请使用与均值相同的轴：((X - mean) ** 2).mean(dim={book}, keepdim=True)。",
                 f"BatchNorm: variance over axes {axes} instead of {book}")


def moving_in_training_cause(where):
    return cause("training uses moving statistics", where,
                 "in training, the output is normalized with the moving statistics; the book normalizes with "
                 "the batch's own mean and variance, and only updates the moving ones.",
                 "训练时用移动平均统计量做了标准化；书中训练时用当前批量的均值和方差，只更新移动平均值。",
                 HINT_MODE + ".", "训练模式用批量统计量，预测模式用移动平均统计量。",
                 "BatchNorm: moving statistics used in training")


def batch_in_prediction_cause(where):
    return cause("prediction uses batch statistics", where,
                 "in prediction (net.eval() under torch.no_grad()), the output is normalized with the batch's own "
                 "statistics; the book uses the moving averages, so that one image's output does not depend on "
                 "the others in the batch.",
                 "预测时（net.eval() 且 torch.no_grad()）用了当前批量的统计量；书中用移动平均的均值和方差，"
                 "这样一张图片的输出不依赖同一批中的其他图片。",
                 HINT_MODE + ".", "预测模式下应使用 moving_mean 和 moving_var。",
                 "BatchNorm: batch statistics used in prediction")


def eps_cause(where, eps, used):
    return cause("eps", where,
                 f"called with eps={eps:g}, batch_norm computes as with eps={used:g}: the argument eps is not used.",
                 f"以 eps={eps:g} 调用时，batch_norm 的结果相当于 eps={used:g}：没有使用参数 eps。",
                 "divide by torch.sqrt(var + eps) with the eps passed in.", "请用传入的 eps：torch.sqrt(var + eps)。",
                 "BatchNorm: eps argument ignored")


def affine_cause(where):
    return cause("affine", where,
                 "gamma and beta are not applied to the normalized values: the book returns gamma * X_hat + beta.",
                 "没有对标准化后的值应用 gamma 和 beta：书中返回 gamma * X_hat + beta。",
                 "Y = gamma * X_hat + beta.", "Y = gamma * X_hat + beta。", "BatchNorm: gamma/beta not applied")


def momentum_cause(where, replaced=False):
    if replaced:
        english = ("after a training step the moving statistics equal the batch's statistics: they must be a moving "
                   "average, momentum * moving + (1 - momentum) * batch with momentum 0.9.")
        gist = "BatchNorm: moving statistics replaced by the batch's"
    else:
        english = ("the momentum is applied the other way round: after a training step the moving statistics are "
                   "0.1 * moving + 0.9 * batch; the book's are momentum * moving + (1 - momentum) * batch with "
                   "momentum 0.9, i.e. 0.9 * moving + 0.1 * batch.")
        gist = "BatchNorm: momentum applied the other way round"
    return cause("momentum", where, english,
                 "移动平均的更新方式不对：书中为 moving = momentum * moving + (1 - momentum) * batch，momentum 为 0.9。",
                 "moving_mean = momentum * moving_mean + (1.0 - momentum) * mean (the same for the variance), "
                 "with momentum=0.9 passed by BatchNorm.forward.",
                 "moving_mean = momentum * moving_mean + (1.0 - momentum) * mean（方差同理），momentum=0.9。", gist)


def never_updated_cause(where):
    return cause("moving never updated", where,
                 "the moving statistics do not change in training: after a training step they are what they were "
                 "before.",
                 "训练时移动平均统计量没有更新：训练一步后仍是原来的值。",
                 "batch_norm returns the updated statistics; keep them: Y, self.moving_mean, self.moving_var = "
                 "batch_norm(X, ...).",
                 "batch_norm 返回更新后的统计量，请保存：Y, self.moving_mean, self.moving_var = batch_norm(X, ...)。",
                 "BatchNorm: moving statistics never updated")


def gradient_cause(where):
    return cause("gradient", where,
                 "the output is right but its gradients are not: part of the computation is cut off from "
                 "autograd (.detach(), .data, torch.no_grad() or a copy through Python numbers).",
                 "输出正确但梯度不对：部分计算脱离了自动求导（.detach()、.data、torch.no_grad() 等）。",
                 "compute Y from X, gamma and beta with torch operations, the batch's mean and variance included; "
                 ".data only for the moving statistics.",
                 "用 torch 运算由 X、gamma、beta 计算 Y（包括批量均值和方差）；.data 只用于移动平均统计量。",
                 "BatchNorm: gradients cut off")


def updated_in_prediction_cause(where):
    return cause("moving updated in prediction", where,
                 "the moving statistics change in prediction (net.eval() under torch.no_grad()); the book only "
                 "updates them in training.",
                 "预测时移动平均统计量发生了变化；书中只在训练时更新它们。",
                 HINT_MODE + "; in prediction return the moving statistics unchanged.",
                 "预测模式下不要更新移动平均统计量。", "BatchNorm: moving statistics updated in prediction")
