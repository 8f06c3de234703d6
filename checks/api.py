"""`check(optimizer, method=...)`: every property of a method, as one `Report`."""

from __future__ import annotations

import importlib.metadata as md
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..methods import Method, Setting, get
from .config import Config, profile
from .parallel import Unit, execute, run_unit
from .properties import PER_METHOD, PER_SETTING
from .report import PropertyResult, Report
from .run import Unsupported

DETERMINISTIC_ONLY, STOCHASTIC_ONLY = {"bound", "stall"}, {"statistics"}


def plan(method: str | Method, properties: Iterable[str] | None = None,
         settings: Iterable[str] | None = None) -> list[tuple[str, Any]]:
    """The (property, setting or None) pairs `check` runs, in order."""
    m = get(method)
    known = (*PER_SETTING, *PER_METHOD)
    props = list(properties) if properties is not None else list(known)
    if unknown := [p for p in props if p not in known]:
        raise ValueError(f"unknown properties {unknown}; expected some of {list(known)}")
    chosen = m.settings
    if settings is not None:
        names = list(settings)
        if unknown := [s for s in names if s not in m.setting_names]:
            raise ValueError(f"method {m.name!r} has no setting(s) {unknown}; it has {list(m.setting_names)}")
        chosen = tuple(s for s in chosen if s.name in names)
    stochastic = m.stochastic
    out: list[tuple[str, Any]] = []
    for prop in props:
        if prop in PER_SETTING:
            if (prop in DETERMINISTIC_ONLY and stochastic) or (prop in STOCHASTIC_ONLY and not stochastic):
                continue
            out += [(prop, s) for s in chosen]
        else:
            out.append((prop, None))
    return out


def check(optimizer: Callable[..., Any], method: str | Method, *, properties: Iterable[str] | None = None,
          settings: Iterable[str] | None = None, config: Config | None = None, profile_name: str | None = None,
          target: str | None = None, progress: Callable[[str], None] | None = None, jobs: int = 1,
          scheduler: str | None = None, **options: Any) -> Report:
    """Check `optimizer` (a function in the teaching form of `method`) against the theory.

    method: a Method or its name (ratecheck.methods.names(): gd, heavy-ball, nesterov, sgd, ...), or a user's
    own method from ratecheck.methods.multistep (checked against the bounds derived from its coefficients).
    properties/settings: subsets to run (default: all).
    options override the profile's Config fields (max_examples, max_steps, replicates, alpha, seed).
    jobs / scheduler: run the (property, setting) units in that many worker processes, or on the Dask
    scheduler at that address; the results are those of a serial run (see checks.parallel). The optimizer
    must then pickle: a module-level function, or checks.adapters.Target for a target string.
    progress(label) is called before each unit when serial, as each finishes when parallel.
    Returns a Report; report.passed is True when every property holds.
    """
    m = get(method)
    if not callable(optimizer):
        raise TypeError(f"optimizer must be a callable in the teaching form of {m.name!r}, "
                        f"got {type(optimizer).__name__}")
    cfg = (config or profile(profile_name)).with_(**options)
    report = new_report(m, optimizer, cfg, target)
    work = units(m, optimizer, cfg, properties, settings)
    if jobs == 1 and scheduler is None:
        for u in work:
            if progress:
                progress(u.label)
            report.results.append(run_unit(u))
    else:
        report.results += execute(work, jobs, scheduler, done=(lambda u: progress(u.label)) if progress else None)
    return report


def new_report(method: Method, optimizer: Any, config: Config, target: str | None = None) -> Report:
    """An empty Report of `optimizer` checked as `method` under `config`."""
    return Report(method=method.name, target=target or getattr(optimizer, "__qualname__", repr(optimizer)),
                  seed=config.seed, profile=config.profile, versions=_versions())


def units(method: Method, optimizer: Any, config: Config, properties: Iterable[str] | None = None,
          settings: Iterable[str] | None = None) -> list[Unit]:
    """The plan as independent units of work (what `check` runs, serially or in parallel)."""
    key = _unit_key(method)
    return [Unit(key, optimizer, prop, setting.name if setting else None, config)
            for prop, setting in plan(method, properties, settings)]


def _unit_key(method: Method) -> str | Method:
    """A registered method travels to a unit by its name; a user's own (methods.multistep) as the object itself
    (it pickles by its arguments), also when its name collides with a built-in's."""
    try:
        return method.name if get(method.name) is method else method
    except ValueError:
        return method


def run_one(method: Method, optimizer: Any, prop: str, setting: Setting | None, config: Config) -> PropertyResult:
    """One property (in one setting, or per method) as a PropertyResult; an adapter that cannot express the
    setting's hyperparameters makes it "skipped"."""
    t0 = time.perf_counter()
    try:
        if setting is None:
            result = PER_METHOD[prop](method, optimizer, config)
        else:
            result = PER_SETTING[prop](method, optimizer, setting, config)
    except Unsupported as exc:  # e.g. torch.optim.SGD cannot follow a momentum schedule
        result = PropertyResult(prop, setting.name if setting else "-", "skipped", message=str(exc),
                                bound_id=setting.bound_id if setting else None)
    result.seconds = result.seconds or time.perf_counter() - t0
    return result


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("ratecheck", "numpy", "scipy", "sympy", "hypothesis"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "?"
    return out


__all__ = ["PropertyResult", "Report", "check", "new_report", "plan", "run_one", "units"]
