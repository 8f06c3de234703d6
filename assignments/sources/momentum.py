# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 2: momentum
#
# Gradient descent needs about $\kappa \log(1/\varepsilon)$ steps on an $L$-smooth, $\mu$-strongly convex $f$
# (assignment 1). Momentum methods need about $\sqrt{\kappa}\log(1/\varepsilon)$, which matches the lower bound
# for first-order methods (Nesterov 2018, Thm 2.1.13; ratecheck's `lower.strongly_convex`):
#
# * **heavy ball** (Polyak 1964): $x_{k+1} = x_k - \eta \nabla f(x_k) + \beta (x_k - x_{k-1})$, with $x_{-1} = x_0$;
# * **Nesterov's accelerated gradient**: $x_{k+1} = y_k - \eta \nabla f(y_k)$,
#   $y_{k+1} = x_{k+1} + \beta_k (x_{k+1} - x_k)$, with $y_0 = x_0$.
#
# You will implement both, derive the heavy ball's best momentum for a given step from the characteristic
# polynomial of its recursion (as Polyak derived his parameters), watch the $\sqrt\kappa$ scaling, and meet the
# function on which the heavy ball never converges (Lessard, Recht & Packard 2016).

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from ratecheck.assignments.spec import check
from ratecheck.assignments.support import setup
from ratecheck.implementations import gradient_descent
from ratecheck.implementations.problems import quadratic_spectrum, worst_case_start
from ratecheck.theory import SYMBOLS, get

setup()  # warnings and stderr appear as ordinary output (they never cost you points)
L, mu, k = (SYMBOLS[name] for name in ("L", "mu", "k"))

# %% [markdown]
# Your parameters (every student has their own; the grader uses the same): the step factor `h` of Part 2, the
# condition numbers `kappas` of Part 3 and the start `x0_lrp` of Part 4.

# %% nbgrader={"grade_id": "variant", "locked": true}
VARIANT = ...  # filled in by the build (each student's release: their own parameters)

# %% [markdown]
# ## Part 1: implement the heavy ball and Nesterov's method (10 points)
#
# Both take `(grad, x0, lr, momentum, steps)` and return the iterates $x_0, \dots, x_{\text{steps}}$ as an array
# of shape `(steps + 1, d)`; call `grad` exactly once per step and do not modify `x0`.
#
# * `heavy_ball`: `momentum` is the number $\beta$; start with $x_{-1} = x_0$ (so the first step is a plain
#   gradient step).
# * `nesterov`: `momentum` is either a number $\beta$ or a function `k -> beta_k` (a schedule such as
#   Beck and Teboulle's FISTA sequence); the gradient is taken at the **look-ahead point** $y_k$.

# %% nbgrader={"grade_id": "heavy_ball", "solution": true}
def heavy_ball(grad, x0, lr, momentum, steps):
    """Iterates of x_{k+1} = x_k - lr grad(x_k) + momentum (x_k - x_{k-1}), x_{-1} = x_0."""
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    x_prev = x.copy()
    xs = np.empty((steps + 1, x.size))
    xs[0] = x
    for k in range(steps):
        x, x_prev = x - lr * grad(x) + momentum * (x - x_prev), x
        xs[k + 1] = x
    return xs
    ### END SOLUTION


# %% nbgrader={"grade_id": "nesterov", "solution": true}
def nesterov(grad, x0, lr, momentum, steps):
    """Iterates x_k of x_{k+1} = y_k - lr grad(y_k), y_{k+1} = x_{k+1} + b_k (x_{k+1} - x_k), y_0 = x_0."""
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    y = x.copy()
    xs = np.empty((steps + 1, x.size))
    xs[0] = x
    for k in range(steps):
        b = momentum(k) if callable(momentum) else momentum
        x_new = y - lr * grad(y)
        y = x_new + b * (x_new - x)
        x = x_new
        xs[k + 1] = x
    return xs
    ### END SOLUTION


# %% [markdown]
# Quick checks (2 points each): shapes, the first steps on $f(x) = x^2$ (gradient $2x$), and that momentum 0 is
# gradient descent.

