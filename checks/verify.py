"""`ratecheck verify`, the main job: every property on every reference implementation."""

from __future__ import annotations

from collections.abc import Callable

from ..implementations import gradient_descent, heavy_ball, nesterov, sgd
from .api import check, plan
from .config import Config
from .report import Report

REFERENCES: dict[str, Callable[..., object]] = {
    "gd": gradient_descent, "heavy-ball": heavy_ball, "nesterov": nesterov, "sgd": sgd,
}


def total_steps() -> int:
    """How many (property, setting) runs verify makes: the progress bar's length."""
    return sum(len(plan(m)) for m in REFERENCES)


def verify(config: Config, advance: Callable[[str], None] | None = None) -> list[Report]:
    """Check every reference implementation; `advance(label)` is called before each property run."""
    return [check(fn, method, config=config, target=f"ratecheck.implementations:{fn.__name__}", progress=advance)
            for method, fn in REFERENCES.items()]
