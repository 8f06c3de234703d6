"""Real data sets that ship inside scikit-learn (extra `ratecheck[data]`; nothing is downloaded at run time),
as convex and nonconvex logistic regression.

    load(name)                          -> Dataset(A, y, ...): standardised features plus a bias column, y = +-1
    dataset_problem(name, kind, lam)    -> logistic (kind "convex", L2) or logistic_nonconvex (kind "nonconvex")

Binary tasks (scikit-learn's targets -> y = +1 / -1):
    breast_cancer  569 x 30   +1 = benign (target 1), -1 = malignant (target 0)
    digits         1797 x 64  +1 = odd digit, -1 = even digit (8x8 images; the pixels that are constant over
                               the data set, e.g. always-white borders, are dropped: 61 columns remain)
    wine           178 x 13   +1 = cultivar 0 (target 0), -1 = cultivars 1 and 2
Features: each column centred and scaled to unit variance over the data set, then a constant 1 column (the
bias) appended, so d is one more than the feature count. `subsample(n, seed)` draws rows without replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ._base import Problem
from .logistic import logistic_data
from .nonconvex import NonconvexProblem, logistic_nonconvex_data

NAMES = ("breast_cancer", "digits", "wine")
TASKS = {
    "breast_cancer": "+1 = benign (target 1), -1 = malignant",
    "digits": "+1 = odd digit, -1 = even digit",
    "wine": "+1 = cultivar 0, -1 = cultivars 1 and 2",
}
INSTALL_HINT = "the real data sets come with scikit-learn: pip install 'ratecheck[data]'"


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    A: np.ndarray  # (n, d): standardised features and a bias column of ones
    y: np.ndarray  # (n,): +-1
    task: str
    dropped: int  # constant columns removed before standardising

    @property
    def n(self) -> int:
        return self.A.shape[0]

    @property
    def d(self) -> int:
        return self.A.shape[1]

    def subsample(self, n: int, seed: int = 0) -> Dataset:
        """n rows drawn without replacement (n = self.n: the data set itself)."""
        if not (isinstance(n, int | np.integer) and 2 <= n <= self.n):
            raise ValueError(f"n must be an int in [2, {self.n}] for {self.name}, got {n!r}")
        if n == self.n:
            return self
        rows = np.sort(np.random.default_rng(seed).choice(self.n, size=n, replace=False))
        return Dataset(self.name, self.A[rows], self.y[rows], self.task, self.dropped)


@cache
def load(name: str) -> Dataset:
    """One of NAMES, standardised, with +-1 labels (see the module docstring for the binary tasks)."""
    if name not in NAMES:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(NAMES)}")
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    bunch = getattr(datasets, f"load_{name}")()
    X, target = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)
    y = {"breast_cancer": target == 1, "digits": target % 2 == 1, "wine": target == 0}[name]
    std = X.std(axis=0)
    keep = std > 0
    X = (X[:, keep] - X[:, keep].mean(axis=0)) / std[keep]
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    for arr in (A, y):
        arr.flags.writeable = False
    return Dataset(name, A, np.where(y, 1.0, -1.0), TASKS[name], int((~keep).sum()))


def dataset_problem(name: str | Dataset, kind: str = "convex", lam: float = 0.1) -> Problem | NonconvexProblem:
    """Logistic regression on a data set: kind "convex" (lam/2 ||x||^2, mu = lam, L exact at x = 0) or
    "nonconvex" (lam sum_j x_j^2/(1 + x_j^2), L exact at x = 0, f_low = 0)."""
    data = load(name) if isinstance(name, str) else name
    label = f"{data.name}[n={data.n}, d={data.d}, lam={lam:g}]"
    if kind == "convex":
        return logistic_data(data.A, data.y, lam, name=f"logistic {label}")
    if kind == "nonconvex":
        return logistic_nonconvex_data(data.A, data.y, lam, name=f"logistic_nonconvex {label}")
    raise ValueError(f"kind must be 'convex' or 'nonconvex', got {kind!r}")
