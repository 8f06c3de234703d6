"""The symbols every bound is written in (and the only ones a catalogue expression may use).

L      smoothness constant (largest curvature)      mu     strong-convexity constant (smallest curvature)
k      iteration counter                            R      ||x_0 - x*||
Delta0 f(x_0) - f* (nonconvex: f(x_0) - f_low)     eta    step size (learning rate)
sigma  gradient-noise standard deviation            n      number of components of a finite sum
b      mini-batch size                              eps    target accuracy
d      dimension                                    m      SVRG epoch length (inner steps per epoch)

Nonconvex bounds (theory/nonconvex.py) reuse Delta0 for f(x_0) - f_low, f_low any known lower bound on f
(f* when f has a minimum; no minimiser is assumed), and eps for a target on ||grad f||^2.
"""

from __future__ import annotations

import sympy as sp

L, mu, R, Delta0, eta, sigma, n, b, eps, d, m = sp.symbols("L mu R Delta0 eta sigma n b eps d m", positive=True)
k = sp.Symbol("k", nonnegative=True)

ALLOWED: dict[str, sp.Symbol] = {
    s.name: s for s in (L, mu, k, R, Delta0, eta, sigma, n, b, eps, d, m)
}


def parse(text: str) -> sp.Expr:
    """Parse a catalogue expression (e.g. the JSON `bound` string) back into SymPy.

    Symbols are created with the same assumptions as the registry's, so the result
    compares equal to the registry's own expression.
    """
    expr = sp.sympify(text, locals=dict(ALLOWED))
    unknown = {s.name for s in expr.free_symbols} - set(ALLOWED)
    if unknown:
        raise ValueError(
            f"expression {text!r} uses unknown symbol(s) {sorted(unknown)}; "
            f"expected only {sorted(ALLOWED)}"
        )
    return expr
