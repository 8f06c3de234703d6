# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 3: SGD against GD
#
# For a finite sum $f(x) = \frac1n \sum_{i=1}^n f_i(x)$, one GD step costs $n$ component gradients; one SGD step
# costs $b$ (its mini-batch), but SGD's gradient is noisy, so it needs many more steps. Which is cheaper depends
# on $n$: for $\mu$-strongly convex, $L$-smooth $f$ with gradient noise $\sigma^2$, theory predicts a crossover
# $n^*$ above which SGD needs fewer component gradients to reach $\mathbb{E}\|x_k - x^*\|^2 \le \varepsilon$
# (Bottou & Bousquet 2008, Table 2; Bottou, Curtis & Nocedal 2018, Sec. 4.4; ratecheck's `work.crossover`).
#
# You will implement SGD (constant and decreasing steps, mini-batches), derive $n^*$ with SymPy, count the work
# and flops each method spends, and compare the measured crossover with the prediction.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from ratecheck.assignments.spec import check
from ratecheck.assignments.support import setup
from ratecheck.implementations import CountedOracle, gradient_descent
from ratecheck.implementations.problems import noisy_quadratic, worst_case_start
from ratecheck.theory import SYMBOLS, get

setup()  # warnings and stderr appear as ordinary output (they never cost you points)

# %% nbgrader={"grade_id": "variant", "locked": true}
VARIANT = ...  # filled in by the build (each student's release: their own parameters)

# %% [markdown]
# ## Part 1: implement SGD (6 points)
#
# Write `sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)`:
#
# * `grad_i(x, idx)` returns the **mean** of the component gradients $\nabla f_i(x)$ over the integer array `idx`;
# * each step draws `batch_size` indices uniformly from $\{0, \dots, n-1\}$ **with replacement**, using only the
#   NumPy Generator `rng` (e.g. `rng.integers`), and makes **one** call `grad_i(x, idx)`;
# * `lr` is a number or a function `k -> lr_k` (step $k = 0, 1, \dots$);
# * return the iterates $x_0, \dots, x_{\text{steps}}$ as an array of shape `(steps + 1, d)`; do not modify `x0`.

# %% nbgrader={"grade_id": "sgd", "solution": true}
def sgd(grad_i, n, x0, lr, steps, rng, batch_size=1):
    """Iterates of x_{k+1} = x_k - lr_k * grad_i(x_k, idx_k), idx_k: batch_size uniform draws with replacement."""
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    xs = np.empty((steps + 1, x.size))
    xs[0] = x
    for k in range(steps):
        idx = rng.integers(0, n, size=batch_size)
        step = lr(k) if callable(lr) else lr
        x = x - step * grad_i(x, idx)
        xs[k + 1] = x
    return xs
    ### END SOLUTION


# %% [markdown]
# Quick checks (2 points): shapes, steps on $f_i(x) = x^2$ for every $i$, a step-size schedule, indices in range,
# `batch_size` indices per step, and reproducibility from the seed.

# %% nbgrader={"grade": true, "grade_id": "test_sgd_visible", "points": 2}
check("test_sgd_visible", globals())

# %% [markdown]
# The hidden tests (4 points) run ratecheck's checks: the mean of $\|x_k - x^*\|^2$ over many seeded runs against
# the bounds `sgd.constant`, `sgd.decreasing` and `sgd.minibatch` (a statistical test with false-alarm
# probability $10^{-6}$), uniform sampling, oracle use, and every iterate against the update rule.
# Try: `from ratecheck.checks import check; print(check(sgd, "sgd").summary())`.

