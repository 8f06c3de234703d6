"""Performance estimation problems (PEPit), one builder per method of the catalogue.

Each builder states a PEP the way the PEPit examples do: the function class, the initial condition (the
bound's R / Delta0 normalisation), the algorithm, and the performance metric in the bound's quantity
(dist -> ||x_k - x*||^2, compared with bound^2; gap -> f(x_k) - f*; dist_sq -> E||x_k - x*||^2).
It returns the problem unsolved; `solve` runs it with Clarabel. This module imports PEPit at the top, so
only the certification code path imports it (PEPit is the optional extra `ratecheck[pep]`).

Steps are written h/L: h = 1 is the step the catalogue prescribes, other h serve the step-size sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PEPit import PEP, Point
from PEPit.functions import (
    SmoothConvexFunction,
    SmoothStronglyConvexFunction,
    SmoothStronglyConvexQuadraticFunction,
)

# Clarabel first (SCS at its default accuracy is off by ~10x on small worst cases); a few ill-conditioned PEPs
# (heavy ball at k = 10, kappa ~ 100) stop Clarabel with a NumericalError: retry with more regularisation,
# then with SCS at a tight accuracy. Tighter Clarabel tolerances than its defaults changed no ratio by > 1e-6.
ATTEMPTS: tuple[tuple[str, dict[str, float]], ...] = (
    ("CLARABEL", {}),
    ("CLARABEL", {"static_regularization_constant": 1e-7}),
    ("SCS", {"eps": 1e-9, "max_iters": 200_000}),
)
ACCEPTED = ("optimal", "optimal_inaccurate")
GAP_RTOL = 1e-4  # flag (in the status) a primal-dual gap that could move a ratio


class PepSolveError(RuntimeError):
    """The SDP solvers did not return a usable worst case."""


def solve(problem: PEP) -> tuple[float, str]:
    """PEPit's worst-case guarantee (the dual value, an upper bound) for `problem`, and "status (solver)".

    The value is inf when the PEP is unbounded (no finite worst case at this k).
    """
    from cvxpy.error import SolverError

    failures = []
    for solver, options in ATTEMPTS:
        try:
            value = problem.solve(wrapper="cvxpy", solver=solver, verbose=0, **options)
        except SolverError as exc:
            failures.append(f"{solver}: {exc}")
            continue
        status = problem.wrapper.prob.status
        if value is None and status.startswith("unbounded"):
            return math.inf, f"{status} ({solver})"
        if status in ACCEPTED and value is not None:
            status = f"{status} ({solver})" + (" after retries" if failures else "")
            primal = problem.wrapper.prob.value  # a feasible worst-case example, <= the dual value in theory
            if abs(value - primal) > GAP_RTOL * abs(primal) + 1e-9:
                status += f", duality gap {abs(value - primal) / abs(primal):.0e}"
            return float(value), status
        failures.append(f"{solver}: status {status!r}")
    raise PepSolveError("; ".join(failures))


def _start(problem: PEP, func, R: float) -> tuple[Point, Point]:
    """x* (the stationary point of `func`) and x_0 with ||x_0 - x*|| <= R."""
    xs = func.stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= R**2)
    return xs, x0


def _gd(func, x0: Point, step: float, k: int) -> Point:
    x = x0
    for _ in range(k):
        x = x - step * func.gradient(x)
    return x


def gd_quadratic(L: float, mu: float, R: float, eta: float, k: int) -> PEP:
    """GD with any step eta on mu-strongly convex L-smooth quadratics; metric ||x_k - x*||^2.

    Mirrors PEPit's `wc_gradient_descent_quadratics` (unconstrained_convex_minimization), with the distance
    metric; the class is PEPit's `SmoothStronglyConvexQuadraticFunction` (Bousselmi, Hendrickx & Glineur
    2023, Thm 3.9).
    """
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexQuadraticFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, R)
    problem.set_performance_metric((_gd(func, x0, eta, k) - xs) ** 2)
    return problem


def gd_strongly_convex(L: float, mu: float, R: float, k: int, h: float = 1.0) -> PEP:
    """GD with step h/L on mu-strongly convex L-smooth functions; metric ||x_k - x*||^2.

    Mirrors PEPit's tutorial `wc_gradient_descent_contraction` (there between two runs; here to x*).
    """
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, R)
    problem.set_performance_metric((_gd(func, x0, h / L, k) - xs) ** 2)
    return problem


def gd_convex(L: float, R: float, k: int, h: float = 1.0) -> PEP:
    """GD with step h/L on convex L-smooth functions; metric f(x_k) - f*.

    Mirrors PEPit's `wc_gradient_descent` (unconstrained_convex_minimization; Drori & Teboulle 2014, Thm 3.1).
    """
    problem = PEP()
    func = problem.declare_function(SmoothConvexFunction, L=L)
    xs, x0 = _start(problem, func, R)
    problem.set_performance_metric(func(_gd(func, x0, h / L, k)) - func(xs))
    return problem


def heavy_ball_quadratic(L: float, mu: float, R: float, k: int) -> PEP:
    """Heavy ball with Polyak's parameters on quadratics, x_{-1} = x_0; metric ||x_k - x*||^2.

    Mirrors PEPit's `wc_heavy_ball_momentum` (unconstrained_convex_minimization) on the quadratic class
    instead of all smooth strongly convex functions, where Polyak's parameters are not convergent.
    """
    q = (math.sqrt(L) - math.sqrt(mu)) / (math.sqrt(L) + math.sqrt(mu))
    alpha, beta = 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, q**2
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexQuadraticFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, R)
    x, x_prev = x0, x0
    for _ in range(k):
        x, x_prev = x - alpha * func.gradient(x) + beta * (x - x_prev), x
    problem.set_performance_metric((x - xs) ** 2)
    return problem


def fista_momentum(k: int) -> list[float]:
    """b_0..b_{k-1} with b_j = (t_{j+1} - 1)/t_{j+2}, t_1 = 1, t_{i+1} = (1 + sqrt(1 + 4 t_i^2))/2."""
    t = [1.0]
    while len(t) < k + 1:
        t.append((1 + math.sqrt(1 + 4 * t[-1] ** 2)) / 2)
    return [(t[j] - 1) / t[j + 1] for j in range(k)]


def _accelerated(func, x0: Point, step: float, momentum: Sequence[float]) -> Point:
    """x_{j+1} = y_j - step grad f(y_j), y_{j+1} = x_{j+1} + b_j (x_{j+1} - x_j), y_0 = x_0."""
    x, y = x0, x0
    for b in momentum:
        x_prev, x = x, y - step * func.gradient(y)
        y = x + b * (x - x_prev)
    return x


def nesterov_convex(L: float, R: float, k: int, h: float = 1.0) -> PEP:
    """Nesterov/FISTA momentum with step h/L on convex L-smooth functions; metric f(x_k) - f*.

    Mirrors PEPit's `wc_accelerated_gradient_convex` (unconstrained_convex_minimization; Beck & Teboulle 2009,
    Thm 4.4), with mu = 0.
    """
    problem = PEP()
    func = problem.declare_function(SmoothConvexFunction, L=L)
    xs, x0 = _start(problem, func, R)
    problem.set_performance_metric(func(_accelerated(func, x0, h / L, fista_momentum(k))) - func(xs))
    return problem


def nesterov_strongly_convex(L: float, mu: float, k: int, h: float = 1.0) -> PEP:
    """Constant momentum (sqrt L - sqrt mu)/(sqrt L + sqrt mu), step h/L, mu-strongly convex L-smooth f;
    initial condition f(x_0) - f* + mu/2 ||x_0 - x*||^2 <= 1; metric f(x_k) - f*.

    Mirrors PEPit's `wc_accelerated_gradient_strongly_convex` (unconstrained_convex_minimization; Nesterov
    2004, Thm 2.2.3).
    """
    b = (math.sqrt(L) - math.sqrt(mu)) / (math.sqrt(L) + math.sqrt(mu))
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexFunction, mu=mu, L=L)
    xs = func.stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition(func(x0) - func(xs) + mu / 2 * (x0 - xs) ** 2 <= 1)
    problem.set_performance_metric(func(_accelerated(func, x0, h / L, [b] * k)) - func(xs))
    return problem


def sgd(L: float, mu: float, R: float, sigma: float, steps: Sequence[float], batch: int = 1) -> PEP:
    """SGD x_{j+1} = x_j - eta_j g_j on mu-strongly convex L-smooth f with unbiased gradients of variance
    <= sigma^2; metric E||x_k - x*||^2 over the tree of noise outcomes, k = len(steps).

    Generalises PEPit's `wc_sgd` (stochastic_and_randomized_convex_minimization), which bounds the variance
    at x* only, to the catalogue's model: at every visited point x the noise is a symmetric two-point
    variable +-e_x with ||e_x||^2 <= sigma^2 (e_x a free vector, so its direction may depend on x). A batch
    averages `batch` independent draws: the noise is e_x (2j - batch)/batch with probability
    C(batch, j)/2^batch. One step is exact for any noise law (the cross term has mean zero); over several
    steps two-point noise is a sub-model, so the PEP value is a lower bound on the true worst case.
    """
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, R)
    outcomes = [((2 * j - batch) / batch, math.comb(batch, j) / 2**batch) for j in range(batch + 1)]
    leaves: list[tuple[Point, float]] = [(x0, 1.0)]
    for eta in steps:
        grown = []
        for x, weight in leaves:
            noise = Point()
            problem.add_constraint(noise**2 <= sigma**2)
            g = func.gradient(x)
            grown += [(x - eta * (g + s * noise), weight * p) for s, p in outcomes]
        leaves = grown
    problem.set_performance_metric(sum(w * (x - xs) ** 2 for x, w in leaves))
    return problem
