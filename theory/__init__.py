"""ratecheck.theory: convergence bounds derived in SymPy, as a machine-readable registry.

    >>> from ratecheck.theory import get
    >>> b = get("gd.strongly_convex")
    >>> b.evaluate(L=10.0, mu=1.0, R=1.0, k=5)      # vectorised numeric value
    >>> b.k_eps(1e-6, L=10.0, mu=1.0, R=1.0)        # smallest k the bound guarantees
"""

from .bound import QUANTITIES, Bound, Step
from .registry import bounds, get, ids
from .sdp import skip_jax_probe
from .symbols import ALLOWED as SYMBOLS
from .symbols import parse

skip_jax_probe()  # before the IQC LMI (iqc.py) or PEPit (pep/) first imports cvxpy: theory/sdp.py

__all__ = ["QUANTITIES", "SYMBOLS", "Bound", "Step", "bounds", "get", "ids", "parse"]
