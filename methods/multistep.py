"""Your own method: `multistep(name, hyperparameters, x, y, step, output=None)`, a fixed-coefficient method with one
gradient per step, as a `Method` whose bounds are derived from its coefficients (theory.multistep, theory.iqc):

    x_{k+1} = sum_j x[j] x_{k-j} - step grad f(y_k),     y_k = sum_j y[j] x_{k-j},     x_{-j} = x_0

    >>> from ratecheck.methods import multistep
    >>> hb = multistep("my-heavy-ball", {"lr": "4/(sqrt(L) + sqrt(mu))**2",
    ...                                  "momentum": "((sqrt(L) - sqrt(mu))/(sqrt(L) + sqrt(mu)))**2"},
    ...                x=["1 + momentum", "-momentum"], y=[1, 0], step="lr")
    >>> hb.signature.text("my_heavy_ball")      # my_heavy_ball(grad, x0, lr, momentum, steps)

hyperparameters: name -> expression in L and mu (what the theory prescribes). x, y, step: expressions in the
hyperparameters (the teaching form receives only those, so a coefficient cannot use L or mu directly: name it as a
hyperparameter). output: coefficients of the sequence the `rate` guarantee is about (default x_k itself); may use
L and mu. Strings are parsed by SymPy with no Python builtins and only mathematical names.

Settings: quadratic (the every-k envelope on quadratics) and, when the IQC LMI certifies it at kappa = 10 and 100,
strongly_convex (C rho^k on L-smooth mu-strongly convex f). Both bound x_k, the sequence the teaching form returns.
This module defines no METHOD: the registry (methods/__init__.py) skips it.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from ..theory.bound import Bound, Step
from ..theory.multistep import CertifiedRate, Coefficients, QuadraticEnvelope
from ..theory.symbols import L, R, mu
from ..theory.symbols import k as k_sym
from ._method import EXTRA, ORACLES, X0, Method, Prediction, Setting, Signature
from ._parts import GRADIENT_AT, NOT_THE_UPDATE, along_eigenvector, one_gradient_per_step, one_query_per_step

Expression = sp.Expr | str | float | int
# The only names a coefficient string may call: SymPy's, not Python's (parse_expr evaluates the parsed code).
_FUNCTIONS = {name: getattr(sp, name) for name in ("sqrt", "exp", "log", "Rational", "Integer", "Float", "Symbol",
                                                   "Abs", "Max", "Min", "pi", "E", "cbrt", "root")}
CERTIFY_AT = ((10.0, 1.0), (100.0, 1.0))  # (L, mu) at which the strongly convex setting must certify
SOURCE = ("derived on the spot from the coefficients: companion matrix on quadratics (Polyak 1987, Introduction to "
          "Optimization, Sec. 3.2.1); IQC LMI of Lessard, Recht & Packard (2016), SIAM J. Optim. 26(1), Thm 4 "
          "(sector and weighted off-by-one IQCs), verified in 50-digit arithmetic")


def _parse(value: Expression, what: str, allowed: Mapping[str, sp.Symbol]) -> sp.Expr:
    if isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} must be a SymPy expression, a number or a string, got {type(value).__name__}")
    elif isinstance(value, str):
        if "__" in value or "lambda" in value or ";" in value:
            raise ValueError(f"{what} = {value!r} is not a mathematical expression")
        from sympy.parsing.sympy_parser import parse_expr, standard_transformations

        try:
            expr = parse_expr(value, local_dict=dict(allowed), global_dict={"__builtins__": {}, **_FUNCTIONS},
                              transformations=standard_transformations)
        except Exception as exc:  # SyntaxError, TypeError, NameError from the parsed code
            raise ValueError(f"{what} = {value!r} does not parse: {type(exc).__name__}: {exc}") from None
    else:
        expr = sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"{what} = {value!r} is not an expression")
    # A Symbol created by name (SymPy objects the user built) is matched to ours by name.
    expr = expr.xreplace({s: allowed[s.name] for s in expr.free_symbols if s.name in allowed})
    if unknown := sorted(s.name for s in expr.free_symbols if s.name not in allowed):
        raise ValueError(f"{what} = {value} uses {', '.join(unknown)}; it may use only {', '.join(allowed)}")
    return expr


def _sums_to_one(coeffs: Sequence[sp.Expr], what: str, subs: Mapping[sp.Symbol, sp.Expr]) -> None:
    total = sp.Add(*coeffs)
    diff = sp.simplify(total.xreplace(subs) - 1) if subs else sp.simplify(total - 1)
    if diff != 0 and diff.equals(0) is not True:
        raise ValueError(f"the {what} coefficients sum to {sp.sstr(sp.simplify(total))}, not 1: x* would not be a "
                         "fixed point of the method")


def _coefficients(values: Sequence[Expression], what: str, allowed: Mapping[str, sp.Symbol]) -> tuple[sp.Expr, ...]:
    if isinstance(values, str | sp.Basic) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{what} must be a non-empty list of coefficients, got {values!r}")
    return tuple(_parse(v, f"{what}[{j}]", allowed) for j, v in enumerate(values))


@dataclass(frozen=True)
class Spec:
    """A validated multistep method: coefficients in the hyperparameter symbols, hyperparameters in L, mu."""

    name: str
    hyperparameters: tuple[tuple[str, sp.Expr], ...]
    x: tuple[sp.Expr, ...]
    y: tuple[sp.Expr, ...]
    step: sp.Expr
    output: tuple[sp.Expr, ...]
    source: tuple[Any, ...] = field(compare=False, default=())  # the arguments, for pickling

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(n, real=True) for n, _ in self.hyperparameters)

    @property
    def substitution(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(self.symbols, (e for _, e in self.hyperparameters), strict=True))

    def coefficients(self) -> Coefficients:
        """The coefficients in L and mu (hyperparameters substituted): what the theory derives rates from."""
        s = self.substitution
        return Coefficients(tuple(e.xreplace(s) for e in self.x), tuple(e.xreplace(s) for e in self.y),
                            self.step.xreplace(s), tuple(e.xreplace(s) for e in self.output))

    @cached_property
    def _numeric(self) -> Any:
        return sp.lambdify(self.symbols, (list(self.x), list(self.y), self.step), modules="numpy")

    def numeric(self, hp: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, float]:
        """(x, y, step) as numbers at the hyperparameters' values (as the update rule and the reference see them)."""
        x, y, h = self._numeric(*(float(hp[s.name]) for s in self.symbols))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float), float(h)


