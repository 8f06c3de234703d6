"""Driving a property with Hypothesis: explicit tight instances first, then a targeted random search that
shrinks any violation to a minimal counterexample."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, FlakyReplay

from ..config import Config
from ..report import Counterexample
from ..run import Unsupported


class Violation(AssertionError):
    """Raised inside a Hypothesis example to mark it failing; carries the readable counterexample."""

    def __init__(self, counterexample: Counterexample) -> None:
        super().__init__(counterexample.message)
        self.counterexample = counterexample


@dataclass
class Outcome:
    examples: int
    worst_ratio: float | None
    counterexample: Counterexample | None


def search(strategy: st.SearchStrategy[Any], body: Callable[[Any], float | None], config: Config,
           explicit: Sequence[Any] = (), label: str = "observed/bound") -> Outcome:
    """Run `body` on the explicit instances, then on up to config.max_examples drawn ones.

    body returns the example's score (e.g. max observed/bound, or None) and raises Violation on failure.
    """
    state: dict[str, Any] = {"n": 0, "worst": None, "unsupported": None}

    def prop(inst: Any) -> None:
        if state["unsupported"] is not None:
            return  # the setting will be reported skipped: running more examples is pointless
        state["n"] += 1
        try:
            score = body(inst)
        except Unsupported as exc:  # not a failure: Hypothesis must not shrink it
            state["unsupported"] = exc
            return
        if score is not None:
            state["worst"] = score if state["worst"] is None else max(state["worst"], score)
            target(float(score), label=label)

    test = prop
    for inst in explicit:
        test = example(inst)(test)
    test = given(strategy)(test)
    test = settings(max_examples=config.max_examples, deadline=None, database=None, print_blob=True,
                    derandomize=config.seed is None, report_multiple_bugs=False,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                    suppress_health_check=list(HealthCheck))(test)
    if config.seed is not None:
        test = hypothesis_seed(config.seed)(test)
    try:
        test()
    except Violation as v:
        ce = v.counterexample
        how = (f"Hypothesis seed {config.seed} (--seed {config.seed})" if config.seed is not None
               else "derandomised: the same example comes back on every run")
        blobs = re.findall(r"@reproduce_failure\([^)]*\)", " ".join(getattr(v, "__notes__", [])))
        ce.reproduce = how + (f"; Hypothesis blob {blobs[0]}" if blobs else "")
        return Outcome(state["n"], state["worst"], ce)
    except (FlakyFailure, FlakyReplay) as exc:
        return Outcome(state["n"], state["worst"], Counterexample(
            f"the optimizer fails inconsistently on the same input (is it non-deterministic?): {exc}"))
    if state["unsupported"] is not None:
        raise state["unsupported"]  # check() turns it into a skipped result
    return Outcome(state["n"], state["worst"], None)