# %% nbgrader={"grade": true, "grade_id": "test_sgd_hidden", "points": 4}
### BEGIN HIDDEN TESTS
check("test_sgd_hidden", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: the predicted crossover (4 points)
#
# To reach $\mathbb{E}\|x_k - x^*\|^2 \le \varepsilon$, GD with $\eta = 1/L$ needs $k_{GD}(\varepsilon)$ steps of $n$
# component gradients each (`work.gd`), SGD with the decreasing steps $\eta_k = 2/(L + \mu(k+1))$ and $b = 1$
# needs $k_{SGD}(\varepsilon)$ steps of one (`work.sgd`, from `sgd.decreasing`). Both counts are in the registry:

# %%
n = SYMBOLS["n"]
k_gd = get("work.gd").iterations
k_sgd = get("work.sgd").iterations
k_gd, k_sgd

# %% [markdown]
# Your SGD uses mini-batches of `b = VARIANT["batch"]` components (drawn with replacement): each step costs $b$
# component gradients, and its gradient's noise variance is $\sigma^2/b$, so $k_{SGD}$ is `work.sgd`'s count with
# $\sigma^2$ replaced by $\sigma^2/b$. With SymPy (the symbols are in `SYMBOLS`), define `n_star`: the $n$ at which
# GD and your mini-batch SGD spend the same work.

# %% nbgrader={"grade_id": "crossover", "solution": true}
### BEGIN SOLUTION
b, sigma = VARIANT["batch"], SYMBOLS["sigma"]
n_star = sp.solve(sp.Eq(n * k_gd, b * k_sgd.subs(sigma, sigma / sp.sqrt(b))), n)[0]
### END SOLUTION
n_star

# %% nbgrader={"grade": true, "grade_id": "test_crossover", "points": 2}
check("test_crossover", globals())
### BEGIN HIDDEN TESTS
check("test_crossover", globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: count the work and the flops (3 points)
#
# The test problem: `noisy_quadratic(2, 1.0, 4.0, 9.0, seed, n=n)`, a finite sum of $n$ components in $d = 2$
# with $\mu = 1$, $L = 4$ and gradient noise of variance exactly $\sigma^2 = 9$ at every $x$; start at
# `worst_case_start(problem, "min")` ($R = 1$); $\varepsilon = 0.01$.
#
# Count with a `CountedOracle(problem)`: pass `oracle.grad` (GD) or `oracle.grad_i` (SGD) to the optimizer,
# and read `oracle.work`, the component gradients spent, with a full gradient charged as $n$ of them. (On this
# test problem the full gradient has a closed form, so `oracle.flops` would undercharge GD; a genuine finite sum
# pays $n$ components.) Flops are work times `problem.flops_component` ($2d^2$ for a dense quadratic).
#
# Write `flops_to_eps(method, n)`: the flops `method` (`"gd"`: ratecheck's `gradient_descent` with $\eta = 1/L$;
# `"sgd"`: **your** `sgd` with $\eta_k = 2/(L + \mu(k+1))$, $b = 1$) spends until the first $k$ at which
# $\|x_k - x^*\|^2$ (for SGD: its mean over `runs` runs, seeded `np.random.default_rng([seed, r])`) is at most
# $\varepsilon$; `np.inf` if that does not happen within `steps` steps.

# %%
P = {"L": 4.0, "mu": 1.0, "sigma": 3.0, "R": 1.0}
EPS = 0.01


def make_problem(n, seed=0):
    problem = noisy_quadratic(2, P["mu"], P["L"], P["sigma"] ** 2, seed, n=n)
    return problem, worst_case_start(problem, "min", P["R"])


# %% nbgrader={"grade_id": "flops", "solution": true}
def flops_to_eps(method, n, eps=EPS, runs=16, steps=1000, seed=0):
    """Flops spent by `method` ("gd" or "sgd") to reach (mean) ||x_k - x*||^2 <= eps on make_problem(n, seed)."""
    ### BEGIN SOLUTION
    problem, x0 = make_problem(n, seed)
    oracle = CountedOracle(problem)
    if method == "gd":
        xs = gradient_descent(oracle.grad, x0, 1.0 / problem.L, steps)
        sq, steps_run = np.sum((xs - problem.x_star) ** 2, axis=1), steps
    elif method == "sgd":
        lr = lambda k: 2.0 / (problem.L + problem.mu * (k + 1))  # noqa: E731
        sq = np.zeros(steps + 1)
        for r in range(runs):
            xs = sgd(oracle.grad_i, n, x0, lr, steps, np.random.default_rng([seed, r]))
            sq += np.sum((xs - problem.x_star) ** 2, axis=1) / runs
        steps_run = steps * runs
    else:
        raise ValueError(method)
    hit = np.nonzero(sq <= eps)[0]
    if not hit.size:
        return np.inf
    work_per_step = oracle.work / steps_run
    return float(hit[0] * work_per_step * problem.flops_component)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_flops", "points": 3}
check("test_flops", globals())
### BEGIN HIDDEN TESTS
check("test_flops", globals(), hidden=True)
### END HIDDEN TESTS

# %%
n_pred = float(get("work.crossover").evaluate(eps=EPS, **P))
flops_component = make_problem(2)[0].flops_component

# %%
ns = np.unique(np.round(n_pred * np.logspace(-2, 1, 7)).astype(int))
measured = {m: np.array([flops_to_eps(m, size) for size in ns]) for m in ("gd", "sgd")}
theory_gd = get("work.gd").evaluate(n=ns, eps=EPS, L=P["L"], mu=P["mu"], R=P["R"]) * flops_component
theory_sgd = np.full(ns.shape, float(get("work.sgd").evaluate(eps=EPS, **P))) * flops_component
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(ns, measured["gd"], "o", label="GD (measured)")
ax.loglog(ns, measured["sgd"], "s", label="SGD (measured, mean of 16 runs)")
ax.loglog(ns, theory_gd, "-", label="work.gd (bound)")
ax.loglog(ns, theory_sgd, "--", label="work.sgd (bound)")
ax.axvline(n_pred, color="gray", ls=":", label=f"predicted crossover n* = {n_pred:.0f}")
ax.set(xlabel="n (components)", ylabel=r"flops to $E\|x_k - x^*\|^2 \leq 0.01$", title="SGD against GD")
ax.legend(fontsize=8)
plt.show()
wins = ns[measured["sgd"] < measured["gd"]]
print("measured: SGD is cheaper from n =", wins.min() if wins.size else None, "on; predicted n* =", round(n_pred))

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer_crossover", "points": 3, "solution": true}
# **Explain (3 points).** Where does SGD beat GD, where does GD win, and why? Is the measured crossover where
# $n^*$ predicts? Which of the two bounds is loose, by roughly how much, and how would $n^*$ move if
# $\varepsilon$ were 10 times smaller, or $\sigma$ 10 times larger?
#
# ### BEGIN SOLUTION
# GD's cost grows linearly in $n$ ($n\,k_{GD}$ with $k_{GD} = 9$ here) while SGD's does not depend on $n$ at all, so
# SGD wins for large $n$ and GD for small $n$. The measured crossover lies several times below the predicted
# $n^* \approx 450$ (between $n \approx 45$ and $140$): GD's bound is tight (the measured points sit on it), whereas
# `work.sgd` overestimates SGD's steps by a large constant (its $4\sigma^2/\mu^2$ term from the induction of
# `sgd.decreasing` is conservative; measured SGD needs several times fewer steps). The prediction is therefore a
# safe upper estimate of the crossover. $n^* \approx k_{SGD}/k_{GD} \propto (\sigma^2/(\mu^2\varepsilon)) /
# (\kappa \log(R^2/\varepsilon))$: a 10 times smaller $\varepsilon$ multiplies it by about $10$ (divided by the
# slower-growing log), a 10 times larger $\sigma$ by about $100$.
# ### END SOLUTION
