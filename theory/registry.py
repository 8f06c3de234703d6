"""The registry of bounds: one place that knows every `Bound`, built lazily (SymPy takes a moment)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module

from .bound import Bound

# One module per family of methods; each exposes `BOUNDS`, a tuple of zero-argument functions
# that derive and return a Bound. The order here is the catalogue's order.
MODULES = ("gd", "heavy_ball", "nesterov", "lower", "sgd", "work")


@cache
def _all() -> dict[str, Bound]:
    out: dict[str, Bound] = {}
    for name in MODULES:
        derivers: tuple[Callable[[], Bound], ...] = import_module(f"{__package__}.{name}").BOUNDS
        for derive in derivers:
            bound = derive()
            if bound.id in out:
                raise RuntimeError(f"duplicate bound id {bound.id!r} (from theory/{name}.py)")
            out[bound.id] = bound
    return out


def ids() -> list[str]:
    """All bound ids, in catalogue order."""
    return list(_all())


def bounds() -> list[Bound]:
    """All bounds, in catalogue order."""
    return list(_all().values())


def get(bound_id: str) -> Bound:
    """The bound with this id; a clear error naming the known ids otherwise."""
    try:
        return _all()[bound_id]
    except KeyError:
        raise KeyError(f"unknown bound id {bound_id!r}; known ids: {', '.join(_all())}") from None
