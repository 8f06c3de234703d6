"""pytest plugin (entry point pytest11 "ratecheck"): check an optimizer in one short test.

    def test_my_gd(ratecheck_check):
        ratecheck_check(my_gradient_descent, "gd")

    def test_torch_nesterov(ratecheck_check):
        ratecheck_check("torch.optim:SGD", "nesterov", optimizer_kwargs={"nesterov": True})

The fixture calls `assert_respects_theory` (see checks/testing.py) with the session's settings:
  --ratecheck-profile fast|thorough   how hard to check (default: $RATECHECK_PROFILE, else fast)
  --ratecheck-seed N|random           Hypothesis seed. Default: derandomised, the same examples on every run.
                                      "random" draws a fresh seed per session (shown in the header), except
                                      when the CI environment variable is set: CI stays derandomised.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .report import Report

_SEED_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ratecheck", "checking optimizers against convergence theory")
    group.addoption("--ratecheck-profile", choices=("fast", "thorough"), default=None,
                    help="ratecheck profile (default: $RATECHECK_PROFILE, else fast).")
    group.addoption("--ratecheck-seed", default=None, metavar="N|random",
                    help="Hypothesis seed for ratecheck (default: derandomised; 'random' is ignored under CI).")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _seed(config: pytest.Config) -> int | None:
    """The session's seed, resolved once so that every test and the header agree."""
    if _SEED_KEY not in config.stash:
        raw = config.getoption("--ratecheck-seed")
        if raw is None or (raw == "random" and _in_ci()):
            seed = None
        elif raw == "random":
            seed = random.SystemRandom().randrange(2**32)
        else:
            try:
                seed = int(raw)
            except ValueError:
                raise pytest.UsageError(f"--ratecheck-seed expects an integer or 'random', got {raw!r}") from None
        config.stash[_SEED_KEY] = seed
    return config.stash[_SEED_KEY]


def pytest_report_header(config: pytest.Config) -> str:
    seed = _seed(config)
    name = config.getoption("--ratecheck-profile") or os.environ.get("RATECHECK_PROFILE", "fast")
    how = "derandomised" if seed is None else f"seed {seed} (rerun with --ratecheck-seed {seed})"
    return f"ratecheck: profile {name}, {how}"


@pytest.fixture
def ratecheck_check(request: pytest.FixtureRequest) -> Callable[..., Report]:
    """assert_respects_theory(optimizer, method, **options) with the session's profile and seed."""
    defaults: dict[str, Any] = {"profile_name": request.config.getoption("--ratecheck-profile"),
                                "seed": _seed(request.config)}

    def run(optimizer: object, method: str, **options: Any) -> Report:
        __tracebackhide__ = True
        from .testing import assert_respects_theory  # imported here: loading the plugin stays cheap

        return assert_respects_theory(optimizer, method, **{**defaults, **options})

    return run
