# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 1: gradient descent and its rate
#
# Let $f:\mathbb{R}^d\to\mathbb{R}$ be **$L$-smooth** (its gradient is $L$-Lipschitz) and **$\mu$-strongly
# convex**, with minimiser $x^*$ and condition number $\kappa = L/\mu$. Gradient descent (GD) with step $\eta$ is
#
# $$x_{k+1} = x_k - \eta\,\nabla f(x_k).$$
#
# With $\eta = 1/L$ it contracts the distance to $x^*$ by a fixed factor per step (Nesterov 2018, *Lectures on
# Convex Optimization*, Thm 2.1.15; ratecheck's bound `gd.strongly_convex`). In this assignment you
#
# 1. implement GD in the course's *teaching form* (graded by visible tests and by hidden ratecheck checks),
# 2. derive the contraction factor and the iteration count $k(\varepsilon)$ with SymPy,
# 3. measure iteration counts against $\kappa$ and compare them with the bound in a plot.
#
# Cells marked *YOUR CODE HERE* / *YOUR ANSWER HERE* are yours; the others are read-only. Run every cell from
# the top (Kernel -> Restart & Run All) before you submit.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from ratecheck.assignments.support import equivalent, setup
from ratecheck.implementations.problems import quadratic_spectrum, worst_case_start
from ratecheck.theory import SYMBOLS, get

setup()  # warnings and stderr appear as ordinary output (they never cost you points)
L, mu, R, eps, k = (SYMBOLS[name] for name in ("L", "mu", "R", "eps", "k"))

# %% [markdown]
# ## Part 1: implement gradient descent (5 points)
#
# Write `gradient_descent(grad, x0, lr, steps)`:
#
# * `grad` is a function $x \mapsto \nabla f(x)$ (call it **exactly once per step**: the graders count),
# * `x0` is the starting point (a 1-D NumPy array; **do not modify it**),
# * `lr` is the step size $\eta$, `steps` the number of updates,
# * return a NumPy array of shape `(steps + 1, d)` whose rows are $x_0, x_1, \dots, x_{\text{steps}}$.

# %% nbgrader={"grade_id": "gradient_descent", "solution": true}
def gradient_descent(grad, x0, lr, steps):
    """Iterates x_0..x_steps of x_{k+1} = x_k - lr * grad(x_k), as an array (steps + 1, d)."""
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)  # a copy: the caller's x0 stays untouched
    xs = np.empty((steps + 1, x.size))
    xs[0] = x
    for k in range(steps):
        x = x - lr * grad(x)
        xs[k + 1] = x
    return xs
    ### END SOLUTION


# %% [markdown]
# Quick checks you can run now (2 points):

# %% nbgrader={"grade": true, "grade_id": "test_gd_visible", "points": 2}
xs = gradient_descent(lambda x: 2.0 * x, np.array([1.0]), 0.25, 3)  # f(x) = x^2: each step halves x
assert isinstance(xs, np.ndarray), "return a NumPy array"
assert xs.shape == (4, 1), f"expected shape (steps + 1, d) = (4, 1), got {xs.shape}"
assert np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"wrong iterates {xs[:, 0]}"
c = np.array([1.0, -2.0])
xs = gradient_descent(lambda x: x - c, np.zeros(2), 1.0, 1)  # f = ||x - c||^2 / 2, L = 1: one step lands on c
assert np.allclose(xs, [[0.0, 0.0], [1.0, -2.0]]), f"wrong iterates {xs}"
print("visible tests passed")

# %% [markdown]
# The hidden tests (3 points) run ratecheck's property checks on your function: the bounds `gd.quadratic`,
# `gd.strongly_convex` and `gd.convex` on random problems, one gradient per step, your iterates against the
# update rule, and more. A failure names the property and a small counterexample. You can run the same checks
# yourself: `from ratecheck.checks import check; print(check(gradient_descent, "gd").summary())`.

# %% nbgrader={"grade": true, "grade_id": "test_gd_hidden", "points": 3}
# Hidden tests: ratecheck's checks of gradient_descent (run by the autograder).
### BEGIN HIDDEN TESTS
from ratecheck.assignments.hidden import grade

grade("gd", gradient_descent)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: derive the rate (4 points)
#
# On a quadratic $f(x) = \tfrac12 (x-x^*)^\top H (x-x^*)$ whose Hessian has eigenvalues $\lambda \in [\mu, L]$,
# one GD step multiplies the error's component along the eigenvector of $\lambda$ by $1 - \eta\lambda$.
#
# With SymPy (use the symbols `L, mu, R, eps, k` defined above, and `sp.Symbol("lam", positive=True)` for
# $\lambda$ if you need it), define
#
# * `rate`: the contraction factor $q$ of $\|x_k - x^*\| \le q^k R$ for $\eta = 1/L$ (the largest
#   $|1 - \lambda/L|$ over the spectrum),
# * `k_eps`: the number of steps after which $q^k R \le \varepsilon$ (solve $q^k R = \varepsilon$ for $k$).

