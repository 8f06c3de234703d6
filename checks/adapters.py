"""Checking optimizers that are not written in the teaching form: torch.optim and optax.

    load_target("path/to/file.py:function")  or  load_target("torch.optim:SGD")
    as_teaching_form(obj, method, {"nesterov": True})  ->  a function in the teaching form of `method`

A target is one of three kinds:
  - a function in the teaching form of the method: used as it is;
  - a torch.optim.Optimizer subclass (e.g. torch.optim.SGD): built per run on one parameter holding x0 (in the
    option `dtype`: float32 by default, as torch users run it; float64, bfloat16, float16), with lr (and
    momentum, for heavy-ball and nesterov) as the theory prescribes;
  - an optax transformation factory (e.g. optax.sgd): called as factory(learning_rate=..., momentum=...), on a
    jax array of that `dtype` (float32 by default, jax's own).
Extra constructor arguments (`options`, the CLI's --set) go to the torch/optax constructor. They never turn
Nesterov on by themselves: checking `torch.optim:SGD` as nesterov needs nesterov=True, as a user would write it.

Each step the adapter asks the oracle for the gradient at the current parameter (grad, or grad_i on
batch_size indices drawn from rng with replacement), hands it to the optimizer and records the new parameter.

Nesterov in torch and optax keeps the look-ahead point as its parameter: with buf_k = mu buf_{k-1} + g_k
(buf_0 = g_0) and p_{k+1} = p_k - lr (g_k + mu buf_k), the parameters p_k are our y_k, and the gradient-step
sequence the bounds are stated for is x_0 = p_0, x_{k+1} = p_k - lr g_k (induction: x_{k+1} - x_k = -lr buf_k,
so p_{k+1} = x_{k+1} + mu (x_{k+1} - x_k)). The adapter returns that x sequence, using the gradients it
already has: no extra oracle calls. A momentum schedule (FISTA's k -> b_k) has no torch/optax counterpart:
the adapter raises `Unsupported`, and the checker reports that setting as skipped.

torch and optax are imported only when a target of their kind is used. Checking optax in float64 turns on jax's
float64 mode (jax_enable_x64) for the process. The iterates come back in the parameter's dtype, so the checks
judge them with that precision's tolerances (checks.precision); the oracle is asked at the parameter's value.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..methods import Method, get
from .precision import numpy_dtype
from .run import Unsupported

KINDS = ("a function in the teaching form", "a torch.optim.Optimizer subclass (e.g. torch.optim:SGD)",
         "an optax transformation factory (e.g. optax:sgd)")
RESERVED = {"lr", "learning_rate", "momentum", "params"}  # set by the theory or the adapter
DTYPES = ("float32", "float64", "bfloat16", "float16")  # the `dtype` option of torch/optax targets
DEFAULT_DTYPE = "float32"  # as torch and JAX users run them


class TargetError(ValueError):
    """The target cannot be loaded or is not a kind ratecheck can check."""


# ---------------------------------------------------------------- loading


def load_target(spec: str) -> object:
    """The object named by "path/to/file.py:function" or "module:attr" (attr may be dotted)."""
    where, sep, attr = spec.rpartition(":")  # rpartition: a Windows drive letter keeps its colon
    if not sep or not where or not attr:
        raise TargetError(f"target {spec!r} must be 'path/to/file.py:function' or 'module:attr' (a colon "
                          "between where the object lives and its name)")
    if where.endswith(".py") or "/" in where or "\\" in where:
        module = _load_file(Path(where))
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise TargetError(f"cannot import module {where!r}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise TargetError(f"importing module {where!r} raised {type(exc).__name__}: {exc}") from exc
    obj: Any = module
    for i, part in enumerate(attr.split(".")):
        if not hasattr(obj, part):
            owner = ".".join([where, *attr.split(".")[:i]]) if i else where
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=5, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else f"it has: {', '.join(names[:20]) or 'nothing'}"
            raise TargetError(f"{owner} has no attribute {part!r}; {hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        built = hasattr(obj, "init") and hasattr(obj, "update")
        raise TargetError(f"{spec} is a {type(obj).__name__}, not callable" + (
            ": an optax transformation fixes its learning rate; name the factory instead (e.g. optax:sgd)"
            if built else f"; expected {', '.join(KINDS)}"))
    return obj


def _load_file(path: Path) -> object:
    if not path.is_file():
        raise TargetError(f"file not found: {path}")
    path = path.resolve()
    # A unique name per file, so two targets called optimizer.py do not replace each other in sys.modules.
    name = f"_ratecheck_target_{hashlib.sha1(str(path).encode()).hexdigest()[:12]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))  # as `python file.py` would: sibling imports work
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise TargetError(f"loading {path} raised {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(path.parent))
    return module


def parse_options(pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """["nesterov=true", "dampening=0.5"] -> {"nesterov": True, "dampening": 0.5}.

    Values: true/false -> bool, none -> None, integers, floats, anything else a string.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = _value(value.strip())
    return out


def _value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


# ---------------------------------------------------------------- kinds


