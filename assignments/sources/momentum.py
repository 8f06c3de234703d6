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
# You will implement both, derive Polyak's optimal parameters from the characteristic polynomial of the heavy
# ball's recursion, watch the $\sqrt\kappa$ scaling, and meet the function on which the heavy ball never
# converges (Lessard, Recht & Packard 2016).

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
# Your parameters (every student has their own; the grader uses the same): the condition numbers `kappas` of
# Part 3 and the start `x0_lrp` of Part 4.

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
# ## Part 2: Polyak's optimal parameters (5 points)
#
# On a quadratic with Hessian eigenvalue $\lambda \in [\mu, L]$, the error $e_k$ along that eigenvector obeys
# $e_{k+1} = (1 + \beta - \eta\lambda)\, e_k - \beta\, e_{k-1}$, a linear recursion with characteristic polynomial
#
# $$p_\lambda(z) = z^2 - (1 + \beta - \eta\lambda)\, z + \beta.$$
#
# When its roots are complex they both have modulus $\sqrt\beta$, whatever $\lambda$. Polyak's choice makes the
# roots complex (or double) on the whole spectrum with $\beta$ as small as possible: the discriminant vanishes
# at both ends, $1 + \beta - \eta\mu = 2\sqrt\beta$ and $1 + \beta - \eta L = -2\sqrt\beta$ (Polyak 1964, Thm 9;
# ratecheck's `heavy_ball.quadratic`).
#
# With SymPy, solve these two equations for $\eta$ and $s = \sqrt\beta$ (take the root with $0 < s < 1$) and
# define `lr_polyak` ($\eta$), `momentum_polyak` ($\beta$) and `rate_polyak` (the asymptotic rate $\sqrt\beta$),
# in terms of the symbols `L` and `mu`.

# %% nbgrader={"grade_id": "polyak", "solution": true}
eta, s, z, lam = sp.symbols("eta s z lam", positive=True)
char = z**2 - (1 + s**2 - eta * lam) * z + s**2  # beta = s**2
### BEGIN SOLUTION
solutions = sp.solve([sp.Eq(1 + s**2 - eta * mu, 2 * s), sp.Eq(1 + s**2 - eta * L, -2 * s)], [eta, s], dict=True)
# two roots s; the one below 1 (check numerically at L = 4, mu = 1)
best = next(sol for sol in solutions if sol[s].subs({L: 4, mu: 1}) < 1)
lr_polyak = sp.simplify(best[eta])
rate_polyak = sp.simplify(best[s])
momentum_polyak = sp.simplify(rate_polyak**2)
### END SOLUTION
lr_polyak, momentum_polyak, rate_polyak

# %% nbgrader={"grade": true, "grade_id": "test_polyak", "points": 3}
check("test_polyak", globals())
### BEGIN HIDDEN TESTS
check("test_polyak", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_polyak", "points": 2, "solution": true}
# **Explain (2 points).** Why is the rate $\sqrt\beta$ when the roots are complex, and why is making the
# discriminant vanish at $\lambda = \mu$ and $\lambda = L$ the best choice? Express the rate through $\kappa$ and
# compare it with GD's $1 - 1/\kappa$ for $\kappa = 100$.
#
# ### BEGIN SOLUTION
# Complex roots of a real quadratic are conjugate, so $|z|^2 = z\bar z = $ their product $= \beta$: the error
# decays like $\sqrt\beta^{\,k}$ (times a factor $k$ at a double root). For a fixed $\beta$ the roots are complex
# exactly when $(1 - \sqrt\beta)^2 \le \eta\lambda \le (1 + \sqrt\beta)^2$; covering $[\mu, L]$ needs
# $(1+\sqrt\beta)^2/(1-\sqrt\beta)^2 \ge \kappa$, and the smallest $\beta$ doing so puts both ends on the boundary.
# With a smaller $\beta$ an end of the spectrum gets real roots, the larger of which has modulus above the
# optimal $\sqrt\beta$. Rate: $(\sqrt\kappa - 1)/(\sqrt\kappa + 1) = 9/11 \approx 0.818$ for $\kappa = 100$,
# against GD's $0.99$: about $1/(1 - 0.818) \approx 5.5$ versus $100$ steps per factor $e$, i.e. $\sqrt\kappa/2$
# versus $\kappa$.
# ### END SOLUTION

# %% [markdown]
# ## Part 3: $\sqrt\kappa$ against $\kappa$ (3 points)
#
# Write `iterations(method, kappa, eps)`: on `quadratic_spectrum(10, 1.0, kappa, 0)` ($\mu = 1$, $L = \kappa$)
# started at `worst_case_start(problem, "both")` ($R = 1$), return the first $k$ with
# $\|x_k - x^*\| \le \varepsilon$ for
#
# * `"gd"`: `gradient_descent` (imported from ratecheck) with $\eta = 1/L$,
# * `"heavy_ball"`: your `heavy_ball` with Polyak's parameters (evaluate your `lr_polyak`, `momentum_polyak`,
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