# %% nbgrader={"grade_id": "derivation", "solution": true}
### BEGIN SOLUTION
lam = sp.Symbol("lam", positive=True)
factor = 1 - lam / L  # per-eigendirection multiplier for eta = 1/L; lambda in [mu, L] makes it >= 0
rate = sp.simplify(factor.subs(lam, mu))  # decreasing in lambda: the worst direction is lambda = mu
k_eps = sp.solve(sp.Eq(rate**k * R, eps), k)[0]
### END SOLUTION
rate, k_eps

# %% nbgrader={"grade": true, "grade_id": "test_derivation", "points": 2}
bound = get("gd.strongly_convex")
assert equivalent(rate, bound.derived["rate"]), f"rate = {rate} is not the contraction factor for lr = 1/L"
assert equivalent(k_eps, bound.iterations), f"k_eps = {k_eps} does not solve rate**k * R = eps"
print("derivation matches ratecheck's gd.strongly_convex:", bound.expr)

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_rate", "points": 2, "solution": true}
# **Explain (2 points).** (a) Why is the worst eigen-direction $\lambda = \mu$, and on which function is the
# bound attained exactly? (b) Using $\log(1 - 1/\kappa) \approx -1/\kappa$, how does $k(\varepsilon)$ grow
# with $\kappa$?
#
# ### BEGIN SOLUTION
# (a) For $\eta = 1/L$ the multiplier $1 - \lambda/L$ lies in $[0, 1 - \mu/L]$ and decreases with $\lambda$, so
# the slowest direction is the eigenvector of the smallest eigenvalue $\mu$: $q = 1 - \mu/L = (L - \mu)/L$. The
# bound is attained on $f(x) = \tfrac\mu2\|x\|^2$ (or any quadratic started along the $\mu$-eigenvector).
# (b) $k(\varepsilon) = \log(R/\varepsilon)/\log(1/(1 - 1/\kappa)) \approx \kappa \log(R/\varepsilon)$: linear
# in $\kappa$.
# ### END SOLUTION

# %% [markdown]
# ## Part 3: measure iteration counts against $\kappa$ (3 points)
#
# Write `iterations_to_eps(kappa, eps)`: on `quadratic_spectrum(10, 1.0, kappa, 0)` (a 10-dimensional quadratic
# with $\mu = 1$, $L = \kappa$, exactly) started at `worst_case_start(problem, "min")` (so $R = 1$, along the
# worst direction), run **your** `gradient_descent` with $\eta = 1/L$ and return the first $k$ with
# $\|x_k - x^*\| \le \varepsilon$. `problem.grad`, `problem.L` and `problem.x_star` are what you need; run
# a few more steps than the bound's $k(\varepsilon)$ (`get("gd.strongly_convex").k_eps(eps, L=..., mu=..., R=...)`).

# %% nbgrader={"grade_id": "measure", "solution": true}
def iterations_to_eps(kappa, eps=1e-6):
    """First k with ||x_k - x*|| <= eps for GD with lr = 1/L on the worst-case quadratic of condition kappa."""
    ### BEGIN SOLUTION
    problem = quadratic_spectrum(10, 1.0, kappa, 0)
    x0 = worst_case_start(problem, "min")
    k_max = int(np.ceil(get("gd.strongly_convex").k_eps(eps, L=problem.L, mu=problem.mu, R=1.0))) + 10
    xs = gradient_descent(problem.grad, x0, 1.0 / problem.L, k_max)
    dist = np.linalg.norm(xs - problem.x_star, axis=1)
    return int(np.argmax(dist <= eps))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_measure", "points": 3}
for kappa in (10.0, 100.0):
    measured = iterations_to_eps(kappa)
    predicted = int(np.ceil(get("gd.strongly_convex").k_eps(1e-6, L=kappa, mu=1.0, R=1.0)))
    assert predicted - 1 <= measured <= predicted, f"kappa={kappa}: measured {measured}, bound {predicted}"
print("measured counts match the (tight) bound")

# %% [markdown]
# The plot: measured counts against $\kappa$ with the bound's $k(\varepsilon)$ and the approximation
# $\kappa \log(1/\varepsilon)$.

# %%
kappas = np.logspace(0.5, 3, 8)
measured = [iterations_to_eps(kappa) for kappa in kappas]
predicted = get("gd.strongly_convex").k_eps(1e-6, L=kappas, mu=1.0, R=1.0)
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(kappas, measured, "o", label="measured (your GD)")
ax.loglog(kappas, predicted, "-", label=r"bound $k(\varepsilon)$, gd.strongly_convex")
ax.loglog(kappas, kappas * np.log(1e6), ":", label=r"$\kappa \log(1/\varepsilon)$")
ax.set(xlabel=r"$\kappa = L/\mu$", ylabel=r"iterations to $\|x_k - x^*\| \leq 10^{-6}$",
       title="GD with step 1/L: iterations grow like kappa")
ax.legend()
plt.show()
