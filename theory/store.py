"""Derived numbers kept on disk between runs: IQC certificates and envelope tables of user specs.

Each is a deterministic function of the method's coefficients at (L, mu) and of the code that derives it, and a
derandomised check draws the same instances on every run. So the edit-and-recheck loop of an engineer (or a CI
rerun) loads them instead of solving the LMI again. The key hashes the exact inputs and the source of
theory/iqc.py, theory/multistep.py and this file, so any change to the algorithm starts afresh.

The entries live in derived/ of the derivations' cache directory (theory.registry.cache_root:
RATECHECK_CACHE_DIR, else ~/.cache/ratecheck); RATECHECK_NO_CACHE=1 turns the store off with the rest.

One small file per entry, written atomically (a temporary file, then os.replace), so parallel workers
(--jobs, Dask) can share one directory. Entries are JSON or .npy read without pickle: a damaged or foreign file
is a miss, never code run. A certificate is stored after its 50-digit verification; a loaded one is checked
again in float64 and its constants recomputed from its P (theory.iqc._certify), so a damaged entry is solved
afresh rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np


def root() -> Path | None:
    """The store's directory, or None when RATECHECK_NO_CACHE is set."""
    from .registry import cache_root

    return None if os.environ.get("RATECHECK_NO_CACHE") else cache_root() / "derived"


@lru_cache(maxsize=1)
def _code() -> str:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / f).read_bytes() for f in ("iqc.py", "multistep.py", "store.py")))\
        .hexdigest()


def _path(kind: str, key: Any, suffix: str) -> Path | None:
    base = root()
    if base is None:
        return None
    digest = hashlib.sha256(repr((_code(), kind, key)).encode()).hexdigest()[:32]
    return base / kind / f"{digest}{suffix}"


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk costs speed, not results
        pass


def load_json(kind: str, key: Any) -> tuple[bool, Any]:
    """(found, value); value may be None (a stored "no certificate")."""
    path = _path(kind, key, ".json")
    if path is None or not path.is_file():
        return False, None
    try:
        return True, json.loads(path.read_text())["value"]
    except (OSError, ValueError, KeyError, TypeError):
        return False, None


def save_json(kind: str, key: Any, value: Any) -> None:
    path = _path(kind, key, ".json")
    if path is not None:
        _write(path, json.dumps({"value": value}).encode())


def load_array(kind: str, key: Any) -> np.ndarray | None:
    path = _path(kind, key, ".npy")
    if path is None or not path.is_file():
        return None
    try:
        out = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return out if out.dtype == np.float64 and out.ndim == 1 else None


def save_array(kind: str, key: Any, value: np.ndarray) -> None:
    path = _path(kind, key, ".npy")
    if path is not None:
        import io

        buf = io.BytesIO()
        np.save(buf, np.asarray(value, dtype=np.float64), allow_pickle=False)
        _write(path, buf.getvalue())
