"""Which bounds PEPit can certify, how to sample their parameters, and why the others cannot be.

A `Spec` ties a bound id to a builder in `builders` (named, so PEPit is imported only when one is run),
a sampler of parameter points, and the k's of the small (CI) and full (docs) grids. The sampled ranges
keep the worst cases above ~1e-5, where Clarabel's ratio is still exact to ~1e-6.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Point = dict[str, float]
K_SMALL = (1, 2, 4)
K_FULL = tuple(range(1, 11))


@dataclass(frozen=True)
class Spec:
    bound_id: str
    metric: str  # the PEP's performance metric, in the units it is compared in
    builder: str  # function name in builders, or "module:function" for a builder in its own file in pep/
    sample: Callable[[np.random.Generator], Point]
    pep_args: Callable[[Point, int], dict[str, Any]]  # builder keyword arguments at a point and k
    squared: bool = False  # quantity "dist": the PEP bounds ||x_k - x*||^2, so compare with bound^2
    k_small: tuple[int, ...] = K_SMALL
    k_full: tuple[int, ...] = K_FULL
    sweep: bool = False  # the bound prescribes step 1/L: sweep h/L (builder takes h)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def points(self, n: int) -> list[Point]:
        """n parameter points, deterministic per bound id (independent of which other bounds run)."""
        rng = np.random.default_rng(zlib.crc32(self.bound_id.encode()))
        return [{name: round(v, 4) for name, v in self.sample(rng).items()} for _ in range(n)]


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _lmr(rng: np.random.Generator, kappa_inv: tuple[float, float]) -> Point:
    L = _loguniform(rng, 0.5, 5.0)
    return {"L": L, "mu": L * _loguniform(rng, *kappa_inv), "R": _loguniform(rng, 0.5, 2.0)}


def _lr(rng: np.random.Generator) -> Point:
    return {"L": _loguniform(rng, 0.5, 5.0), "R": _loguniform(rng, 0.5, 2.0)}


def _quadratic_step(rng: np.random.Generator) -> Point:
    # Any step, including divergent ones beyond 2/L: the bound claims the exact factor for every eta.
    p = _lmr(rng, (0.02, 0.3))
    return dict(p, eta=rng.uniform(0.1, 2.4) / p["L"])


def _sgd_point(rng: np.random.Generator, *, step: bool = True, batch: bool = False) -> Point:
    p = dict(_lmr(rng, (0.05, 0.5)), sigma=_loguniform(rng, 0.1, 1.0))
    if step:  # the bound's admissible range 0 < eta <= 2/(mu + L)
        p["eta"] = rng.uniform(0.2, 1.0) * 2 / (p["mu"] + p["L"])
    if batch:
        p["b"] = float(rng.integers(2, 4))
    return p


def _nesterov_sc_point(rng: np.random.Generator) -> Point:
    # The bound depends on Delta0 and R only through Delta0 + mu R^2/2, which the PEP normalises to 1.
    p = _lr(rng)
    p["mu"] = p["L"] * _loguniform(rng, 0.01, 0.1)
    p["R"] = 1 / math.sqrt(p["mu"])
    p["Delta0"] = 0.5
    return p


SGD_NOTE = ("noise model: symmetric two-point noise +-e_x with ||e_x|| <= sigma at every visited point x; "
            "exact for one step, a lower bound on the worst case over all noise laws for k >= 2, so 'valid' "
            "there is evidence and 'VIOLATED' a proof")
SGD_K_FULL = (1, 2, 3, 4)  # the tree of noise outcomes doubles per step
OGM_NOTE = ("the catalogue states the closed form L R^2/(k+1)^2; the exact (tight) bound L R^2/(2 theta_k^2) of "
            "Kim & Fessler's Thm 2 has no closed form (theta_k by the last-step rule), so the ratio here is "
            "(k+1)^2/(2 theta_k^2), and PEPit's worst case equals L R^2/(2 theta_k^2) (tests/test_theory_ogm.py)")

SPECS: dict[str, Spec] = {s.bound_id: s for s in (
    Spec("gd.quadratic", "||x_k - x*||^2", "gd_quadratic", _quadratic_step,
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], eta=p["eta"], k=k), squared=True),
    Spec("gd.strongly_convex", "||x_k - x*||^2", "gd_strongly_convex", lambda rng: _lmr(rng, (0.02, 0.3)),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], k=k), squared=True, sweep=True),
    Spec("gd.convex", "f(x_k) - f*", "gd_convex", _lr, lambda p, k: dict(L=p["L"], R=p["R"], k=k), sweep=True),
    Spec("heavy_ball.quadratic", "||x_k - x*||^2", "heavy_ball_quadratic", lambda rng: _lmr(rng, (0.01, 0.1)),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], k=k), squared=True),
    Spec("nesterov.convex", "f(x_k) - f*", "nesterov_convex", _lr, lambda p, k: dict(L=p["L"], R=p["R"], k=k),
         sweep=True),
    Spec("nesterov.strongly_convex", "f(x_k) - f*  [f(x_0) - f* + mu/2 ||x_0 - x*||^2 <= 1]",
         "nesterov_strongly_convex", _nesterov_sc_point, lambda p, k: dict(L=p["L"], mu=p["mu"], k=k),
         sweep=True),
    Spec("sgd.constant", "E||x_k - x*||^2", "sgd", _sgd_point,
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], sigma=p["sigma"], steps=[p["eta"]] * k),
         k_small=(1, 2), k_full=SGD_K_FULL, notes=(SGD_NOTE,)),
    Spec("sgd.decreasing", "E||x_k - x*||^2", "sgd", lambda rng: _sgd_point(rng, step=False),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], sigma=p["sigma"],
                           steps=[2 / (p["mu"] * (j + 1) + p["L"]) for j in range(k)]),
         k_small=(1, 2), k_full=SGD_K_FULL, notes=(SGD_NOTE,)),
    Spec("sgd.minibatch", "E||x_k - x*||^2", "sgd", lambda rng: _sgd_point(rng, batch=True),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], sigma=p["sigma"], steps=[p["eta"]] * k,
                           batch=int(p["b"])),
         k_small=(1,), k_full=(1, 2, 3), notes=(SGD_NOTE + "; a batch averages b draws of it",)),
    Spec("gd.nonconvex", "min_{i<=k} ||grad f(x_i)||^2  [f(x_0) - f_low <= Delta0]", "nonconvex:gd_nonconvex",
         lambda rng: {"L": _loguniform(rng, 0.5, 5.0), "Delta0": _loguniform(rng, 0.5, 2.0)},
         lambda p, k: dict(L=p["L"], Delta0=p["Delta0"], k=k), sweep=True,
         notes=("f_low enters as a free scalar with f(x_i) - ||grad f(x_i)||^2/(2L) >= f_low at each iterate "
                "(a relaxation, so 'valid' is a proof); exact for h <= 1 (theory/pep/nonconvex.py)",)),
    Spec("ogm.convex", "f(y_k) - f*", "ogm:ogm_convex", _lr, lambda p, k: dict(L=p["L"], R=p["R"], k=k),
         sweep=True, notes=(OGM_NOTE,)),
    Spec("ogm.trajectory", "f(y_k) - f*, y_k an intermediate (regular-rule) iterate", "ogm:ogm_convex", _lr,
         lambda p, k: dict(L=p["L"], R=p["R"], k=k, last=False)),
    Spec("triple_momentum.strongly_convex", "f(x_k) - f*, x_k = (1 + delta) xi_k - delta xi_{k-1}",
         "triple_momentum:triple_momentum", lambda rng: _lmr(rng, (0.02, 0.3)),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], k=k, metric="output_gap")),
    Spec("triple_momentum.iterates", "||xi_k - x*||^2", "triple_momentum:triple_momentum",
         lambda rng: _lmr(rng, (0.02, 0.3)),
         lambda p, k: dict(L=p["L"], mu=p["mu"], R=p["R"], k=k, metric="state_dist"), squared=True),
)}

UNCERTIFIABLE: Mapping[str, str] = {
    "lower": "a lower bound holds for every first-order method; a PEP computes the worst case of one given "
             "method, so it can only show that method is no faster, never certify the bound",
    "svrg": "a bound in expectation over the sampled components and the random snapshot; a PEP of one epoch "
            "would need the tree of all m-step index sequences (n^m leaves), so SVRG is cross-checked by simulation "
            "and by the exact recursion on quadratics instead (tests/test_theory_svrg.py)",
    "work": "a count of gradient evaluations derived from other bounds (or their crossover), not the worst "
            "case of an iterate: certified through the bounds it is built from",
}


def spec(bound_id: str) -> Spec:
    """The certification spec of a bound, or a ValueError saying why it has none."""
    if bound_id in SPECS:
        return SPECS[bound_id]
    raise ValueError(f"bound {bound_id!r} cannot be certified by PEPit: {reason(bound_id)}")


def reason(bound_id: str) -> str:
    """Why a bound has no PEP (the family's reason, or that no builder exists yet)."""
    return UNCERTIFIABLE.get(bound_id.split(".")[0], "no PEP builder for it yet")
