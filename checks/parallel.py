"""A check's (property, setting) units run in worker processes or on a Dask cluster, with the serial results.

Each unit is independent and deterministic: every Hypothesis search is derandomised (or seeded) from scratch,
its instances and SGD seeds are drawn inside it, and nothing is shared between units. So a unit gives the same
result in whichever process, and in whatever order, it runs; `execute` returns the results in plan order.
(Only `seconds`, the wall time, differs.)

The optimizer travels to the workers by pickle: a module-level function, or an `adapters.Target` (a target
string loaded in the worker). Workers are spawned, not forked: the parent may run threads (the progress bar).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from .config import Config
from .report import PropertyResult


@dataclass(frozen=True)
class Unit:
    """One (property, setting) run of one method on one optimizer (a registered method by name, a user's
    multistep Method as the object)."""

    method: Any
    optimizer: Any
    prop: str
    setting: str | None
    config: Config

    @property
    def label(self) -> str:
        return f"{self.prop} / {self.setting or '-'}"


def run_unit(unit: Unit) -> PropertyResult:
    """The worker's entry point: the unit's PropertyResult."""
    from ..methods import get
    from .api import run_one

    m = get(unit.method)
    setting = None if unit.setting is None else m.setting(unit.setting)
    return run_one(m, unit.optimizer, unit.prop, setting, unit.config)


def execute(units: Sequence[Unit], jobs: int = 1, scheduler: str | None = None,
            done: Callable[[Unit], None] | None = None) -> list[PropertyResult]:
    """Every unit's result, in the order of `units`: in this process (jobs=1), in `jobs` spawned processes, or
    on the Dask scheduler at `scheduler`. done(unit) is called as each unit finishes."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if scheduler is None and (jobs == 1 or len(units) <= 1):
        out = []
        for u in units:
            out.append(run_unit(u))
            if done:
                done(u)
        return out
    _check_picklable(units)
    if scheduler is not None:
        return _on_dask(scheduler, units, done)
    return _in_processes(jobs, units, done)


def _check_picklable(units: Sequence[Unit]) -> None:
    for u in {id(u.optimizer): u for u in units}.values():
        try:
            pickle.loads(pickle.dumps(u.optimizer))
        except Exception as exc:
            name = getattr(u.optimizer, "__qualname__", type(u.optimizer).__name__)
            raise ValueError(f"checking in parallel sends the optimizer to other processes, but {name} cannot be "
                             f"pickled ({type(exc).__name__}: {exc}); use a module-level function or a target "
                             "string (checks.adapters.Target), or jobs=1") from None


def _in_processes(jobs: int, units: Sequence[Unit], done: Callable[[Unit], None] | None) -> list[PropertyResult]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    results: list[PropertyResult | None] = [None] * len(units)
    with ProcessPoolExecutor(max_workers=min(jobs, len(units)), mp_context=ctx) as pool:
        # The longest units first (statistics, regimes): the pool then ends with short ones to balance on.
        order = sorted(range(len(units)), key=lambda i: -_weight(units[i]))
        futures = {pool.submit(run_unit, units[i]): i for i in order}
        left = set(futures)
        try:
            while left:
                finished, left = wait(left, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = futures[fut]
                    results[i] = fut.result()
                    if done:
                        done(units[i])
        except BaseException:
            for fut in left:
                fut.cancel()
            raise
    return results  # type: ignore[return-value]


def _on_dask(address: str, units: Sequence[Unit], done: Callable[[Unit], None] | None) -> list[PropertyResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ValueError("a Dask scheduler needs dask.distributed: pip install 'ratecheck[grade]'") from None
    results: list[PropertyResult | None] = [None] * len(units)
    stamp = time.time_ns()
    with Client(address, set_as_default=False) as client:
        order = sorted(range(len(units)), key=lambda i: -_weight(units[i]))
        futures = [client.submit(run_unit, units[i], key=f"ratecheck-check-{stamp}-{i}", pure=False) for i in order]
        index = {f.key: i for f, i in zip(futures, order, strict=True)}
        for fut in as_completed(futures, loop=client.loop):
            i = index[fut.key]
            results[i] = fut.result()
            if done:
                done(units[i])
    return results  # type: ignore[return-value]


def _weight(unit: Unit) -> float:
    """A rough relative cost, only to schedule long units first."""
    return {"statistics": 8.0, "regimes": 6.0, "bound": 2.0}.get(unit.prop, 1.0)
