"""Problems with exactly known constants (L, mu, L_max, sigma2_star, x*, f*), each a `Problem`.

    quadratic(eigenvalues, rng)                      prescribed spectrum, random rotation
    quadratic_spectrum(d, mu, L, rng, kind)          spectrum in [mu, L]: linear/uniform/geometric/extremes
    quadratic_worst_case(d, mu, L, rng, which)       (problem, x0) pairs the linear-rate bounds are tight on
    worst_case_start(problem, which, radius)         x0 - x* along an extreme eigenvector
    noisy_quadratic(d, mu, L, sigma2, rng, n)        gradient noise of exactly known variance
    least_squares(n, d, rng, noise, interpolating)   finite sum, strongly convex
    least_squares_rank_deficient(n, d, rank, rng)    finite sum, convex with mu = 0
    least_squares_spread(n, d, rng)                  finite sum, components in different directions (SVRG)
    logistic(n, d, lam, rng)                         L2-regularised logistic regression
    nesterov_worst_case(d, L, mu=0, active=None)     the lower-bound functions
    logistic_nonconvex, cauchy_regression,           nonconvex finite sums with exact L (or a proven bound),
    random_nonconvex, carmon_chain,                  f_low and variance bounds (NonconvexProblem, nonconvex.py)
    gd_nonconvex_worst_case                          the 1-D function gd.nonconvex's exact worst case is attained on
    propagates_nonfinite                             decorator: a gradient whose output is all inf/nan on a non-finite x
"""

from ._base import Problem, propagates_nonfinite
from .least_squares import least_squares, least_squares_rank_deficient, least_squares_spread
from .logistic import logistic
from .noisy import noisy_quadratic
from .nonconvex import (
    NonconvexProblem,
    carmon_chain,
    cauchy_regression,
    gd_nonconvex_worst_case,
    logistic_nonconvex,
    logistic_nonconvex_data,
    random_nonconvex,
)
from .quadratic import quadratic, quadratic_spectrum, quadratic_worst_case, spectrum, worst_case_start
from .worst_case import nesterov_worst_case

__all__ = [
    "NonconvexProblem",
    "Problem",
    "carmon_chain",
    "cauchy_regression",
    "gd_nonconvex_worst_case",
    "least_squares",
    "least_squares_rank_deficient",
    "least_squares_spread",
    "logistic",
    "logistic_nonconvex",
    "logistic_nonconvex_data",
    "nesterov_worst_case",
    "noisy_quadratic",
    "propagates_nonfinite",
    "quadratic",
    "quadratic_spectrum",
    "quadratic_worst_case",
    "random_nonconvex",
    "spectrum",
    "worst_case_start",
]
