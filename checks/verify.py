"""`ratecheck verify`, the main job: every property on every reference implementation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..methods import all_methods, get
from .api import check, new_report, plan, units
from .config import Config
from .parallel import execute
from .report import Report


def total_steps(methods: Iterable[str] | None = None) -> int:
    """How many (property, setting) runs verify makes: the progress bar's length."""
    return sum(len(plan(m)) for m in (all_methods() if methods is None else methods))


def verify(config: Config, advance: Callable[[str], None] | None = None, jobs: int = 1,
           scheduler: str | None = None, methods: Iterable[str] | None = None) -> list[Report]:
    """Check every method's reference implementation (or those of `methods`); `advance(label)` is called before
    each property run when serial, as each finishes when parallel (jobs processes, or the Dask scheduler at
    `scheduler`: every method's units share the pool, and the results are those of a serial run)."""
    chosen = all_methods() if methods is None else tuple(get(m) for m in methods)
    if jobs == 1 and scheduler is None:
        return [check(m.reference, m, config=config, target=m.reference_target, progress=advance) for m in chosen]
    reports = [new_report(m, m.reference, config, m.reference_target) for m in chosen]
    work = [(r, u) for r, m in zip(reports, chosen, strict=True) for u in units(m, m.reference, config)]
    results = execute([u for _, u in work], jobs, scheduler,
                      done=(lambda u: advance(f"{u.method} {u.label}")) if advance else None)
    for (report, _), result in zip(work, results, strict=True):
        report.results.append(result)
    return reports
