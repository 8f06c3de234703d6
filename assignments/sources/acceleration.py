# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 4: acceleration at its limits
#
# Nesterov's method reaches the $\sqrt\kappa$ scaling of the lower bound (assignment 2). How close to the lower
# bounds can a first-order method get?
#
# * **OGM** (Kim & Fessler 2016, Math. Program. 159, Thm 2; ratecheck's `ogm.convex`): on $L$-smooth convex $f$,
#   $f(y_N) - f^* \le L R^2/(2\theta_N^2) \approx L R^2/N^2$, half of Nesterov's $2LR^2/(N+1)^2$ and within a
#   factor of about 2 of Drori's exact lower bound (ratecheck's `lower.convex` is Nesterov's weaker
#   $3LR^2/(32(N+1)^2)$).
# * **Triple momentum** (Van Scoy, Freeman & Lynch 2018, IEEE Control Syst. Lett. 2, Thm 1;
#   `triple_momentum.strongly_convex`): on $L$-smooth $\mu$-strongly convex $f$, the rate $1 - 1/\sqrt\kappa$,
#   the fastest known for the whole class, against the lower bound's
#   $(\sqrt\kappa - 1)/(\sqrt\kappa + 1) \approx 1 - 2/\sqrt\kappa$ (`lower.strongly_convex`).
#
# You implement both, derive the rate of Nesterov's method for your step size, measure OGM's gap on the worst
# function in the world, and race triple momentum against Nesterov.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from ratecheck.assignments.spec import check
from ratecheck.assignments.support import setup
from ratecheck.implementations import nesterov
from ratecheck.implementations.problems import nesterov_worst_case, quadratic_spectrum, worst_case_start
from ratecheck.theory import SYMBOLS, get

setup()  # warnings and stderr appear as ordinary output (they never cost you points)
L, mu = SYMBOLS["L"], SYMBOLS["mu"]

# %% [markdown]
# Your parameters (every student has their own; the grader uses the same): the step factor `h` of Part 2, OGM's
# step count `N` of Part 3, and the condition number `kappa`, tolerance `tol` and dimension `d` of Part 4.

# %% nbgrader={"grade_id": "variant", "locked": true}
VARIANT = ...  # filled in by the build (each student's release: their own parameters)

# %% [markdown]
# ## Part 1: implement OGM and triple momentum (10 points)
#
# * `ogm(grad, x0, lr, steps)`: $y_0 = x_0$, $\theta_0 = 1$; for $k = 0, \dots, N-1$ ($N$ = `steps`):
#   $x_{k+1} = y_k - \eta \nabla f(y_k)$;
#   $\theta_{k+1} = (1 + \sqrt{1 + 4\theta_k^2})/2$, except at the last step ($k + 1 = N$) where the 4 is an 8;
#   $y_{k+1} = x_{k+1} + \frac{\theta_k - 1}{\theta_{k+1}}(x_{k+1} - x_k)
#   + \frac{\theta_k}{\theta_{k+1}}(x_{k+1} - y_k)$ (with $x_0 = y_0$). Return $y_0, \dots, y_N$.
# * `triple_momentum(grad, x0, alpha, beta, gamma, steps)`: $\xi_{-1} = \xi_0 = x_0$;
#   $y_k = (1 + \gamma)\xi_k - \gamma\xi_{k-1}$, $\xi_{k+1} = (1 + \beta)\xi_k - \beta\xi_{k-1} - \alpha\nabla f(y_k)$.
#   Return $\xi_0, \dots, \xi_N$.
#
# Both return an array of shape `(steps + 1, d)`, call `grad` exactly once per step and leave `x0` unchanged.

# %% nbgrader={"grade_id": "ogm", "solution": true}
def ogm(grad, x0, lr, steps):
    """y_0 .. y_steps of Kim & Fessler's OGM with the last-step theta rule."""
    ### BEGIN SOLUTION
    y = np.array(x0, dtype=float)
    x = y.copy()
    ys = np.empty((steps + 1, y.size))
    ys[0] = y
    theta = 1.0
    for k in range(steps):
        x_new = y - lr * grad(y)
        c = 8.0 if k + 1 == steps else 4.0
        theta_new = (1.0 + np.sqrt(1.0 + c * theta**2)) / 2.0
        y = x_new + (theta - 1) / theta_new * (x_new - x) + theta / theta_new * (x_new - y)
        x, theta = x_new, theta_new
        ys[k + 1] = y
    return ys
    ### END SOLUTION


