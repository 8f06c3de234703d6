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
from ratecheck.assignments.spec import check
from ratecheck.assignments.support import setup
from ratecheck.implementations.problems import quadratic_spectrum, worst_case_start
from ratecheck.theory import SYMBOLS, get

setup()  # warnings and stderr appear as ordinary output (they never cost you points)
L, mu, R, eps, k = (SYMBOLS[name] for name in ("L", "mu", "R", "eps", "k"))

# %% [markdown]
# Your parameters (every student has their own; they are also the ones the grader uses):
# the step factor `h` (GD runs with $\eta = h/L$), the problem size `d`, the condition numbers `kappas` and the
# accuracy `eps` of Part 3.

# %% nbgrader={"grade_id": "variant", "locked": true}
VARIANT = ...  # filled in by the build (each student's release: their own parameters)
print(VARIANT)

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
check("test_gd_visible", globals())

# %% [markdown]
# The hidden tests (3 points) run ratecheck's property checks on your function: the bounds `gd.quadratic`,
# `gd.strongly_convex` and `gd.convex` on random problems, one gradient per step, your iterates against the
# update rule, and more. A failure names the property and a small counterexample. You can run the same checks
# yourself: `from ratecheck.checks import check; print(check(gradient_descent, "gd").summary())`.

# %% nbgrader={"grade": true, "grade_id": "test_gd_hidden", "points": 3}
### BEGIN HIDDEN TESTS
check("test_gd_hidden", globals(), hidden=True)
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
# * `rate`: the contraction factor $q$ of $\|x_k - x^*\| \le q^k R$ for **your** step $\eta = h/L$
#   (`h = VARIANT["h"]`, below 1): the largest $|1 - h\lambda/L|$ over the spectrum,
# * `k_eps`: the number of steps after which $q^k R \le \varepsilon$ (solve $q^k R = \varepsilon$ for $k$).

# %% nbgrader={"grade_id": "derivation", "solution": true}
### BEGIN SOLUTION
lam = sp.Symbol("lam", positive=True)
h = sp.nsimplify(VARIANT["h"])
factor = 1 - h * lam / L  # per-eigendirection multiplier for eta = h/L; h < 1 and lambda <= L make it > 0
rate = sp.simplify(factor.subs(lam, mu))  # decreasing in lambda: the worst direction is lambda = mu
k_eps = sp.solve(sp.Eq(rate**k * R, eps), k)[0]
### END SOLUTION
rate, k_eps

# %% [markdown]
# The visible test checks the form (symbols, a factor in $(0, 1)$, a positive count); the hidden one your answer.

# %% nbgrader={"grade": true, "grade_id": "test_derivation", "points": 2}
check("test_derivation", globals())
### BEGIN HIDDEN TESTS
check("test_derivation", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_rate", "points": 2, "solution": true}
# **Explain (2 points).** (a) Why is the worst eigen-direction $\lambda = \mu$ for your $h < 1$, and on which
# function is the bound attained exactly? (b) Using $\log(1 - h/\kappa) \approx -h/\kappa$, how does
# $k(\varepsilon)$ grow with $\kappa$? What changes for $h > 1$?
#
# ### BEGIN SOLUTION
# (a) For $\eta = h/L$ with $h < 1$ the multiplier $1 - h\lambda/L$ lies in $(0, 1 - h\mu/L]$ and decreases
# with $\lambda$, so the slowest direction is the eigenvector of the smallest eigenvalue $\mu$:
# $q = 1 - h\mu/L$. The bound is attained on $f(x) = \tfrac\mu2\|x\|^2$ (or any quadratic started along the
# $\mu$-eigenvector). (b) $k(\varepsilon) = \log(R/\varepsilon)/\log(1/(1 - h/\kappa)) \approx (\kappa/h)
# \log(R/\varepsilon)$: linear in $\kappa$, a factor $1/h$ slower than $\eta = 1/L$. For $h > 1$ the other end
# $\lambda = L$ can dominate: $q = \max(1 - h\mu/L, h - 1)$, and $h \ge 2$ diverges.
# ### END SOLUTION

# %% [markdown]
# ## Part 3: measure iteration counts against $\kappa$ (3 points)
#
# Write `iterations_to_eps(kappa, tol)`: on `quadratic_spectrum(VARIANT["d"], 1.0, kappa, 0)` (a quadratic in
# your dimension with $\mu = 1$, $L = \kappa$, exactly) started at `worst_case_start(problem, "min")` (so $R = 1$,
# along the worst direction), run **your** `gradient_descent` with your step $\eta = h/L$ and return the first
# $k$ with $\|x_k - x^*\| \le$ `tol`. `problem.grad`, `problem.L` and `problem.x_star` are what you need;
# run a few more steps than your $k(\varepsilon)$ predicts. The tests use your `VARIANT["kappas"]` and
# `VARIANT["eps"]`.

# %% nbgrader={"grade_id": "measure", "solution": true}
def iterations_to_eps(kappa, tol):
    """First k with ||x_k - x*|| <= tol for GD with lr = h/L on the worst-case quadratic of condition kappa."""
    ### BEGIN SOLUTION
    problem = quadratic_spectrum(VARIANT["d"], 1.0, kappa, 0)
    x0 = worst_case_start(problem, "min")
    k_max = int(np.ceil(np.log(tol) / np.log(1 - VARIANT["h"] / problem.L))) + 10  # the error shrinks by that
    xs = gradient_descent(problem.grad, x0, VARIANT["h"] / problem.L, k_max)
    dist = np.linalg.norm(xs - problem.x_star, axis=1)
    return int(np.argmax(dist <= tol))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_measure", "points": 3}
check("test_measure", globals())
### BEGIN HIDDEN TESTS
check("test_measure", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The plot: measured counts against $\kappa$ with your $k(\varepsilon)$, the registry's bound for $\eta = 1/L$
# and the approximation $(\kappa/h) \log(1/\varepsilon)$.

# %%
kappas = np.logspace(0.5, 3, 8)
measured = [iterations_to_eps(kappa, VARIANT["eps"]) for kappa in kappas]
yours = [float(k_eps.subs({L: kappa, mu: 1.0, R: 1.0, eps: VARIANT["eps"]})) for kappa in kappas]
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(kappas, measured, "o", label="measured (your GD)")
ax.loglog(kappas, yours, "-", label=r"your $k(\varepsilon)$ for $\eta = h/L$")
ax.loglog(kappas, get("gd.strongly_convex").k_eps(VARIANT["eps"], L=kappas, mu=1.0, R=1.0), "--",
          label=r"gd.strongly_convex ($\eta = 1/L$)")
ax.loglog(kappas, kappas / VARIANT["h"] * np.log(1 / VARIANT["eps"]), ":", label=r"$(\kappa/h) \log(1/\varepsilon)$")
ax.set(xlabel=r"$\kappa = L/\mu$", ylabel=r"iterations to $\|x_k - x^*\| \leq \varepsilon$",
       title="GD with step h/L: iterations grow like kappa")
ax.legend()
plt.show()
