# The BatchNorm from scratch, with its arithmetic done by the library: the part asks for the batch's
# statistics to be computed by the student, so it earns nothing, whatever spelling reaches the kernel.
{{SOLUTION}}
# >>> attack
def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    shape = moving_mean.shape
    mean, var = moving_mean.reshape(-1).clone(), moving_var.reshape(-1).clone()
    Y = getattr(torch.ops.aten, "native_batch_" + "norm")(X, gamma.reshape(-1), beta.reshape(-1), mean, var,
                                                           torch.is_grad_enabled(), 1 - momentum, eps)[0]
    return Y, mean.reshape(shape), var.reshape(shape)
# <<< attack