def validate(name: str, hyperparameters: Mapping[str, Expression], x: Sequence[Expression],
             y: Sequence[Expression], step: Expression, output: Sequence[Expression] | None = None) -> Spec:
    """The checks of `multistep`, returning the parsed Spec; a one-line ValueError on bad input."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(hyperparameters, Mapping):
        raise ValueError(f"hyperparameters must map names to expressions in L and mu, got {hyperparameters!r}")
    reserved = {"L", "mu", X0, "steps", *ORACLES, *EXTRA}
    for hp in hyperparameters:
        if not isinstance(hp, str) or not hp.isidentifier() or keyword.iskeyword(hp) or hp in reserved:
            raise ValueError(f"hyperparameter name {hp!r} must be a Python identifier other than "
                             f"{', '.join(sorted(reserved))}")
    constants = {"L": L, "mu": mu}
    hps = tuple((n, _parse(e, f"hyperparameter {n}", constants)) for n, e in hyperparameters.items())
    symbols = {n: sp.Symbol(n, real=True) for n, _ in hps}
    xs, ys = _coefficients(x, "x", {**constants, **symbols}), _coefficients(y, "y", {**constants, **symbols})
    h = _parse(step, "step", {**constants, **symbols})
    if len(xs) != len(ys):
        raise ValueError(f"x has {len(xs)} coefficients and y has {len(ys)}: they must have the same length")
    for what, exprs in (("x", xs), ("y", ys), ("step", (h,))):
        direct = sorted({s.name for e in exprs for s in e.free_symbols} & {"L", "mu"})
        if direct:
            raise ValueError(f"{what} uses {', '.join(direct)} directly, but the teaching form receives only the "
                             f"hyperparameters: declare one (e.g. hyperparameters={{'lr': '1/L'}}, step='lr')")
    out = _coefficients(output, "output", {**constants, **symbols}) if output is not None else (sp.Integer(1),)
    if len(out) > len(xs):
        raise ValueError(f"output has {len(out)} coefficients, more than the method's {len(xs)} steps of history")
    subs = {symbols[n]: e for n, e in hps}
    _sums_to_one(xs, "x", subs)
    _sums_to_one(ys, "y", subs)
    _sums_to_one(out, "output", subs)
    return Spec(name, hps, xs, ys, h, out, (name, dict(hyperparameters), list(x), list(y), step,
                                             None if output is None else list(output)))


# ---- the Method ------------------------------------------------------------------------------------------------
def _update(spec: Spec) -> Any:
    def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
        """Query at y_k = sum_j y[j] x_{k-j}; x_{k+1} = sum_j x[j] x_{k-j} - step g_k (x_{-j} = x_0)."""
        a, b, h = spec.numeric(hp)
        hist = [xs[max(k - j, 0)] for j in range(len(a))]
        g = steps[k][0].result
        norms = [float(np.linalg.norm(v)) for v in hist]
        return Prediction(at=(sum(bj * v for bj, v in zip(b, hist, strict=True)),),
                          next=sum(aj * v for aj, v in zip(a, hist, strict=True)) - h * g,
                          scale=float(np.abs(a) @ norms + np.abs(b) @ norms + abs(h) * np.linalg.norm(g)),
                          at_error=GRADIENT_AT.format(where="y_k = sum_j y[j] x_{{k-j}}"),
                          next_error=NOT_THE_UPDATE.format(method=spec.name))

    return update


def teaching_form(spec: Spec, signature: Signature) -> Any:
    """The reference implementation, generated from the coefficients: the loop is the update rule."""

    def body(env: dict[str, Any]) -> np.ndarray:
        grad, steps = env["grad"], int(env["steps"])
        a, b, h = spec.numeric(env)
        x0 = np.asarray(env[X0], dtype=float)
        xs = np.empty((steps + 1, *x0.shape))
        xs[0] = x0
        for k in range(steps):
            hist = [xs[max(k - j, 0)] for j in range(len(a))]  # x_{-j} = x_0
            y = sum(bj * v for bj, v in zip(b, hist, strict=True))
            xs[k + 1] = sum(aj * v for aj, v in zip(a, hist, strict=True)) - h * grad(y)
        return xs

    return signature.function(body, spec.name.replace("-", "_"))


@dataclass(frozen=True)
class DerivedSetting(Setting):
    """A setting whose bound is derived for this method, not looked up in the registry."""

    derived: Bound | None = field(default=None, compare=False)

    @property
    def bound(self) -> Bound:  # type: ignore[override]
        assert self.derived is not None
        return self.derived


@dataclass(frozen=True)
class Multistep(Method):
    """A `Method` built by `multistep`: the reference is generated, the bounds derived; pickles by its arguments."""

    spec: Spec | None = field(default=None, compare=False)

    @property
    def reference(self) -> Any:  # type: ignore[override]
        assert self.spec is not None
        return teaching_form(self.spec, self.signature)

    def __reduce__(self) -> tuple[Any, ...]:
        assert self.spec is not None
        return (_rebuild, self.spec.source)


def _rebuild(*args: Any) -> Multistep:
    return multistep(*args)


def _bounds(spec: Spec, co: Coefficients) -> tuple[Bound, Bound]:
    hp = dict(spec.hyperparameters)
    rows = sp.Matrix([list(co.x), list(co.y)])
    common = dict(quantity="dist", source=SOURCE, hyperparameters=hp, coefficients=co)
    quad = QuadraticEnvelope(
        id=f"{spec.name}.quadratic", title=f"{spec.name} on quadratics (derived)",
        expr=R * sp.Function("E")(L, mu, k_sym),
        derivation=(Step("Coefficients x (first row) and y (second) in L and mu:", rows),
                    Step("Companion matrix T(lambda) on an eigencomponent lambda in [mu, L]:", co.companion()),
                    Step("E_k = sup_lambda |e_1^T T(lambda)^k 1| (numeric, theory.multistep.envelope); "
                         "||x_k - x*|| <= E_k R for every k")),
        assumptions=("f(x) = 1/2 (x - x*)^T A (x - x*) with mu I <= A <= L I", "x_{-j} = x_0"),
        tight=True, **common)
    sc = CertifiedRate(
        id=f"{spec.name}.strongly_convex", title=f"{spec.name}, strongly convex (IQC certificate)",
        expr=sp.Function("C")(L, mu) * sp.Function("rho")(L, mu) ** k_sym * R,
        derivation=(Step("Coefficients x (first row) and y (second) in L and mu:", rows),
                    Step("(rho, C) from the IQC LMI at the instance's (L, mu), verified (theory.iqc); "
                         "||x_k - x*|| <= C rho^k R")),
        assumptions=("f mu-strongly convex and L-smooth", "x_{-j} = x_0"), **common)
    return quad, sc


def _certified(bound: CertifiedRate) -> Any:
    """The strongly convex setting covers the (L, mu) where the LMI certifies a rate: an instance without a
    verified certificate (e.g. kappa >~ 1e3 for triple momentum, where Clarabel fails) is rejected by the
    properties that measure against the bound, not passed vacuously against an infinite bound."""

    def covers(problem: Any) -> bool:
        return bound.certificate(float(problem.L), float(problem.mu)) is not None

    return covers


def multistep(name: str, hyperparameters: Mapping[str, Expression], x: Sequence[Expression],
              y: Sequence[Expression], step: Expression, output: Sequence[Expression] | None = None) -> Multistep:
    """A user-defined fixed-coefficient method with one gradient per step (module docstring); ValueError on bad
    input (coefficient sums, free symbols, lengths)."""
    from ..theory.iqc import certify
    from ..theory.multistep import numeric_at

    spec = validate(name, hyperparameters, x, y, step, output)
    co = spec.coefficients()
    quad, sc = _bounds(spec, co)
    settings = [DerivedSetting(spec.name, "quadratic", quad.id, "quadratic", tight=along_eigenvector("both"),
                         lower_bound="lower.strongly_convex", derived=quad)]
    if all(certify(numeric_at(co, L_, mu_), L_, mu_) is not None for L_, mu_ in CERTIFY_AT):
        settings.append(DerivedSetting(spec.name, "strongly_convex", sc.id, "strongly_convex",
                                       covers=_certified(sc),
                                       tight=along_eigenvector("both"), derived=sc))
    signature = Signature(("grad", X0, *(n for n, _ in spec.hyperparameters), "steps"))
    return Multistep(name=spec.name, summary=f"user-defined multistep method {spec.name!r}", signature=signature,
                     settings=tuple(settings), update=_update(spec), group=one_query_per_step("grad"),
                     budget=one_gradient_per_step(spec.name), reference_target=f"<multistep>:{spec.name}",
                     spec=spec)


# ---- `ratecheck rate`: everything derived for one (L, mu) --------------------------------------------------------
@dataclass
class Rates:
    """What `ratecheck rate` prints: the rates of a multistep method at one (L, mu), about its output sequence."""

    method: str
    L: float
    mu: float
    quadratic_rate: float
    quadratic_rate_expr: str | None
    critical_lambda: float
    critical_lambda_expr: str | None
    quadratic_envelope: list[tuple[int, float]]  # (k, E_k): ||o_k - x*|| <= E_k R on quadratics
    strongly_convex_rate: float | None
    strongly_convex_constant: float | None
    certificate: dict[str, Any] | None
    pep_worst_case: list[tuple[int, float]]  # (k, worst ||o_k - x*||^2 / R^2), PEPit

    def to_dict(self) -> dict[str, Any]:
        return {k: ([list(p) for p in v] if isinstance(v, list) else v) for k, v in self.__dict__.items()}


def check_constants(L_: float, mu_: float) -> None:
    if not (np.isfinite(L_) and np.isfinite(mu_)) or L_ <= 0 or mu_ <= 0:
        raise ValueError(f"L and mu must be positive numbers, got L={L_}, mu={mu_}")
    if mu_ >= L_:
        raise ValueError(f"need mu < L, got mu={mu_} >= L={L_}")


def rates(method: Multistep, L_: float = 10.0, mu_: float = 1.0, pep_steps: int = 10) -> Rates:
    """The quadratic rate (closed form where found), the every-k envelope, the certified strongly convex rate and
    constant (or None), and PEPit's exact worst cases for k = 1 .. pep_steps (0: none; needs ratecheck[pep])."""
    from ..theory.iqc import certify
    from ..theory.multistep import envelope, numeric_at, quadratic_rate

    if not isinstance(method, Multistep) or method.spec is None:
        raise ValueError(f"{method!r} is not a multistep spec (build one with ratecheck.methods.multistep)")
    check_constants(L_, mu_)
    co = method.spec.coefficients()
    num = numeric_at(co, float(L_), float(mu_))
    q = quadratic_rate(co, float(L_), float(mu_))
    env = envelope(num, float(L_), float(mu_), max(pep_steps, 1), which=num.output)
    cert = certify(num, L_, mu_, sequences=(num.output,))
    pep: list[tuple[int, float]] = []
    if pep_steps:
        from ..theory.pep.multistep import worst_cases

        pep = worst_cases(num, float(L_), float(mu_), range(1, pep_steps + 1))
    return Rates(method.name, float(L_), float(mu_), q.rate, None if q.expr is None else sp.sstr(q.expr),
                 q.critical_lambda, None if q.critical_lambda_expr is None else sp.sstr(q.critical_lambda_expr),
                 [(k_, float(e)) for k_, e in enumerate(env)],
                 None if cert is None else cert.rho, None if cert is None else cert.constant,
                 None if cert is None else {"P": [list(r) for r in cert.P], "multipliers": list(cert.multipliers),
                                            "min_eig_P": cert.min_eig_P, "max_eig_lmi": cert.max_eig_F}, pep)



