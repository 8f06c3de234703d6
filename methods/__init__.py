"""ratecheck.methods: one file per first-order method, each defining METHOD, a `Method`.

    >>> from ratecheck import methods
    >>> m = methods.get("heavy-ball")
    >>> m.signature.text("heavy_ball"), [s.bound_id for s in m.settings], m.signature_data()["oracle"]

Adding a method is adding its file here (a module not starting with "_" that defines METHOD) plus its tests:
the registry finds every such module, in alphabetical order of the module names. Subpackages and modules without
METHOD are skipped: `multistep` (below) builds a user's own method, registered nowhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ._method import EXTRA, ORACLES, Instance, Method, Prediction, Setting, Signature
from .multistep import Multistep, multistep  # rebinds the name `multistep` from the module to the builder


@cache
def _registry() -> dict[str, Method]:
    found: dict[str, Method] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        method = getattr(importlib.import_module(f"{__name__}.{info.name}"), "METHOD", None)
        if not isinstance(method, Method):
            continue
        for key in (method.name, *method.aliases):
            if key in found:
                raise RuntimeError(f"two methods are called {key!r} (methods/{info.name}.py and another)")
            found[key] = method
    return found


def all_methods() -> tuple[Method, ...]:
    """Every registered method, once each, in registry order."""
    return tuple(m for key, m in _registry().items() if key == m.name)


def names() -> tuple[str, ...]:
    """The methods' names (their one spelling), in registry order."""
    return tuple(m.name for m in all_methods())


def get(name: str | Method) -> Method:
    """The method called `name` (or one of its aliases); a Method is returned as it is."""
    if isinstance(name, Method):
        return name
    method = _registry().get(name)
    if method is None:
        raise ValueError(f"unknown method {name!r}; expected one of {', '.join(names())}")
    return method


def __getattr__(attr: str) -> object:
    if attr == "METHODS":  # computed on use: the registry imports every method file
        return names()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


__all__ = ["EXTRA", "METHODS", "ORACLES", "Instance", "Method", "Multistep", "Prediction", "Setting", "Signature",
           "all_methods", "get", "multistep", "names"]
