"""How hard to check: Hypothesis profiles and the sizes of runs, in one object."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Config:
    """max_examples: Hypothesis examples per property and setting; max_steps: iterations per run;
    replicates: independent SGD runs behind each statistical test; alpha: its false-alarm probability;
    seed: None = derandomised (the same examples every time), an int = that Hypothesis seed.
    statistics_examples: examples per statistical check (None: max(2, max_examples // 4)); each one is
    `replicates` whole runs, so the thorough profile caps them rather than scaling them with max_examples."""

    profile: str = "fast"
    max_examples: int = 12
    max_steps: int = 300
    replicates: int = 256
    alpha: float = 1e-6
    seed: int | None = None
    statistics_examples: int | None = None

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)


PROFILES = {
    "fast": Config(),
    "thorough": Config(profile="thorough", max_examples=150, max_steps=1000, replicates=1024, statistics_examples=12),
}


def profile(name: str | None = None) -> Config:
    """A named profile; default from RATECHECK_PROFILE, else "fast"."""
    name = name or os.environ.get("RATECHECK_PROFILE", "fast")
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; expected one of {', '.join(PROFILES)}")
    return PROFILES[name]