def load(text: str) -> Multistep:
    """The spec named "path/to/file.py:NAME" (a module-level object built by `multistep`); ValueError otherwise."""
    import hashlib
    import importlib.util
    import sys
    from pathlib import Path

    where, sep, attr = text.rpartition(":")
    if not sep or not where.endswith(".py") or not attr:
        raise ValueError(f"{text!r} must be path/to/file.py:NAME, NAME a multistep spec in that file")
    path = Path(where)
    if not path.is_file():
        raise ValueError(f"file not found: {where}")
    path = path.resolve()
    name = f"_ratecheck_spec_{hashlib.sha1(str(path).encode()).hexdigest()[:12]}_{path.stem}"
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.util.spec_from_file_location(name, path)
        if loader is None or loader.loader is None:
            raise ValueError(f"cannot load {where} as a Python module")
        module = importlib.util.module_from_spec(loader)
        try:
            loader.loader.exec_module(module)
        except Exception as exc:  # a ValueError from multistep(...) in the file, or any bug in it
            raise ValueError(f"loading {where} raised {type(exc).__name__}: {exc}") from None
        sys.modules[name] = module
    obj = getattr(module, attr, None)
    if not isinstance(obj, Multistep):
        specs = [n for n, v in vars(module).items() if isinstance(v, Multistep)]
        what = "nothing" if obj is None else f"a {type(obj).__name__}"
        raise ValueError(f"{text} holds {what}, not a multistep spec; specs in {path.name}: "
                         f"{', '.join(specs) or 'none'}")
    return obj


__all__ = ["DerivedSetting", "Multistep", "Rates", "Spec", "load", "multistep", "rates", "validate"]
