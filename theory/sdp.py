"""cvxpy for ratecheck's SDPs (the IQC LMI of theory/iqc.py, PEPit's PEPs), imported without loading jax for nothing.

cvxpy (1.9) lists its installed solvers while it is imported. Its MPAX probe imports jax, then mpax: where jax is
installed (the optax adapters' extra) and MPAX is not, that loads jax, about 1.2 s of CPU, to find out that MPAX is
missing. That was most of what a first `ratecheck check --method SPEC` spent over a built-in method. `skip_jax_probe`
makes the probe ask for mpax first: the same answer (MPAX needs both), and jax is imported only where MPAX exists.

The ratecheck.theory package installs the hook (theory/ is the only part of ratecheck that imports cvxpy). It is
one-shot and touches that one module of cvxpy only; if cvxpy moves it, the hook matches nothing and cvxpy imports
as it always did.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

_PROBE = "cvxpy.reductions.solvers.qp_solvers.mpax_qpif"


def _mpax_first(self: Any) -> None:
    importlib.import_module("mpax")  # missing in most installs: raises before jax is touched
    importlib.import_module("jax")


class _ProbeFinder(importlib.abc.MetaPathFinder):
    """Finds cvxpy's MPAX interface as usual, then, once it is executed, swaps its probe's import order."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        if fullname != _PROBE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            probe = getattr(module, "MPAX", None)
            if probe is not None and hasattr(probe, "import_solver"):
                probe.import_solver = _mpax_first
            if self in sys.meta_path:  # one-shot
                sys.meta_path.remove(self)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_FINDER = _ProbeFinder()


def skip_jax_probe() -> None:
    """Install the hook before cvxpy's first import (a no-op once cvxpy is imported or jax already is)."""
    if "cvxpy" in sys.modules or "jax" in sys.modules or _FINDER in sys.meta_path:
        return
    sys.meta_path.insert(0, _FINDER)


__all__ = ["skip_jax_probe"]
