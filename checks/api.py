"""`check(optimizer, method=...)`: every property of a method, as one `Report`."""

from __future__ import annotations

import importlib.metadata as md
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..methods import Method, get
from .config import Config, profile
from .properties import PER_METHOD, PER_SETTING
from .report import PropertyResult, Report
from .run import Unsupported

DETERMINISTIC_ONLY, STOCHASTIC_ONLY = {"bound"}, {"statistics"}


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
          target: str | None = None, progress: Callable[[str], None] | None = None, **options: Any) -> Report:
    """Check `optimizer` (a function in the teaching form of `method`) against the theory.

    method: a Method or its name (ratecheck.methods.names(): gd, heavy-ball, nesterov, sgd, ...).
    properties/settings: subsets to run (default: all).
    options override the profile's Config fields (max_examples, max_steps, replicates, alpha, seed).
    Returns a Report; report.passed is True when every property holds.
    """
    m = get(method)
    if not callable(optimizer):
        raise TypeError(f"optimizer must be a callable in the teaching form of {m.name!r}, "
                        f"got {type(optimizer).__name__}")
    cfg = (config or profile(profile_name)).with_(**options)
    report = Report(method=m.name, target=target or getattr(optimizer, "__qualname__", repr(optimizer)),
                    seed=cfg.seed, profile=cfg.profile, versions=_versions())
    for prop, setting in plan(m, properties, settings):
        if progress:
            progress(f"{prop} / {setting.name if setting else '-'}")
        t0 = time.perf_counter()
        try:
            if setting is None:
                result = PER_METHOD[prop](m, optimizer, cfg)
            else:
                result = PER_SETTING[prop](m, optimizer, setting, cfg)
        except Unsupported as exc:  # e.g. torch.optim.SGD cannot follow a momentum schedule
            result = PropertyResult(prop, setting.name if setting else "-", "skipped", message=str(exc),
                                    bound_id=setting.bound_id if setting else None)
        result.seconds = result.seconds or time.perf_counter() - t0
        report.results.append(result)
    return report


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("ratecheck", "numpy", "scipy", "sympy", "hypothesis"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "?"
    return out


__all__ = ["PropertyResult", "Report", "check", "plan"]
