"""`ratecheck verify`, the main job: every property on every reference implementation."""

from __future__ import annotations

from collections.abc import Callable

from ..methods import all_methods
from .api import check, plan
from .config import Config
from .report import Report


def total_steps() -> int:
    """How many (property, setting) runs verify makes: the progress bar's length."""
    return sum(len(plan(m)) for m in all_methods())


def verify(config: Config, advance: Callable[[str], None] | None = None) -> list[Report]:
    """Check every method's reference implementation; `advance(label)` is called before each property run."""
    return [check(m.reference, m, config=config, target=m.reference_target, progress=advance)
            for m in all_methods()]