# %% nbgrader={"grade_id": "triple_momentum", "solution": true}
def triple_momentum(grad, x0, alpha, beta, gamma, steps):
    """The states xi_0 .. xi_steps of Van Scoy, Freeman & Lynch's triple momentum method."""
    ### BEGIN SOLUTION
    xi = np.array(x0, dtype=float)
    xi_prev = xi.copy()
    xis = np.empty((steps + 1, xi.size))
    xis[0] = xi
    for k in range(steps):
        y = (1 + gamma) * xi - gamma * xi_prev
        xi, xi_prev = (1 + beta) * xi - beta * xi_prev - alpha * grad(y), xi
        xis[k + 1] = xi
    return xis
    ### END SOLUTION


# %% [markdown]
# Quick checks (2 points each): shapes, the first step, and that triple momentum without momentum is GD.

# %% nbgrader={"grade": true, "grade_id": "test_ogm_visible", "points": 2}
check("test_ogm_visible", globals())

# %% nbgrader={"grade": true, "grade_id": "test_tm_visible", "points": 2}
check("test_tm_visible", globals())

# %% [markdown]
# The hidden tests (3 points each) run ratecheck's checks: `ogm.convex` (tight on Drori's worst case),
# `triple_momentum.strongly_convex`, one gradient per step, every iterate against the update rule, the lower
# bounds. Try them: `check(ogm, "ogm").summary()` (`from ratecheck.checks import check`).

