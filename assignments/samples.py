"""Sample submissions shared by the assignment and grading tests and the grading benchmark: for each assignment,
a plausible wrong implementation that the visible tests miss and the hidden ratecheck checks catch.

WRONG[assignment] = (the solution cell's grade_id, the setting whose failure the hidden cell reports, code).
"""

# Plausible wrong implementations that the visible tests miss and the hidden ratecheck checks catch.
WRONG = {
    "gd": ("gradient_descent", "discipline", '''\
def gradient_descent(grad, x0, lr, steps):
    x = np.asarray(x0, dtype=float)  # no copy: x0 is updated in place below
    xs = [x.copy()]
    for _ in range(steps):
        x -= lr * grad(x)
        xs.append(x.copy())
    return np.array(xs)
'''),
    "momentum": ("nesterov", "conformance", '''\
def nesterov(grad, x0, lr, momentum, steps):
    xs, y = [np.array(x0, dtype=float)], np.array(x0, dtype=float)
    for k in range(steps):
        b = momentum(k) if callable(momentum) else momentum
        x_new = y - lr * grad(xs[-1])  # the gradient at x_k instead of at y_k
        y = x_new + b * (x_new - xs[-1])
        xs.append(x_new)
    return np.array(xs)
'''),
    "acceleration": ("triple_momentum", "conformance / strongly_convex", '''\
def triple_momentum(grad, x0, alpha, beta, gamma, steps):
    xi = np.array(x0, dtype=float)
    xi_prev = xi.copy()
    xis = [xi]
    for k in range(steps):
        xi, xi_prev = (1 + beta) * xi - beta * xi_prev - alpha * grad(xi), xi  # the gradient at xi_k, not at y_k
        xis.append(xi)
    return np.array(xis)
'''),
    "sgd": ("sgd", "minibatch", '''\
def sgd(grad_i, n, x0, lr, steps, rng, batch_size=1):
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        idx = rng.integers(0, n, size=batch_size)
        step = lr(k) if callable(lr) else lr
        g = sum(grad_i(xs[-1], np.array([i])) for i in idx)  # sums the batch instead of averaging it
        xs.append(xs[-1] - step * g)
    return np.array(xs)
'''),
}