def kind_of(obj: object) -> str:
    """"function", "torch" or "optax"; TargetError for anything else."""
    if inspect.isclass(obj):
        torch = sys.modules.get("torch")
        if torch is None and _module_of(obj).startswith("torch"):
            import torch
        if torch is not None and issubclass(obj, torch.optim.Optimizer):
            return "torch"
        raise TargetError(f"{obj.__qualname__} is a class but not a torch.optim.Optimizer subclass; expected "
                          + ", ".join(KINDS))
    if not callable(obj):
        raise TargetError(f"{type(obj).__name__} is not callable; expected " + ", ".join(KINDS))
    if _module_of(obj).startswith("optax") or "learning_rate" in _parameters(obj):
        return "optax"
    return "function"


def _module_of(obj: object) -> str:
    return getattr(obj, "__module__", None) or ""


def _parameters(obj: object) -> set[str]:
    try:
        return set(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return set()


def as_teaching_form(obj: object, method: str | Method, options: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A function in the teaching form of `method` that runs `obj` (see the module docstring)."""
    try:
        m = get(method)
    except ValueError as exc:
        raise TargetError(str(exc)) from None
    options = dict(options or {})
    dtype = options.pop("dtype", None)
    kind = kind_of(obj)
    if dtype is not None and (kind == "function" or dtype not in DTYPES):
        raise TargetError(f"--dtype {dtype!r}: " + (f"expected one of {', '.join(DTYPES)}" if kind != "function" else
                          "applies to torch.optim and optax targets; a function is checked in the dtype of the "
                          "iterates it returns"))
    dtype = dtype or DEFAULT_DTYPE
    if kind == "function":
        if options:
            raise TargetError("--set applies to torch.optim and optax targets only; "
                              f"{getattr(obj, '__qualname__', obj)!r} is a plain function")
        return obj  # type: ignore[return-value]
    if not m.library:
        raise TargetError(f"{m.name} is not supported for {kind} targets: torch.optim and optax have no {m.summary} "
                          f"(check a function in its teaching form, {m.signature_data()['text']})")
    if bad := sorted(RESERVED & options.keys()):
        raise TargetError(f"--set cannot set {', '.join(bad)}: learning rate and momentum come from the theory")
    backend = _Torch if kind == "torch" else _Optax
    return _teaching_form(m, lambda x0, lr, momentum: backend(obj, options, x0, lr, momentum, dtype),
                          f"{kind} {getattr(obj, '__qualname__', obj)}")


@dataclass(frozen=True)
class Target:
    """A teaching-form function named by a target string, picklable: it is loaded (and adapted) on its first
    call in whichever process calls it, so worker processes can check a file or a torch/optax target.

        Target("path/to/my_gd.py:gradient_descent", "gd")    Target("torch.optim:SGD", "nesterov", {"nesterov": True})

    A registered method travels by its name; a user's own (methods.multistep) as the object, which pickles by
    its arguments.
    """

    spec: str
    method: str | Method
    options: tuple[tuple[str, Any], ...] = ()

    def __init__(self, spec: str, method: str | Method, options: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "method", _by_name(method) if isinstance(method, Method) else method)
        object.__setattr__(self, "options", tuple(sorted((options or {}).items())))

    def resolve(self) -> Callable[..., Any]:
        """The teaching-form function (TargetError if the target cannot be loaded or adapted)."""
        method = self.method if isinstance(self.method, str) else (self.method.name, id(self.method))
        key = (self.spec, method, self.options)
        if key not in _RESOLVED:
            _RESOLVED[key] = as_teaching_form(load_target(self.spec), self.method, dict(self.options))
        return _RESOLVED[key]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return Target, (self.spec, self.method, dict(self.options))


_RESOLVED: dict[tuple[Any, ...], Callable[..., Any]] = {}  # per process: each target is loaded once


def _by_name(method: Method) -> str | Method:
    try:
        return method.name if get(method.name) is method else method
    except ValueError:  # not registered: a user's spec
        return method


# ---------------------------------------------------------------- running


def _teaching_form(method: Method, build: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A function with the method's signature: its gradient is grad(x), or grad_i on batch_size indices drawn
    from rng with replacement; its lr and (if the signature has one) momentum go to the library optimizer."""
    steps_name = method.signature.steps

    def body(env: dict[str, Any]) -> np.ndarray:
        if "grad" in env:
            grad = env["grad"]

            def gradient(k: int, x: np.ndarray) -> Any:
                return grad(x)
        else:
            grad_i, n, rng, batch = env["grad_i"], env["n"], env["rng"], env.get("batch_size", 1)

            def gradient(k: int, x: np.ndarray) -> Any:
                return grad_i(x, rng.integers(n, size=batch))
        return _iterate(build, gradient, env["x0"], env["lr"], env.get("momentum"), env[steps_name], name)

    return method.signature.function(body, method.name.replace("-", "_"))


def _iterate(build: Callable[..., Any], gradient: Callable[[int, np.ndarray], np.ndarray], x0: np.ndarray,
             lr: float | Callable[[int], float], momentum: float | Callable[[int], float] | None, steps: int,
             name: str) -> np.ndarray:
    if callable(momentum):
        raise Unsupported(f"{name} applies one constant momentum; this setting prescribes a momentum schedule "
                          "k -> b_k")
    lr_at = lr if callable(lr) else (lambda k: lr)
    opt = build(np.array(x0, dtype=np.float64), lr, momentum)
    dt = numpy_dtype(opt.dtype)
    xs = np.empty((steps + 1, np.size(x0)), dtype=dt)  # the parameter's dtype: the checks read precision off it
    xs[0] = p = opt.params()
    for k in range(steps):
        g = np.asarray(gradient(k, p.astype(np.float64)), dtype=np.float64).astype(dt)  # as the library holds it
        p_next = opt.step(g, float(lr_at(k)))
        # look-ahead -> gradient-step sequence, rounded once to the parameter's dtype
        xs[k + 1] = (p.astype(np.float64) - float(lr_at(k)) * g.astype(np.float64)).astype(dt) if opt.nesterov \
            else p_next
        p = p_next
    return xs


class _Torch:
    """One torch.optim optimizer on a single parameter of `dtype`."""

    def __init__(self, cls: Any, options: dict[str, Any], x0: np.ndarray, lr: Any, momentum: float | None,
                 dtype: str = DEFAULT_DTYPE) -> None:
        import torch

        self.torch, self.dtype, self.tdtype = torch, dtype, getattr(torch, dtype)
        self.p = torch.tensor(x0, dtype=torch.float64).to(self.tdtype).requires_grad_(True)
        kw = dict(options) if momentum is None else {**options, "momentum": momentum}
        if momentum == 0 and kw.get("nesterov"):
            kw["nesterov"] = False  # torch refuses nesterov without momentum; with b = 0 Nesterov *is* gd (kappa = 1)
        self.opt = cls([self.p], lr=lr(0) if callable(lr) else lr, **kw)
        self.nesterov = bool(self.opt.param_groups[0].get("nesterov", False))

    def params(self) -> np.ndarray:
        # torch's bfloat16 has no NumPy view: through float64 (exact) to ml_dtypes' bfloat16
        return self.p.detach().to(self.torch.float64).numpy().astype(numpy_dtype(self.dtype))

    def step(self, g: np.ndarray, lr: float) -> np.ndarray:
        self.opt.param_groups[0]["lr"] = lr  # a schedule: the step's own lr_k
        self.p.grad = self.torch.from_numpy(g.astype(np.float64)).to(self.tdtype)
        self.opt.step()
        return self.params()


_OPTAX_STEPS: dict[tuple[Any, ...], Callable[..., Any]] = {}  # one compiled step per (factory, options)


class _Optax:
    """One optax GradientTransformation on a jax array of `dtype`.

    The step is jitted with the learning rate and momentum as arguments, so every run of a check shares one
    compilation (eager optax costs ~0.6 ms a step, the jitted step ~25 us). A schedule is applied as each step's
    own learning_rate, lr_k, which for optax.sgd is what learning_rate=schedule does.
    """

    def __init__(self, factory: Any, options: dict[str, Any], x0: np.ndarray, lr: Any,
                 momentum: float | None, dtype: str = DEFAULT_DTYPE) -> None:
        import jax

        if dtype == "float64":
            jax.config.update("jax_enable_x64", True)  # before any float64 array exists
        import jax.numpy as jnp

        self.jax, self.momentum, self.nesterov = jax, momentum, bool(options.get("nesterov", False))

        def make(learning_rate: Any, mom: Any) -> Any:
            return factory(learning_rate=learning_rate, **options, **({} if mom is None else {"momentum": mom}))

        self.dtype = dtype
        self.p = jnp.asarray(x0, dtype=numpy_dtype(dtype))  # explicit: x64 mode may be on from another check
        self.state = make(lr(0) if callable(lr) else lr, momentum).init(self.p)
        self.eager = partial(_optax_step, make)
        try:
            self.key: tuple[Any, ...] | None = (factory, tuple(sorted(options.items())), momentum is None)
            self.fn = _OPTAX_STEPS.setdefault(self.key, jax.jit(self.eager))
        except TypeError:  # unhashable options: no cache, run eagerly
            self.key, self.fn = None, self.eager

    def params(self) -> np.ndarray:
        return np.array(self.p, dtype=numpy_dtype(self.dtype))

    def step(self, g: np.ndarray, lr: float) -> np.ndarray:
        try:
            self.p, self.state = self.fn(self.p, self.state, g, lr, self.momentum)
        except self.jax.errors.JAXTypeError:  # the factory needs concrete hyperparameters: run it eagerly
            self.fn = self.eager
            if self.key is not None:
                _OPTAX_STEPS[self.key] = self.eager
            self.p, self.state = self.fn(self.p, self.state, g, lr, self.momentum)
        return self.params()


def _optax_step(make: Callable[..., Any], p: Any, state: Any, g: Any, lr: Any, momentum: Any) -> tuple[Any, Any]:
    import optax

    updates, state = make(lr, momentum).update(g, state, p)
    return optax.apply_updates(p, updates), state


__all__ = ["KINDS", "Target", "TargetError", "Unsupported", "as_teaching_form", "kind_of", "load_target",
           "parse_options"]