# %% nbgrader={"grade": true, "grade_id": "test_ogm_hidden", "points": 3}
### BEGIN HIDDEN TESTS
check("test_ogm_hidden", globals(), hidden=True)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_tm_hidden", "points": 3}
### BEGIN HIDDEN TESTS
check("test_tm_hidden", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: Nesterov's rate for your step (3 points)
#
# Run Nesterov's method with $\eta = h/L$ (`h = VARIANT["h"]`) and the momentum $\beta = (1 - s)/(1 + s)$,
# $s = \sqrt{h\mu/L}$. On a quadratic, the error along the eigenvector of $\lambda$ obeys
# $e_{k+1} = (1 + \beta)(1 - \eta\lambda)\, e_k - \beta(1 - \eta\lambda)\, e_{k-1}$. With SymPy, find the roots of its
# characteristic polynomial at $\lambda = \mu$ and define `rate_nag`, their largest modulus, in `L` and `mu`.
# (For $h = 1$ it is `nesterov.strongly_convex`'s $1 - \sqrt{\mu/L}$, triple momentum's rate.)

# %% nbgrader={"grade_id": "rate", "solution": true}
z = sp.Symbol("z")
### BEGIN SOLUTION
q = sp.nsimplify(VARIANT["h"]) * mu / L  # eta * lambda at lambda = mu
beta = (1 - sp.sqrt(q)) / (1 + sp.sqrt(q))
roots = sp.solve(z**2 - (1 + beta) * (1 - q) * z + beta * (1 - q), z)
rate_nag = sp.simplify(max(roots, key=lambda r: abs(complex(r.subs({L: 10, mu: 1})))))
### END SOLUTION
rate_nag

# %% nbgrader={"grade": true, "grade_id": "test_rate", "points": 3}
check("test_rate", globals())
### BEGIN HIDDEN TESTS
check("test_rate", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_rate", "points": 2, "solution": true}
# **Explain (2 points).** Why is the root at $\lambda = \mu$ a double root, and why do larger $\lambda$ converge
# faster? Compare `rate_nag`, triple momentum's $1 - 1/\sqrt\kappa$ and the lower bound's
# $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ for $\kappa = 100$ in iterations per factor $e$.
#
# ### BEGIN SOLUTION
# With $q = h\mu/L$ the discriminant $(1 + \beta)^2(1 - q)^2 - 4\beta(1 - q)$ vanishes exactly at
# $\beta = (1 - \sqrt q)/(1 + \sqrt q)$ (critical damping), so the root is double, $z = 1 - \sqrt q$. For
# $\lambda > \mu$ the discriminant is negative and the roots are complex with modulus $\sqrt{\beta(1 - h\lambda/L)}
# < 1 - \sqrt q$. Per factor $e$: $1/\sqrt{q} = \sqrt{\kappa/h}$ iterations for `rate_nag` ($\approx 14$ for $h = 1/2$),
# $\sqrt\kappa = 10$ for triple momentum, $\sqrt\kappa/2 = 5$ for the lower bound: the lower bound is a factor 2
# away from the best known method, and a smaller step costs $1/\sqrt h$.
# ### END SOLUTION

# %% [markdown]
# ## Part 3: OGM on the worst function in the world (2 points)
#
# `nesterov_worst_case(2 * N + 1, 1.0)` is Nesterov's convex quadratic on which every first-order method's gap after
# $N$ steps is at least `lower.convex`. Write `ogm_gap(N)`: $f(y_N) - f^*$ of **your** `ogm` with $\eta = 1/L$
# ($L = 1$) from $x_0 = 0$ on it (`problem.f`, `problem.f_star`). The grader runs OGM itself on the same function.

# %% nbgrader={"grade_id": "gap", "solution": true}
def ogm_gap(N):
    """f(y_N) - f* of OGM (lr = 1/L) from 0 on Nesterov's worst-case function in R^(2N+1)."""
    ### BEGIN SOLUTION
    problem = nesterov_worst_case(2 * N + 1, 1.0)
    ys = ogm(problem.grad, np.zeros(2 * N + 1), 1.0 / problem.L, N)
    return float(problem.f(ys[-1]) - problem.f_star)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ogm_gap", "points": 2}
check("test_ogm_gap", globals())
### BEGIN HIDDEN TESTS
check("test_ogm_gap", globals(), hidden=True)
### END HIDDEN TESTS

# %%
Ns = np.arange(2, 2 * VARIANT["N"] + 1, 2)
gaps = [ogm_gap(int(N)) for N in Ns]
R = [float(np.linalg.norm(nesterov_worst_case(2 * int(N) + 1, 1.0).x_star)) for N in Ns]
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(Ns, gaps, "o", label="OGM (measured)")
ax.loglog(Ns, get("ogm.convex").evaluate(k=Ns, L=1.0, R=np.array(R)), "-", label="ogm.convex")
ax.loglog(Ns, get("nesterov.convex").evaluate(k=Ns, L=1.0, R=np.array(R)), "--", label="nesterov.convex")
ax.loglog(Ns, get("lower.convex").evaluate(k=Ns, L=1.0, R=np.array(R)), ":", label="lower.convex (any method)")
ax.set(xlabel="N", ylabel=r"$f(y_N) - f^*$", title="OGM between its bound and the lower bound")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Part 4: triple momentum against Nesterov (2 points)
#
# Write `iterations(method, kappa, tol)`: on `quadratic_spectrum(VARIANT["d"], 1.0, kappa, 0)` started at
# `worst_case_start(problem, "both")`, the first $k$ with $\|x_k - x^*\| \le$ `tol` for
#
# * `"nesterov"`: `nesterov` (imported from ratecheck) with $\eta = 1/L$ and
#   $\beta = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)$;
# * `"triple_momentum"`: your `triple_momentum` with `get("triple_momentum.strongly_convex").hyperparameters`
#   (evaluated at $L = \kappa$, $\mu = 1$), whose iterates are the outputs
#   $x_k = (1 + \delta)\xi_k - \delta\xi_{k-1}$ ($\xi_{-1} = \xi_0$, $\delta$ from `.derived["delta"]`).
#
# Run `int(40 * sqrt(kappa))` steps. The grader runs both methods itself on your `VARIANT["kappa"]`, `VARIANT["tol"]`.

# %% nbgrader={"grade_id": "race", "solution": true}
def iterations(method, kappa, tol):
    """First k with ||x_k - x*|| <= tol on the kappa-conditioned quadratic from the 'both' worst-case start."""
    ### BEGIN SOLUTION
    problem = quadratic_spectrum(VARIANT["d"], 1.0, kappa, 0)
    x0, steps = worst_case_start(problem, "both"), int(40 * np.sqrt(kappa))
    if method == "nesterov":
        xs = nesterov(problem.grad, x0, 1.0 / kappa, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), steps)
    elif method == "triple_momentum":
        tm = get("triple_momentum.strongly_convex")
        values = {L: kappa, mu: 1.0}
        a, b, c = (float(tm.hyperparameters[p].subs(values)) for p in ("alpha", "beta", "gamma"))
        delta = float(tm.derived["delta"].subs(values))
        xis = triple_momentum(problem.grad, x0, a, b, c, steps)
        xs = (1 + delta) * xis - delta * np.concatenate([xis[:1], xis[:-1]])
    else:
        raise ValueError(method)
    return int(np.argmax(np.linalg.norm(xs - problem.x_star, axis=1) <= tol))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_race", "points": 2}
check("test_race", globals())
### BEGIN HIDDEN TESTS
check("test_race", globals(), hidden=True)
### END HIDDEN TESTS

# %%
kappas = np.logspace(1, 3, 6)
counts = {m: [iterations(m, kappa, VARIANT["tol"]) for kappa in kappas] for m in ("nesterov", "triple_momentum")}
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(kappas, counts["nesterov"], "o", label="Nesterov (measured)")
ax.loglog(kappas, counts["triple_momentum"], "s", label="triple momentum (measured)")
ax.loglog(kappas, get("lower.strongly_convex").k_eps(VARIANT["tol"], L=kappas, mu=1.0, R=1.0), ":",
          label="lower.strongly_convex (any method)")
ax.set(xlabel=r"$\kappa$", ylabel=r"iterations to $\|x_k - x^*\| \leq$ tol", title="the race to the lower bound")
ax.legend(fontsize=8)
plt.show()
