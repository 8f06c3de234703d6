"""SVRG (Johnson & Zhang 2013) on a finite sum f = (1/n) sum_i f_i: epochs of m inner steps

    x_0 = x~_s,  g~ = grad f(x~_s)
    x_t = x_{t-1} - eta (grad f_i(x_{t-1}) - grad f_i(x~_s) + g~),  i uniform,  t = 1..m
    x~_{s+1} = x_t with t uniform in {0, ..., m-1}     (option II, the snapshot Thm 1 is proved for)

svrg.strongly_convex  E f(x~_s) - f* <= alpha^s (f(x~_0) - f*),
                      alpha = 1/(mu eta (1 - 2 L eta) m) + 2 L eta/(1 - 2 L eta)  (< 1 needs eta < 1/(4L), m large)

k counts epochs (snapshots), each costing n + 2m component gradients (work.svrg).
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .solve import solve_k
from .symbols import Delta0, L, eps, eta, k, m, mu

SOURCE = ("Johnson & Zhang (2013), NeurIPS, 'Accelerating stochastic gradient descent using predictive variance "
          "reduction', Thm 1 (option II) and its proof")
SNAPSHOT = ("'random' (option II): x~_{s+1} = x_t, t uniform in {0..m-1}; option I (the last inner iterate, "
            "what Johnson & Zhang run in practice) is not covered by Thm 1")
ASSUMPTIONS = (
    "f = (1/n) sum_i f_i with every f_i convex and L-smooth (L = the components' largest smoothness constant, "
    "L_max), f mu-strongly convex",
    "constant step eta, m inner steps per epoch, snapshot option II (random inner iterate)",
    "alpha < 1: eta < 1/(4L) and m > 1/(mu eta (1 - 4 L eta))",
)


def contraction() -> tuple[sp.Expr, list[Step]]:
    """Johnson & Zhang's per-epoch factor alpha, derived from their one-step inequality, with the steps."""
    D, G, Gs = sp.symbols("D G G_snap", nonnegative=True)  # E||x_{t-1} - x*||^2, E f(x_{t-1}) - f*, f(x~) - f*
    # E||v_t||^2 <= 4 L (G + Gs)  (from (1/n) sum ||grad f_i(x) - grad f_i(x*)||^2 <= 2 L (f(x) - f*), twice),
    # E v_t = grad f(x_{t-1}), and <grad f(x), x - x*> >= f(x) - f*:
    one_step = D - 2 * eta * G + eta**2 * 4 * L * (G + Gs)
    coeff_G = sp.factor(sp.expand(one_step).coeff(G))  # -2 eta (1 - 2 L eta)
    # Summing t = 1..m telescopes D; option II makes E f(x~_{s+1}) - f* the average of the m values G_t;
    # and ||x~ - x*||^2 <= 2/mu (f(x~) - f*):
    Gnext = sp.Symbol("G_next", nonnegative=True)
    summed = sp.Eq(-coeff_G * m * Gnext, (2 / mu + 4 * L * m * eta**2) * Gs)
    alpha = sp.solve(summed, Gnext)[0] / Gs
    paper = 1 / (mu * eta * (1 - 2 * L * eta) * m) + 2 * L * eta / (1 - 2 * L * eta)
    assert sp.simplify(alpha - paper) == 0
    steps = [
        Step("One inner step, in expectation over i, with D = E||x_{t-1} - x*||^2, G = E f(x_{t-1}) - f*, "
             "G_snap = f(x~) - f*, the variance bound E||v_t||^2 <= 4 L (G + G_snap) and convexity: "
             "E||x_t - x*||^2 <=", one_step),
        Step("The coefficient of G is", coeff_G),
        Step("Summed over t = 1..m (D telescopes, E||x_m - x*||^2 >= 0), with option II (E f(x~_{s+1}) - f* = the "
             "mean of the G_t, t = 0..m-1) and ||x~ - x*||^2 <= 2/mu G_snap:", summed),
        Step("so each epoch multiplies E f(x~) - f* by alpha =", paper),
    ]
    return paper, steps


def svrg_strongly_convex() -> Bound:
    alpha, steps = contraction()
    a = sp.Function("a")
    solved = sp.rsolve(a(k + 1) - sp.Symbol("alpha", positive=True) * a(k), a(k), {a(0): Delta0})
    expr = alpha**k * Delta0
    q = sp.Symbol("q", positive=True)  # alpha kept opaque: solve_k's sample point has L eta > 1/4 (alpha < 0)
    iterations = solve_k(q**k * Delta0, eps).subs(q, alpha)
    # alpha < 1 <=> m (mu eta (1 - 4 L eta)) > 1: the smallest epoch length, and the step limit 1/(4L)
    m_min = sp.solve(sp.Eq(alpha, 1), m)[0]
    return Bound(
        id="svrg.strongly_convex",
        title="SVRG, option II snapshots, strongly convex",
        quantity="gap",
        expr=expr,
        iterations=iterations,
        hyperparameters={"lr": eta, "inner_steps": m, "snapshot": SNAPSHOT},
        assumptions=ASSUMPTIONS,
        in_expectation=True,
        source=SOURCE,
        validity="alpha < 1, i.e. eta < 1/(4L) and m > 1/(mu eta (1 - 4 L eta)); k counts epochs",
        derivation=(
            *steps,
            Step("Epoch by epoch, a_{s+1} <= alpha a_s from a_0 = Delta0 (rsolve):", solved),
            Step("so E f(x~_k) - f* <=", expr),
            Step("alpha < 1 needs eta < 1/(4L) and m larger than", sp.factor(m_min)),
            Step("Solving for k: k(eps) =", iterations),
        ),
        derived={"rate": alpha, "m_min": sp.factor(m_min), "lr_max": 1 / (4 * L)},
        notes=(
            "Snapshot: Thm 1 is for option II, snapshot = 'random' in implementations.svrg (the reference stops the "
            "epoch at the drawn t, since later iterates would be discarded). The default 'last' (option I) is not "
            "covered by it.",
            "E.g. eta = 1/(10 L), m = 50 L/mu: alpha = 1/4 + 1/4 = 1/2 (work.svrg).",
        ),
    )


BOUNDS = (svrg_strongly_convex,)