# %% nbgrader={"grade": true, "grade_id": "test_heavy_ball_visible", "points": 2}
check("test_heavy_ball_visible", globals())

# %% nbgrader={"grade": true, "grade_id": "test_nesterov_visible", "points": 2}
check("test_nesterov_visible", globals())

# %% [markdown]
# The hidden tests (3 points each) run ratecheck's checks: the bounds `heavy_ball.quadratic`, `nesterov.convex`
# (with the FISTA schedule) and `nesterov.strongly_convex`, one gradient per step, every iterate against the
# update rule, and the lower bounds. Try them: `check(nesterov, "nesterov").summary()`
# (`from ratecheck.checks import check`).

# %% nbgrader={"grade": true, "grade_id": "test_heavy_ball_hidden", "points": 3}
### BEGIN HIDDEN TESTS
check("test_heavy_ball_hidden", globals(), hidden=True)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_nesterov_hidden", "points": 3}
### BEGIN HIDDEN TESTS
check("test_nesterov_hidden", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: the best momentum for a given step (5 points)
#
# On a quadratic with Hessian eigenvalue $\lambda \in [\mu, L]$, the error $e_k$ along that eigenvector obeys
# $e_{k+1} = (1 + \beta - \eta\lambda)\, e_k - \beta\, e_{k-1}$, a linear recursion with characteristic polynomial
#
# $$p_\lambda(z) = z^2 - (1 + \beta - \eta\lambda)\, z + \beta.$$
#
# When its roots are complex they both have modulus $\sqrt\beta$, whatever $\lambda$. Polyak (1964, Thm 9)
# chooses $\eta$ and $\beta$ together so that the roots are complex (or double) on the whole spectrum with $\beta$
# as small as possible: the discriminant vanishes at both ends of $[\mu, L]$. His parameters are ratecheck's
# `heavy_ball.quadratic` (the cell below; Parts 3 and 4 use them).
#
# Often the step is fixed first. Yours is $\eta = h/L$ with $h$ = `VARIANT["h"]`, between $1/L$ and $4/L$ (where
# Polyak's step $4/(\sqrt L + \sqrt\mu)^2$ lies). With SymPy, find the smallest $\beta$ for which the roots of
# $p_\lambda$ are complex or double for **every** $\lambda \in [\mu, L]$ (they are exactly when
# $(1 - \sqrt\beta)^2 \le \eta\lambda \le (1 + \sqrt\beta)^2$: look at both ends of the spectrum), and define
# `momentum_h` (that $\beta$) and `rate_h` (the rate $\sqrt\beta$ it gives) in terms of the symbols `L` and `mu`.
# `sp.Max(a, b)` is the larger of two expressions.

# %%
polyak = get("heavy_ball.quadratic").hyperparameters  # Polyak's step and momentum, in L and mu
lr_polyak, momentum_polyak = polyak["lr"], polyak["momentum"]
lr_polyak, momentum_polyak

# %% nbgrader={"grade_id": "polyak", "solution": true}
h = sp.nsimplify(VARIANT["h"])
s = sp.Symbol("s", positive=True)  # s = sqrt(beta)
### BEGIN SOLUTION
eta = h / L
# at lambda = mu: (1 - s)^2 <= eta mu, i.e. s >= 1 - sqrt(eta mu) (the root below 1)
at_mu = next(r for r in sp.solve(sp.Eq((1 - s) ** 2, eta * mu), s) if r.subs({L: 100, mu: 1}) < 1)
# at lambda = L: eta L = h <= (1 + s)^2, i.e. s >= sqrt(h) - 1
at_L = next(r for r in sp.solve(sp.Eq((1 + s) ** 2, eta * L), s) if r.is_positive)
rate_h = sp.Max(at_mu, at_L)
momentum_h = rate_h**2
### END SOLUTION
momentum_h, rate_h

# %% nbgrader={"grade": true, "grade_id": "test_polyak", "points": 3}
check("test_polyak", globals())
### BEGIN HIDDEN TESTS
check("test_polyak", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_polyak", "points": 2, "solution": true}
# **Explain (2 points).** Why is the rate $\sqrt\beta$ when the roots are complex, and why does a $\beta$ below
# yours not give a better rate? For $\kappa = 100$ compare your `rate_h` with Polyak's
# $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ and with GD's $1 - 1/\kappa$.
#
# ### BEGIN SOLUTION
# Complex roots of a real quadratic are conjugate, so $|z|^2 = z\bar z = $ their product $= \beta$: the error
# decays like $\sqrt\beta^{\,k}$ (times a factor $k$ at a double root). Below my $\beta$ the binding end of the
# spectrum gets real roots; there the larger one, $r$, satisfies $dr/d\beta = (r - 1)/(2r - t) < 0$
# ($t = 1 + \beta - \eta\lambda$), so a smaller $\beta$ makes it larger than $\sqrt\beta$ was: the rate gets worse.
# For $\kappa = 100$: Polyak's rate is $9/11 \approx 0.818$, GD's $0.99$; with $h = 2$, say, `rate_h` is
# $\max(1 - \sqrt{0.02}, \sqrt 2 - 1) \approx 0.859$: the fixed step costs a little, both are far ahead of GD
# ($\sqrt\kappa$ against $\kappa$ steps per factor $e$).
# ### END SOLUTION

# %% [markdown]
# ## Part 3: $\sqrt\kappa$ against $\kappa$ (3 points)
#
# Write `iterations(method, kappa, eps)`: on `quadratic_spectrum(10, 1.0, kappa, 0)` ($\mu = 1$, $L = \kappa$)
# started at `worst_case_start(problem, "both")` ($R = 1$), return the first $k$ with
# $\|x_k - x^*\| \le \varepsilon$ for
#
# * `"gd"`: `gradient_descent` (imported from ratecheck) with $\eta = 1/L$,
# * `"heavy_ball"`: your `heavy_ball` with Polyak's parameters (evaluate `lr_polyak`, `momentum_polyak` of Part 2,
#   e.g. with `float(lr_polyak.subs({L: kappa, mu: 1}))`),
# * `"nesterov"`: your `nesterov` with $\eta = 1/L$ and $\beta = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)$.
#
# Give each method enough steps: `30 * kappa` for GD and `30 * sqrt(kappa)` for the momentum methods are plenty.

# %% nbgrader={"grade_id": "iterations", "solution": true}
def iterations(method, kappa, eps=1e-6):
    """First k with ||x_k - x*|| <= eps on the kappa-conditioned quadratic started at the 'both' worst case."""
    ### BEGIN SOLUTION
    problem = quadratic_spectrum(10, 1.0, kappa, 0)
    x0 = worst_case_start(problem, "both")
    if method == "gd":
        xs = gradient_descent(problem.grad, x0, 1.0 / kappa, int(30 * kappa))
    elif method == "heavy_ball":
        values = {L: kappa, mu: 1.0}
        xs = heavy_ball(problem.grad, x0, float(lr_polyak.subs(values)), float(momentum_polyak.subs(values)),
                        int(30 * np.sqrt(kappa)))
    elif method == "nesterov":
        q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        xs = nesterov(problem.grad, x0, 1.0 / kappa, q, int(30 * np.sqrt(kappa)))
    else:
        raise ValueError(method)
    dist = np.linalg.norm(xs - problem.x_star, axis=1)
    return int(np.argmax(dist <= eps)) if np.any(dist <= eps) else None
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_iterations", "points": 3}
check("test_iterations", globals())
### BEGIN HIDDEN TESTS
check("test_iterations", globals(), hidden=True)
### END HIDDEN TESTS

# %%
kappas = np.asarray(VARIANT["kappas"])
counts = {m: np.array([iterations(m, kappa) for kappa in kappas], dtype=float)
          for m in ("gd", "heavy_ball", "nesterov")}
bound = get("heavy_ball.quadratic").k_eps(1e-6, L=kappas, mu=1.0, R=1.0)
fig, ax = plt.subplots(figsize=(6, 4))
for m, marker in (("gd", "o"), ("heavy_ball", "s"), ("nesterov", "^")):
    ax.loglog(kappas, counts[m], marker, label=f"{m} (measured)")
ax.loglog(kappas, get("gd.strongly_convex").k_eps(1e-6, L=kappas, mu=1.0, R=1.0), "-", label="gd.strongly_convex")
ax.loglog(kappas, bound, "--", label="heavy_ball.quadratic")
ax.loglog(kappas, get("lower.strongly_convex").k_eps(1e-6, L=kappas, mu=1.0, R=1.0), ":",
          label="lower.strongly_convex (any method)")
ax.set(xlabel=r"$\kappa$", ylabel=r"iterations to $\|x_k - x^*\| \leq 10^{-6}$",
       title=r"momentum: $\sqrt{\kappa}$ instead of $\kappa$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Part 4: the Lessard-Recht-Packard cycle (2 points)
#
# Polyak's parameters come from quadratics. Lessard, Recht & Packard (2016, SIAM J. Optim. 26(1), Sec. 4.6)
# found a one-dimensional function that is $L$-smooth and $\mu$-strongly convex ($L = 25$, $\mu = 1$; it is
# recorded in ratecheck's registry next to `heavy_ball.quadratic`) on which the heavy ball with exactly these
# parameters **never converges**. Run your `heavy_ball` on it from your $x_0$ (`VARIANT["x0_lrp"]`) for 300 steps
# with Polyak's parameters for $L = 25$, $\mu = 1$, store the iterates in `xs_lrp`, and set `period` to the period
# of the cycle the last iterates settle into (the smallest $p \ge 1$ with $|x_{300} - x_{300-p}| < 10^{-6}$).

# %%
example = get("heavy_ball.quadratic").counterexamples[0]
print(example["behaviour"])
print("gradient:", example["grad"])


def grad_lrp(x):
    """The gradient of the Lessard-Recht-Packard function (minimiser x* = 0)."""
    t = float(x[0])
    return np.array([25.0 * t if t < 1 else (t + 24.0 if t < 2 else 25.0 * t - 24.0)])


# %% nbgrader={"grade_id": "lrp", "solution": true}
### BEGIN SOLUTION
values = {L: 25.0, mu: 1.0}
xs_lrp = heavy_ball(grad_lrp, np.array([VARIANT["x0_lrp"]]), float(lr_polyak.subs(values)),
                    float(momentum_polyak.subs(values)), 300)
period = next(p for p in range(1, 50) if abs(xs_lrp[-1, 0] - xs_lrp[-1 - p, 0]) < 1e-6)
### END SOLUTION
print("last iterates:", xs_lrp[-6:, 0], "period", period)

# %% nbgrader={"grade": true, "grade_id": "test_lrp", "points": 2}
check("test_lrp", globals())
### BEGIN HIDDEN TESTS
check("test_lrp", globals(), hidden=True)
### END HIDDEN TESTS

# %%
xs_nag = nesterov(grad_lrp, np.array([VARIANT["x0_lrp"]]), 1 / 25, (5 - 1) / (5 + 1), 300)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(xs_lrp[:60, 0], ".-", label="heavy ball (Polyak's parameters)")
ax.plot(xs_nag[:60, 0], ".-", label="Nesterov")
ax.set(xlabel="k", ylabel=r"$x_k$", title="Lessard-Recht-Packard: the heavy ball's limit cycle")
ax.legend()
plt.show()

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_lrp", "points": 2, "solution": true}
# **Explain (2 points).** Why does this not contradict the bound `heavy_ball.quadratic`? What, in the derivation
# of Part 2, fails for a function that is not quadratic?
#
# ### BEGIN SOLUTION
# The bound assumes a quadratic $f$: then the error obeys a *fixed* linear recursion per eigen-direction, and the
# characteristic polynomial decides everything. Here $\nabla f$ is piecewise linear: the effective curvature
# switches between $25$ and $1$ as the iterate crosses $x = 1$ and $x = 2$, so the iteration is a switched linear
# system. Each piece is stable on its own, but switching between them can sustain a cycle (spectral radii do not
# bound products of different matrices). Strong convexity and smoothness alone only guarantee Nesterov's rate;
# the heavy ball's $\sqrt\kappa$ rate with these parameters holds for quadratics, not for the whole class.
# ### END SOLUTION
