"""The `Method` record: everything ratecheck knows about one first-order method, in one object.

A method file (methods/gd.py, ...) builds one `Method` named METHOD from the pieces here and in `_parts`;
the registry (methods/__init__.py) finds it. The checks, the adapters, the CLI, verify and the hidden tests
read only this object: nothing outside a method's own file switches on its name or on its bound ids.

    Signature   the teaching form as plain data: positional names in order, keywords with defaults
    Setting     one bound the method must respect: bound id, problem family, free hyperparameters to draw,
                the instances the bound is tight on, schedules stated in words, lower bound, PEPit builder
    Prediction  what the update rule says step k must do: where to query the oracle, and x_{k+1}
    Method      name, aliases, signature, settings, update rule, oracle budget, reference, ...
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..implementations.oracles import CountedOracle, Query
    from ..implementations.problems import Problem
    from ..theory import Bound

ORACLES = ("grad", "grad_i")  # the oracle callables a teaching form may receive
# Arguments the checker supplies that are neither oracles nor hyperparameters.
EXTRA = ("n", "rng")
X0 = "x0"


@dataclass(frozen=True)
class Signature:
    """A teaching-form signature: `args` are the positional parameters in order, `kwargs` the keyword ones with
    their defaults, `steps` the name of the run-length argument. Names in ORACLES are oracle callables, "x0"
    the start, names in EXTRA come from the problem or the checker (n, rng); every other name is a
    hyperparameter, supplied from the setting's prescribed values (a number or a schedule k -> value)."""

    args: tuple[str, ...]
    kwargs: tuple[tuple[str, Any], ...] = ()
    steps: str = "steps"

    def __post_init__(self) -> None:
        names = [*self.args, *(k for k, _ in self.kwargs)]
        if len(set(names)) != len(names):
            raise ValueError(f"signature {names} repeats a name")
        if X0 not in self.args or self.steps not in self.args or not set(ORACLES) & set(self.args):
            raise ValueError(f"signature {names} needs x0, {self.steps!r} and an oracle ({' or '.join(ORACLES)})")

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.args, *(k for k, _ in self.kwargs))

    @property
    def oracles(self) -> tuple[str, ...]:
        return tuple(a for a in self.args if a in ORACLES)

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        return tuple(a for a in self.names if a not in (*ORACLES, *EXTRA, X0, self.steps))

    @property
    def extra(self) -> tuple[str, ...]:
        return tuple(a for a in self.names if a in EXTRA)

    def arguments(self, values: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """(args, kwargs) for a call, from {name: value}; a keyword missing from values takes its default."""
        missing = [a for a in self.args if a not in values]
        if missing:
            raise ValueError(f"no value for {', '.join(missing)} (signature {self.text('f')})")
        return [values[a] for a in self.args], {k: values.get(k, d) for k, d in self.kwargs}

    def bind(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The inverse of `arguments`: a call's arguments as {name: value}, keywords defaulted."""
        bound = self.python().bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def function(self, body: Callable[[dict[str, Any]], Any], name: str = "teaching_form") -> Callable[..., Any]:
        """A function in this teaching form that calls body({name: value}) with its arguments bound (keywords
        defaulted): how an adapter or a sandbox proxy takes any method's call apart."""

        def form(*args: Any, **kwargs: Any) -> Any:
            return body(self.bind(*args, **kwargs))

        form.__signature__ = self.python()  # type: ignore[attr-defined]
        form.__name__ = form.__qualname__ = name
        return form

    def python(self) -> inspect.Signature:
        """The inspect.Signature of a function in this teaching form."""
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return inspect.Signature([inspect.Parameter(a, kind) for a in self.args]
                                 + [inspect.Parameter(k, kind, default=d) for k, d in self.kwargs])

    def text(self, function: str) -> str:
        """E.g. "sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)"."""
        return f"{function}{self.python()}".replace("'", '"')


@dataclass
class Instance:
    """A problem, a start x0 and the free hyperparameters drawn for it (e.g. eta, b)."""

    problem: Problem
    x0: np.ndarray
    start: str = "random"
    drawn: dict[str, Any] = field(default_factory=dict)
    seed: int = 0  # for the optimizer's rng (SGD)

    @property
    def x_star(self) -> np.ndarray:
        return self.problem.minimizer_near(self.x0)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v:.4g}" if isinstance(v, float) else f", {k}={v}" for k, v in self.drawn.items())
        return f"Instance({self.problem.name}, start={self.start}{extra})"


def _no_instances() -> list[Instance]:
    return []


@dataclass(frozen=True)
class Setting:
    """One bound a method must respect, on one problem family.

    family: a strategy family of checks.strategies (quadratic | strongly_convex | convex | noisy).
    draw(draw, problem) -> {symbol: value}: the free hyperparameters the bound leaves to the user (e.g. eta),
        drawn with Hypothesis' `draw`; None when the bound prescribes everything.
    tight() -> instances the bound is tight (or nearly) on; they run before the random search.
    schedules: hyperparameters the bound states in words, name -> a factory of the schedule k -> value.
    lower_bound: the lower bound (lower.*) this setting's hyperparameters are checked against (impossibility).
    pep: the PEPit builder of the bound, "module:function" inside ratecheck.theory.pep (imported on use).
    constants: bound symbol -> the Problem attribute that supplies it, where not the attribute of that name
        (e.g. {"L": "L_max"}: SVRG's L is the components' largest smoothness constant).
    horizon: run length of the statistical test (None: the property's default).
    covers(problem) -> bool: whether the bound guarantees anything on this problem (None: on every problem of
        the family); the properties that measure against the bound reject the instances it does not cover, the
        others (conformance, discipline) keep them (e.g. a user spec's strongly convex setting has a certificate
        at some (L, mu) only).
    test: what the statistical test may assume of the measured quantity: "gaussian" (the iterates are Gaussian,
        as on the noisy family) or "nonnegative" (nothing else: a binomial test on Markov's inequality).
    """

    method: str
    name: str
    bound_id: str
    family: str
    draw: Callable[[Any, Problem], dict[str, Any]] | None = field(default=None, compare=False)
    tight: Callable[[], list[Instance]] = field(default=_no_instances, compare=False)
    schedules: Mapping[str, Callable[[], Any]] = field(default_factory=dict, compare=False, hash=False)
    lower_bound: str | None = None
    pep: str | None = None
    constants: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    horizon: int | None = None
    test: str = "gaussian"
    covers: Callable[[Problem], bool] | None = field(default=None, compare=False)

    @property
    def bound(self) -> Bound:
        from ..theory import get

        return get(self.bound_id)

    def free(self, draw: Any, problem: Problem) -> dict[str, Any]:
        """The free hyperparameters drawn for `problem` ({} when the bound prescribes them all)."""
        return {} if self.draw is None else self.draw(draw, problem)

    def pep_builder(self) -> Callable[..., Any]:
        """The PEPit builder (imports PEPit: the extra ratecheck[pep])."""
        if self.pep is None:
            raise ValueError(f"{self.bound_id} has no PEPit builder")
        module, _, name = self.pep.partition(":")
        return getattr(importlib.import_module(f"ratecheck.theory.pep.{module}"), name)


@dataclass(frozen=True)
class Prediction:
    """What the update rule predicts for step k.

    at: where step k must query the oracle, one point per query (in order); next: x_{k+1} from the answers.
    scale / at_scale: magnitudes the relative comparison (1e-8) is taken against (at_scale defaults to scale).
    at_error / next_error: the messages when the query points / x_{k+1} disagree; str.format fields {k},
    {k1} (= k + 1), {got} and {want}.
    """

    at: tuple[np.ndarray, ...]
    next: np.ndarray
    scale: float
    at_error: str
    next_error: str
    at_scale: float | None = None


# update(k, xs, steps, hp): xs holds x_0 .. x_k (and maybe more: read rows <= k only); steps[j] the oracle
# queries of step j, grouped by `Method.group` (read steps[:k + 1] only); hp the hyperparameters.
UpdateRule = Callable[[int, np.ndarray, Sequence[Sequence["Query"]], Mapping[str, Any]], Prediction]
# group(log, hp, steps) -> (queries per step, None) or (the steps grouped so far, (k, why it broke at step k))
# with k = -1 when it broke before any step.
Grouping = Callable[[Sequence["Query"], Mapping[str, Any], int],
                    tuple[list[list["Query"]], tuple[int, str] | None]]
# budget(counts, hp, steps) -> None, or what is wrong with the oracle calls a run of `steps` made.
Budget = Callable[[Mapping[str, float], Mapping[str, Any], int], str | None]
# draws(log) -> the component indices the method drew from its rng (each draw once), for the uniformity test.
Draws = Callable[[Sequence["Query"]], np.ndarray]


@dataclass(frozen=True)
class Method:
    """One first-order method: its teaching form and everything it is checked against.

    name: the one spelling everywhere (CLI, reports, `check(..., method=name)`); aliases: other names `get`
    accepts (explicit, per method). reference: the reference implementation as a target ("module:function"),
    loaded on use. stochastic: it receives an rng (statistics instead of bound, no impossibility).
    regime: the setting whose hyperparameters the work regimes use (None: not in the GD/SGD regime map).
    library: torch.optim / optax optimizers (a learning rate and optionally one constant momentum) can be
    checked as this method through checks.adapters; False: the adapters say "not supported".
    conformance_steps: run length of the conformance property (long enough for its sampling test, if any), and
        the cap of the discipline property's (25 steps).
    draws: the indices a run drew from its rng, read off the oracle log; conformance tests them for uniformity
    (None: the method samples nothing).
    """

    name: str
    summary: str
    signature: Signature
    settings: tuple[Setting, ...]
    update: UpdateRule = field(compare=False)
    group: Grouping = field(compare=False)
    budget: Budget = field(compare=False)
    reference_target: str
    stochastic: bool = False
    aliases: tuple[str, ...] = ()
    regime: str | None = None
    library: bool = False
    conformance_steps: int = 40
    draws: Draws | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.settings or any(s.method != self.name for s in self.settings):
            raise ValueError(f"method {self.name!r}: settings must be non-empty and name this method")
        if self.regime is not None and self.regime not in self.setting_names:
            raise ValueError(f"method {self.name!r}: regime {self.regime!r} is not one of its settings")

    @property
    def setting_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.settings)

    def setting(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise ValueError(f"method {self.name!r} has no setting {name!r}; it has {list(self.setting_names)}")

    @property
    def reference(self) -> Callable[..., Any]:
        module, _, attr = self.reference_target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def call(self, optimizer: Callable[..., Any], oracle: CountedOracle, x0: np.ndarray, hp: Mapping[str, Any],
             steps: int, rng: np.random.Generator | None = None) -> Any:
        """Call a teaching-form `optimizer` with the oracle's callables, x0, the hyperparameters and steps."""
        values: dict[str, Any] = {X0: x0, self.signature.steps: steps, "rng": rng}
        values.update({name: getattr(oracle, name) for name in self.signature.oracles})
        if "n" in self.signature.names:
            values["n"] = oracle.n
        values.update({k: v for k, v in hp.items() if k in self.signature.hyperparameters})
        args, kwargs = self.signature.arguments(values)
        return optimizer(*args, **kwargs)

    def signature_data(self) -> dict[str, Any]:
        """The teaching form as JSON-able data, for a process that must call a submission without this object:

            {"method": "sgd", "text": "sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)",
             "oracle": "grad_i", "oracles": ["grad_i"], "params": ["lr", "batch_size"], "extra": ["n", "rng"],
             "args": ["grad_i", "n", "x0", "lr", "steps", "rng"], "kwargs": {"batch_size": 1},
             "steps": "steps", "stochastic": true}

        Call it as fn(*[env[a] for a in args], **{k: env.get(k, default) for k, default in kwargs.items()}),
        env holding the oracle callables, x0, n, rng, steps and the hyperparameters (a schedule may be sent
        as the list of its values for k = 0 .. steps - 1).
        """
        sig = self.signature
        return {"method": self.name, "text": sig.text(self.reference_target.partition(":")[2] or self.name),
                "oracle": sig.oracles[0], "oracles": list(sig.oracles), "params": list(sig.hyperparameters),
                "extra": list(sig.extra), "args": list(sig.args), "kwargs": dict(sig.kwargs), "steps": sig.steps,
                "stochastic": self.stochastic}
