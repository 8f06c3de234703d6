"""Uniform index sampling with replacement, drawn in chunks because one rng call per step costs ~5 us."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK = 2048


def uniform_indices(rng: np.random.Generator, n: int, batch_size: int, steps: int) -> Iterator[np.ndarray]:
    """Yield `steps` arrays of `batch_size` indices drawn uniformly from range(n), with replacement.

    The values equal those of one `rng.integers(n, size=batch_size)` call per step (numpy draws
    bounded integers from one continuous stream); chunking only removes the per-call overhead.
    """
    for start in range(0, steps, CHUNK):
        yield from rng.integers(n, size=(min(CHUNK, steps - start), batch_size))


def replicate_rngs(rng: np.random.Generator | np.random.SeedSequence | int, replicates: int,
                   ) -> list[np.random.Generator]:
    """Independent generators for `replicates` runs: children spawned from a seed or a Generator.

    Replicate r of a vectorised run uses `replicate_rngs(seed, R)[r]`, so it can be re-run alone.
    """
    if isinstance(rng, np.random.Generator):
        return rng.spawn(replicates)
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer | np.random.SeedSequence):
        raise TypeError(
            f"rng must be a numpy Generator, a SeedSequence or an int seed, got {type(rng).__name__}"
        )
    seq = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(int(rng))
    return [np.random.default_rng(child) for child in seq.spawn(replicates)]
