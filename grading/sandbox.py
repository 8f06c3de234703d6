"""The grader's side of a submission: a child process running the student's code (grading/child.py) and
teaching-form proxies that `ratecheck.checks.check` can call as if they were the student's functions.

Every gradient the student's code asks for is computed here, by the counted oracle the checks handed to the
proxy; the child only ever holds x and g. Nothing the child does can change how it is judged: it can only
answer late (a time limit), answer wrongly (the checks see it), or die (the call fails, the next one gets a
fresh child, up to `max_restarts`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import wire


class SubmissionError(RuntimeError):
    """The submission failed a call: it raised, timed out, exceeded a limit, or its process died."""


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 20.0  # wall time of one optimizer call
    load_seconds: float = 60.0  # wall time to execute the notebook's definitions
    total_seconds: float = 600.0  # wall time of everything for one submission
    cpu_seconds: int = 600  # CPU time of the child (RLIMIT_CPU)
    memory_bytes: int = 2 << 30  # address space of the child (RLIMIT_AS)
    output_bytes: int = 1 << 16  # what is kept of the child's stdout+stderr
    max_restarts: int = 3


def _roots() -> tuple[list[str], list[str]]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    package = str(Path(__file__).resolve().parents[1])  # the ratecheck package: hidden checks live there
    return sorted(os.path.realpath(p) for p in paths), [os.path.realpath(package)]


class Sandbox:
    """One submission's code in a separate, limited process. Use as a context manager."""

    def __init__(self, cells: list[str], limits: Limits | None = None, workdir: str | None = None,
                 public: tuple[str, ...] = ()) -> None:
        """public: ratecheck modules the submission may import (what a released notebook imports, e.g.
        ratecheck.theory); they are loaded before the child's guard. Everything else of ratecheck stays refused."""
        self.cells, self.limits = list(cells), limits or Limits()
        self.workdir = workdir
        self.public = tuple(public)
        self.last_type: str | None = None  # the Python type the submission's last call returned
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self.load_errors: list[str] = []
        self.names: list[str] = []
        self._started = time.monotonic()
        self._out_path: str | None = None

    # ---- lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> None:
        allowed, denied = _roots()
        cfg = {"memory_bytes": self.limits.memory_bytes, "cpu_seconds": self.limits.cpu_seconds,
               "allowed_roots": allowed, "denied_roots": denied, "public": list(self.public)}
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        out = open(os.devnull, "wb")
        env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/nonexistent",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "MPLBACKEND": "Agg"}
        if self.public:  # the theory registry loads from the grader's cache (read before the guard)
            from ..theory import registry

            env["RATECHECK_CACHE_DIR"] = str(registry._cache_file().parent)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ratecheck.grading.child", str(to_child_r), str(from_child_w), json.dumps(cfg)],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
            cwd=self.workdir, start_new_session=True)
        out.close()
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(self._from_child, False)  # wire.recv reads first and selects only when it must wait
        header, _ = self._exchange({"op": "load", "cells": self.cells}, self.limits.load_seconds, oracle=None)
        self.load_errors, self.names = list(header.get("errors", []))[:50], list(header.get("names", []))[:500]

    def start(self) -> Sandbox:
        """Spawn the child and load the definitions now (else the first call does); fills names/load_errors."""
        self._ensure()
        return self

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            wire.send(self._to_child, {"op": "exit"})
        except wire.WireError:
            pass
        self._kill()

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole session: nothing it started survives
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()

    def _ensure(self) -> None:
        if self.proc is not None:
            return
        if self.restarts > self.limits.max_restarts:
            raise SubmissionError("the submission's process died too often; giving up on it")
        self._spawn()

    # ---- calls -----------------------------------------------------------------------------------------
    def _exchange(self, header: dict[str, Any], seconds: float, oracle: Any,
                  arrays: dict[str, np.ndarray] | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Send a request, serve the child's oracle queries, return its final answer."""
        left_total = self.limits.total_seconds - (time.monotonic() - self._started)
        if left_total <= 0:
            raise SubmissionError(f"the submission used up its total time ({self.limits.total_seconds:g} s)")
        deadline = time.monotonic() + min(seconds, left_total)
        try:
            wire.send(self._to_child, header, arrays)
            while True:
                h, a = wire.recv(self._from_child, deadline)
                op = h.get("op")
                if op in ("grad", "grad_i") and callable(oracle):
                    self._answer(oracle, op, a)
                elif op == "grads" and isinstance(oracle, list):
                    self._answer_batch(oracle, h, a)
                elif op in ("loaded", "result", "error"):
                    return h, a
                else:
                    raise wire.WireError(f"unexpected message {op!r}")
        except wire.WireError as exc:
            code = self.proc.poll() if self.proc is not None else None
            self.restarts += 1
            self._kill()
            if "timed out" in str(exc):
                raise SubmissionError(f"time limit exceeded ({min(seconds, left_total):.0f} s)") from None
            why = f"exit code {code}" if code is not None and code >= 0 else (
                f"killed by signal {-code}" if code is not None else str(exc))
            raise SubmissionError(f"the submission's process stopped ({why}): a crash, os._exit, or a "
                                  "resource limit (memory, CPU time)") from None

    def _answer(self, oracle: Any, op: str, a: dict[str, np.ndarray]) -> None:
        try:
            x = a["x"]
            g = oracle(x) if op == "grad" else oracle(x, a["idx"])
        except KeyError:
            wire.send(self._to_child, {"op": "refused", "msg": "malformed oracle query"})
        except ValueError as exc:  # OracleCallError: a malformed call is the submission's error, told to it
            wire.send(self._to_child, {"op": "refused", "msg": str(exc)})
        else:
            wire.send(self._to_child, {"op": "answer"}, {"g": g})

    def _answer_batch(self, oracles: list[Any], h: dict[str, Any], a: dict[str, np.ndarray]) -> None:
        ids = h.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) and 0 <= i < len(oracles) for i in ids):
            raise wire.WireError("malformed batch of oracle queries")
        stacked = "X" in a and "IDX" in a and len(a["X"]) == len(ids) == len(a["IDX"])
        rows, refused = [], {}
        for j, rid in enumerate(ids):
            try:
                x, idx = (a["X"][j], a["IDX"][j]) if stacked else (a[f"x{j}"], a[f"i{j}"])
                rows.append(oracles[rid](x, idx))
            except (KeyError, IndexError):
                refused[str(j)] = "malformed oracle query"
            except ValueError as exc:  # OracleCallError: that replicate's own mistake, told to it
                refused[str(j)] = str(exc)
        if not refused and rows and len({g.shape for g in rows}) == 1:
            out = {"G": np.stack(rows)}
        else:
            good = iter(rows)
            out = {f"g{j}": next(good) for j in range(len(ids)) if str(j) not in refused}
        wire.send(self._to_child, {"op": "answers", "refused": refused}, out)

    def call_replicated(self, name: str, oracles: list[Any], x0s: list[np.ndarray], args: dict[str, Any],
                        ) -> list[np.ndarray | BaseException]:
        """Replicates of an SGD call in one exchange (their oracle queries batched): per replicate, its
        iterates or the SubmissionError it ended with. x0s are updated in place as the submission left them."""
        self._ensure()
        header, arrays = self._exchange({"op": "rcall", "name": name, "method": "sgd", "args": args},
                                        self.limits.call_seconds * 4, oracles,
                                        {"x0": np.asarray(x0s[0], dtype=float)})
        if header.get("op") == "error":
            raise SubmissionError(str(header.get("msg", "the submission raised"))[:600])
        errors = header.get("errors", {}) if isinstance(header.get("errors"), dict) else {}
        out: list[np.ndarray | BaseException] = []
        for r, x0 in enumerate(x0s):
            after = arrays.get(f"x0{r}")
            if after is not None and after.shape == x0.shape and not np.array_equal(after, x0, equal_nan=True):
                np.copyto(x0, after, casting="unsafe")
            if f"xs{r}" in arrays:
                out.append(arrays[f"xs{r}"].copy())
            else:
                out.append(SubmissionError(str(errors.get(str(r), "the submission returned no iterates"))[:600]))
        return out

    def call(self, name: str, method: str, oracle: Callable[..., Any], x0: np.ndarray, args: dict[str, Any]) -> Any:
        self._ensure()
        header, arrays = self._exchange({"op": "call", "name": name, "method": method, "args": args},
                                        self.limits.call_seconds, oracle, {"x0": np.asarray(x0, dtype=float)})
        if header.get("op") == "error":
            raise SubmissionError(str(header.get("msg", "the submission raised"))[:600])
        if "xs" not in arrays:
            raise SubmissionError("the submission returned no iterates")
        self.last_type = str(header.get("type", ""))[:100]
        after = arrays.get("x0")
        if (isinstance(x0, np.ndarray) and after is not None and after.shape == x0.shape and x0.flags.writeable
                and not np.array_equal(after, x0, equal_nan=True)):
            np.copyto(x0, after, casting="unsafe")  # the submission modified its x0 in place: so does the caller's
        return arrays["xs"].copy()

    # ---- values the notebook computes (derivations, measurements) ------------------------------------------
    def _ask(self, header: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        """Run the op in the child (after the slice of the notebook that defines its name); its numbers."""
        self._ensure()
        reply, arrays = self._exchange(header, self.limits.call_seconds, oracle=None)
        if reply.get("op") == "error":
            raise SubmissionError(str(reply.get("msg", "the submission raised"))[:600])
        if reply.get("op") != "result" or "v" not in arrays:
            raise SubmissionError("the submission returned no value")
        self.last_type = str(reply.get("type", ""))[:100]
        return arrays["v"].astype(float), reply

    def evaluate(self, name: str, points: list[dict[str, float]]) -> tuple[np.ndarray, list[str]]:
        """The SymPy expression `name` of the notebook at each point ({symbol name: value}), as floats computed
        in the child (NaN where it fails, with the errors). The grader never sympifies the child's objects."""
        values, reply = self._ask({"op": "evaluate", "name": name,
                                   "points": [{str(k): float(v) for k, v in p.items()} for p in points]})
        if values.shape != (len(points),):
            raise SubmissionError(f"{name}: expected {len(points)} values, got shape {values.shape}")
        errors = [str(e)[:300] for e in reply.get("errors", [])][:5] if isinstance(reply.get("errors"), list) else []
        return values, errors

    def defines(self, name: str) -> bool:
        """Whether the notebook defines a function `name` (after running what defines it, if needed)."""
        return bool(self._ask({"op": "has", "name": name})[0].reshape(-1)[:1].sum() == 1.0)

    def value(self, name: str) -> np.ndarray:
        """The notebook's variable `name` as a float array (after running the statements that define it)."""
        return self._ask({"op": "value", "name": name})[0]

    def invoke(self, name: str, *args: str | float | int | bool | None) -> np.ndarray:
        """Call the notebook's function `name` with JSON arguments; its result as a float array."""
        return self._ask({"op": "invoke", "name": name, "args": list(args)})[0]

    # ---- teaching-form proxies --------------------------------------------------------------------------
    def function(self, name: str, method: str) -> Callable[..., Any]:
        """A teaching-form function for `method` that runs the submission's `name` in the child."""

        def table(value: Any, steps: int) -> Any:
            return [float(value(k)) for k in range(steps)] if callable(value) else float(value)

        if method == "sgd":
            def proxy(grad_i, n, x0, lr, steps, rng, batch_size=1):
                args = {"n": int(n), "lr": table(lr, steps), "steps": int(steps), "batch_size": int(batch_size),
                        "rng_state": rng.bit_generator.state}
                return self.call(name, method, grad_i, x0, args)

            def replicated(grads, n, x0s, lr, steps, rngs, batch_size=1):  # see checks.run.run_replicates
                args = {"n": int(n), "lr": table(lr, steps), "steps": int(steps), "batch_size": int(batch_size),
                        "rng_states": [r.bit_generator.state for r in rngs]}
                return self.call_replicated(name, list(grads), list(x0s), args)

            if importlib.util.find_spec("greenlet") is not None:  # the child runs replicates as greenlets
                proxy.replicated = replicated
        elif method == "gd":
            def proxy(grad, x0, lr, steps):
                return self.call(name, method, grad, x0, {"lr": table(lr, steps), "steps": int(steps)})
        else:
            def proxy(grad, x0, lr, momentum, steps):
                return self.call(name, method, grad, x0, {"lr": table(lr, steps),
                                                          "momentum": table(momentum, steps), "steps": int(steps)})
        proxy.__qualname__ = f"submission:{name}"
        return proxy
