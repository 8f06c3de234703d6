"""ratecheck.implementations: reference optimizers, problems with exact constants, counted oracles.

Optimizers (the teaching form; each returns the iterates x_0 ... x_steps as an array (steps+1, d)):

    gradient_descent(grad, x0, lr, steps)
    heavy_ball(grad, x0, lr, momentum, steps)                        x_{-1} = x_0
    nesterov(grad, x0, lr, momentum, steps)                          y_0 = x_0; momentum float or k -> b_k
    fista_momentum()                                                 the schedule k -> b_k of Beck-Teboulle
    sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)                 with replacement; lr float or k -> lr_k
    sgd_replicates(grad_i_batched, n, x0, lr, steps, rng, replicates, batch_size=1)  -> (R, steps+1, d)
    svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last")  -> snapshots (epochs+1, d)
    svrg_replicates(grad, grad_i_batched, n, x0, lr, epochs, rng, replicates, ...)  -> (R, epochs+1, d)
    ogm(grad, x0, lr, steps)                                         y_0 = x_0 ... y_steps; last-step theta rule
    triple_momentum(grad, x0, alpha, beta, gamma, steps)             xi_{-1} = xi_0 = x_0; returns xi_0 ... xi_steps

Problems (`problems`) and oracles (`oracles`): see their module docstrings.
"""

from ._sampling import replicate_rngs
from .gradient_descent import gradient_descent
from .heavy_ball import heavy_ball
from .nesterov import fista_momentum, nesterov
from .ogm import ogm
from .oracles import CountedOracle, OracleCallError, Query
from .problems import (
    Problem,
    least_squares,
    least_squares_rank_deficient,
    logistic,
    nesterov_worst_case,
    noisy_quadratic,
    quadratic,
    quadratic_spectrum,
    quadratic_worst_case,
    spectrum,
    worst_case_start,
)
from .sgd import sgd, sgd_replicates
from .svrg import svrg, svrg_replicates
from .triple_momentum import triple_momentum

__all__ = [
    "CountedOracle",
    "OracleCallError",
    "Problem",
    "Query",
    "fista_momentum",
    "gradient_descent",
    "heavy_ball",
    "least_squares",
    "least_squares_rank_deficient",
    "logistic",
    "nesterov",
    "nesterov_worst_case",
    "noisy_quadratic",
    "ogm",
    "quadratic",
    "quadratic_spectrum",
    "quadratic_worst_case",
    "replicate_rngs",
    "sgd",
    "sgd_replicates",
    "spectrum",
    "svrg",
    "svrg_replicates",
    "triple_momentum",
    "worst_case_start",
]
