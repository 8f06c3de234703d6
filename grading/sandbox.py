"""The grader's side of a submission: a child process running the student's code (grading/child.py) and
teaching-form proxies that `ratecheck.checks.check` can call as if they were the student's functions.

Every gradient the student's code asks for is computed here, by the counted oracle the checks handed to the
proxy; the child only ever holds x and g. Nothing the child does can change how it is judged: it can only
answer late (a time limit), answer wrongly (the checks see it), or die (the call fails, the next one gets a
fresh child, up to `max_restarts`).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import inspect
import json
import os
import select
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks.precision import numpy_dtype
from . import isolation, wire


class SubmissionError(RuntimeError):
    """The submission failed a call: it raised, exceeded its CPU budget or a limit, or its process died."""


class Backstop(SubmissionError):
    """The wall-time backstop passed while the submission was under its CPU budget: the machine was busy or the
    submission waits (sleep, blocking). Not the submission's fault by itself: the grader retries it."""


@dataclass(frozen=True)
class Limits:
    """Budgets are CPU seconds of the submission's process tree (what load on the machine does not change);
    wall time is only a generous backstop."""

    cpu_part_seconds: float = 60.0  # CPU budget of one graded part (calibrated from the reference: rubric.py)
    cpu_load_seconds: float = 30.0  # CPU budget of executing the notebook's definitions
    call_seconds: float = 300.0  # wall backstop of one exchange with the child
    load_seconds: float = 300.0  # wall backstop of starting the child and loading the notebook
    total_seconds: float = 3600.0  # wall backstop of everything for one submission
    cpu_seconds: int = 1200  # CPU time of the child over its life (RLIMIT_CPU, the kernel's hard stop)
    memory_bytes: int = 2 << 30  # address space of the child (RLIMIT_AS)
    output_bytes: int = 1 << 16  # what is kept of the child's stdout+stderr
    max_restarts: int = 3
    backstop_retries: int = 2  # regrades of a submission that hit the wall backstop under its CPU budget
    isolation: str = isolation.NAMESPACES  # or isolation.WEAK: in-process only (explicit opt-in)
    # The in-process layers under the namespaces; tests turn them off to show each layer holds on its own.
    seccomp: bool = True
    audit_hook: bool = True


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_POLL = 0.5  # wall seconds between CPU-budget checks while the child works


def _in_precision(xs: np.ndarray, dtype: object) -> np.ndarray:
    """The child's float64 iterates back in the submission's own dtype (exact), so the checks judge float32 code
    with float32's tolerances; anything else stays float64."""
    if dtype in ("float32", "float16", "bfloat16"):
        return xs.astype(numpy_dtype(dtype))
    return xs.copy()


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system, reaped children included) of `root` and every process below it. Inside the
    sandbox's PID namespace orphans are re-parented to its init, which is below root, so nothing escapes."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return 0.0
    for name in entries:
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2:].split()
        pid = int(name)
        parent[pid] = int(fields[1])
        ticks[pid] = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    below, todo = {root}, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in below:
                below.add(c)
                todo.append(c)
    return sum(ticks.get(p, 0) for p in below) / _TICK


def _roots() -> tuple[list[str], list[str]]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    # the ratecheck package is denied: the hidden checks and the grader live there
    return sorted(os.path.realpath(p) for p in paths), [str(isolation.PACKAGE)]


@dataclass
class _Child:
    proc: subprocess.Popen
    to_child: int
    from_child: int

    def kill(self) -> None:
        for fd in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


_SPARES: dict[tuple, _Child] = {}  # started children waiting for their notebook, by configuration


@atexit.register
def discard_spares() -> None:
    """Kill the waiting children (also at the worker's exit; bubblewrap's --die-with-parent covers a crash)."""
    while _SPARES:
        _SPARES.popitem()[1].kill()


class Sandbox:
    """One submission's code in a separate, isolated process. Use as a context manager.

    `cutoff` (the index of the test cell being graded) makes every lookup see names as they stood when that
    cell ran; `begin_part(cpu_seconds)` starts a part's CPU budget."""

    def __init__(self, cells: list[str], limits: Limits | None = None, workdir: str | None = None,
                 public: tuple[str, ...] = (), warm: bool = False) -> None:
        """public: ratecheck modules the submission may import (what a released notebook imports, e.g.
        ratecheck.theory); they are loaded before the child's guard. Everything else of ratecheck stays refused.
        warm: keep one started child in reserve for the next Sandbox of the same configuration (a batch), so its
        start-up (imports, namespaces) overlaps this one's grading; it has run no student code when it is used."""
        self.cells, self.limits = list(cells), limits or Limits()
        self.workdir = workdir
        self.public = tuple(public)
        self.warm = warm
        self.mode = isolation.require(self.limits.isolation)
        self.last_type: str | None = None  # the Python type the submission's last call returned
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self.load_errors: list[str] = []
        self.names: list[str] = []
        self.seccomp = False
        self.cutoff: int | None = None
        self._started = time.monotonic()
        self._budget = self.limits.cpu_part_seconds
        self._cpu0 = 0.0  # the child's CPU when the current budget began
        self._cpu_base = 0.0  # CPU of earlier (killed) children in the current budget
        self._since_check = 0.0
        self._cpu_seen = 0.0  # the highest reading of the live child (a dead one's reading drops)

    # ---- lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _command(self, argv: list[str], cache_dir: str | None) -> list[str]:
        if self.mode == isolation.WEAK:
            return argv
        return isolation.bwrap_command(argv, isolation.public_paths(self.public), [cache_dir] if cache_dir else [])

    def _launch(self) -> _Child:
        """A new child process, started up to where it waits for the notebook (no student code has run)."""
        allowed, denied = _roots()
        cfg = {"memory_bytes": self.limits.memory_bytes, "cpu_seconds": self.limits.cpu_seconds,
               "allowed_roots": allowed, "denied_roots": denied, "public": list(self.public),
               "seccomp": self.limits.seccomp, "audit_hook": self.limits.audit_hook}
        to_child_r, to_child = os.pipe()
        from_child, from_child_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/nonexistent",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "MPLBACKEND": "Agg"}
        cache_dir = None
        if self.public:  # the theory registry loads from the grader's cache (read before the guard)
            from ..theory import registry

            registry.bounds()  # derived and cached here first: the child only reads the cache (read-only)
            cache_dir = str(registry.cache_dir())
            env["RATECHECK_CACHE_DIR"] = cache_dir
        argv = [sys.executable, "-m", "ratecheck.grading.child", str(to_child_r), str(from_child_w), json.dumps(cfg)]
        with open(os.devnull, "wb") as out:
            proc = subprocess.Popen(
                self._command(argv, cache_dir), pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                stdout=out, stderr=out, env=env, cwd=self.workdir or "/", start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(from_child, False)  # wire.recv reads first and selects only when it must wait
        os.set_blocking(to_child, False)  # a child that stops reading cannot block the grader's writes
        return _Child(proc, to_child, from_child)

    def _key(self) -> tuple:
        return (self.public, self.mode, self.limits.memory_bytes, self.limits.cpu_seconds, self.limits.seccomp,
                self.limits.audit_hook, self.workdir)

    def _spawn(self) -> None:
        child = _SPARES.pop(self._key(), None) if self.warm else None
        if child is None or child.proc.poll() is not None:
            if child is not None:
                child.kill()
            child = self._launch()
        if self.warm:  # the next submission's child starts now, while this one is graded (a warm pool of one)
            _SPARES[self._key()] = self._launch()
        self.proc, self._to_child, self._from_child = child.proc, child.to_child, child.from_child
        self._cpu0 = 0.0
        budget, cpu_before = self._budget, self._cpu_base
        self._budget, self._cpu_base = self.limits.cpu_load_seconds, 0.0
        header, _ = self._exchange({"op": "load", "cells": self.cells}, self.limits.load_seconds, oracle=None)
        self._budget, self._cpu_base = budget, cpu_before + self._cpu_base  # loading has its own budget
        self._cpu0 = self._child_cpu()
        self.load_errors, self.names = list(header.get("errors", []))[:50], list(header.get("names", []))[:500]
        self.seccomp = bool(header.get("seccomp"))

    def start(self) -> Sandbox:
        """Spawn the child and load the definitions now (else the first call does); fills names/load_errors."""
        self._ensure()
        return self

    def begin_part(self, cpu_seconds: float | None = None) -> None:
        """Start a new CPU budget (a graded part): what the child uses from now on counts against it."""
        self._budget = self.limits.cpu_part_seconds if cpu_seconds is None else float(cpu_seconds)
        self._cpu_base = 0.0
        self._cpu0 = self._child_cpu() if self.proc is not None else 0.0
        self.restarts = 0  # each part gets its own restart budget: a crash in one part costs only that part

    def cpu_used(self) -> float:
        """CPU seconds the submission's processes used in the current budget."""
        if self.proc is None:
            return self._cpu_base
        self._cpu_seen = max(self._cpu_seen, self._child_cpu())
        return self._cpu_base + max(0.0, self._cpu_seen - self._cpu0)

    def _child_cpu(self) -> float:
        return tree_cpu(self.proc.pid) if self.proc is not None else 0.0

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            wire.send(self._to_child, {"op": "exit"}, deadline=time.monotonic() + 1.0)
        except wire.WireError:
            pass
        self._kill()

    def _kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        try:
            self._cpu_base += max(0.0, max(self._child_cpu(), self._cpu_seen) - self._cpu0)
        except Exception:
            pass
        self._cpu_seen = 0.0
        self.proc = None
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
        """Send a request, serve the child's oracle queries, return its final answer. The CPU budget is checked
        every _POLL seconds of waiting; the wall deadline is a backstop only."""
        left_total = self.limits.total_seconds - (time.monotonic() - self._started)
        if left_total <= 0:
            raise Backstop(f"the submission used up its total wall time ({self.limits.total_seconds:g} s)")
        t0 = time.monotonic()
        deadline = t0 + min(seconds, left_total)
        fd = self._from_child
        try:
            wire.send(self._to_child, {**header, "upto": self.cutoff}, arrays, deadline)
            while True:
                tick = time.monotonic()
                if not select.select([fd], [], [], max(0.0, min(_POLL, deadline - tick)))[0]:
                    self._since_check += time.monotonic() - tick
                    self._check_cpu(deadline)
                    continue
                h, a = wire.recv(fd, deadline)
                op = h.get("op")
                if op in ("grad", "grad_i") and isinstance(oracle, dict) and callable(oracle.get(op)):
                    self._answer(oracle[op], op, a, deadline)
                elif op in ("grad", "grad_i") and callable(oracle):
                    self._answer(oracle, op, a, deadline)
                elif op == "grads" and isinstance(oracle, list):
                    self._answer_batch(oracle, h, a, deadline)
                elif op in ("loaded", "result", "error"):
                    self._since_check += time.monotonic() - t0
                    if self._since_check > _POLL:
                        self._check_cpu(None)
                    return h, a
                else:
                    raise wire.WireError(f"unexpected message {op!r}")
        except wire.WireError as exc:
            code = self.proc.poll() if self.proc is not None else None
            self.restarts += 1
            self._kill()
            if "timed out" in str(exc):
                raise self._backstop(min(seconds, left_total)) from None
            why = f"exit code {code}" if code is not None and code >= 0 else (
                f"killed by signal {-code}" if code is not None else str(exc))
            raise SubmissionError(f"the submission's process stopped ({why}): a crash, os._exit, or a "
                                  "resource limit (memory, CPU time)") from None

    def _check_cpu(self, deadline: float | None) -> None:
        """Over the CPU budget: the submission's fault (killed, scored down). Past the wall deadline under it:
        a backstop (retried by the grader, never scored down for it)."""
        self._since_check = 0.0
        used = self.cpu_used()
        if used > self._budget:
            self.restarts += 1
            self._kill()
            raise SubmissionError(f"CPU time limit exceeded: used {used:.1f} s of CPU, the budget is "
                                  f"{self._budget:.1f} s")
        if deadline is not None and time.monotonic() >= deadline:
            raise wire.WireError("timed out")

    def _backstop(self, seconds: float) -> Backstop:
        return Backstop(f"wall-time backstop ({seconds:.0f} s) passed with {self.cpu_used():.1f} s of "
                        f"{self._budget:.1f} s CPU used: the machine was busy or the submission waits")

    def _answer(self, oracle: Any, op: str, a: dict[str, np.ndarray], deadline: float) -> None:
        try:
            x = a["x"]
            g = oracle(x) if op == "grad" else oracle(x, a["idx"])
        except KeyError:
            wire.send(self._to_child, {"op": "refused", "msg": "malformed oracle query"}, deadline=deadline)
        except ValueError as exc:  # OracleCallError: a malformed call is the submission's error, told to it
            wire.send(self._to_child, {"op": "refused", "msg": str(exc)}, deadline=deadline)
        else:
            wire.send(self._to_child, {"op": "answer"}, {"g": g}, deadline)

    def _answer_batch(self, oracles: list[Any], h: dict[str, Any], a: dict[str, np.ndarray], deadline: float
                      ) -> None:
        ids = h.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) and 0 <= i < len(oracles) for i in ids):
            raise wire.WireError("malformed batch of oracle queries")
        stacked = "X" in a and "IDX" in a and len(a["X"]) == len(ids) == len(a["IDX"])
        answer = getattr(oracles, "answer", None)  # ComponentRows: the whole batch in one vectorised call
        G = answer(ids, a["X"], a["IDX"]) if stacked and answer is not None else None
        if G is not None:
            wire.send(self._to_child, {"op": "answers", "refused": {}}, {"G": G}, deadline)
            return
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
        wire.send(self._to_child, {"op": "answers", "refused": refused}, out, deadline)

    def call_replicated(self, name: str, oracles: list[Any], x0s: list[np.ndarray], args: dict[str, Any],
                        ) -> list[np.ndarray | BaseException]:
        """Replicates of a stochastic call in one exchange (their oracle queries batched): per replicate, its
        iterates or the SubmissionError it ended with. x0s are updated in place as the submission left them."""
        self._ensure()
        header, arrays = self._exchange({"op": "rcall", "name": name, "args": args},
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
                out.append(_in_precision(arrays[f"xs{r}"], header.get("dtypes", {}).get(str(r))))
            else:
                out.append(SubmissionError(str(errors.get(str(r), "the submission returned no iterates"))[:600]))
        return out

    def call(self, name: str, oracle: Callable[..., Any] | dict[str, Callable[..., Any]], x0: np.ndarray,
             args: dict[str, Any]) -> Any:
        """Run the submission's `name` in the child with `args` (Signature.wire), serving its oracle queries
        (`oracle`: one callable, or one per kind: {"grad": ..., "grad_i": ...})."""
        self._ensure()
        header, arrays = self._exchange({"op": "call", "name": name, "args": args},
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
        return _in_precision(arrays["xs"], header.get("dtype"))

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
    def function(self, name: str, method: str | Signature) -> Callable[..., Any]:
        """A teaching-form function of `method` (a method name or its Signature) that runs the submission's
        `name` in the child: called like the method's reference implementation, it returns its iterates."""
        sig = method if isinstance(method, Signature) else signature(method)

        def proxy(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(args, kwargs)
            oracles = {n: bound[n] for n in sig.oracles}  # e.g. SVRG's full gradient and its components
            return self.call(name, oracles, bound["x0"], sig.wire(bound, rngs=None))

        def replicated(*args: Any, **kwargs: Any) -> list[np.ndarray | BaseException]:  # checks.run_replicates
            bound = sig.bind(args, kwargs)
            oracles, x0s = bound[sig.oracle], list(bound["x0"])
            oracles = oracles if isinstance(oracles, list) else list(oracles)  # keeps ComponentRows.answer
            return self.call_replicated(name, oracles, x0s, sig.wire(bound, rngs=list(bound[sig.rng])))

        if sig.rng is not None and importlib.util.find_spec("greenlet") is not None:
            proxy.replicated = replicated  # the child runs replicates as greenlets
        proxy.__qualname__ = f"submission:{name}"
        proxy.__signature__ = sig.python()
        return proxy


@dataclass(frozen=True)
class Signature:
    """A teaching-form call as data: each parameter's name and role, in order. Roles: "oracle:grad" or
    "oracle:grad_i" (the gradient callable), "x0", "rng" (a numpy Generator) and "value" (an integer such as
    steps or n, a float, or a schedule k -> float, tabulated over the steps for the child)."""

    params: tuple[tuple[str, str], ...]
    defaults: tuple[tuple[str, Any], ...] = ()
    steps: str = "steps"  # the parameter that tells how long schedules must be tabulated

    @property
    def oracle(self) -> str:
        return self.oracles[0]

    @property
    def oracles(self) -> list[str]:
        return [n for n, r in self.params if r.startswith("oracle:")]

    @property
    def rng(self) -> str | None:
        return next((n for n, r in self.params if r == "rng"), None)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = [n for n, _ in self.params]
        if len(args) > len(names) or set(kwargs) - set(names):
            raise TypeError(f"expected ({', '.join(names)}), got {len(args)} positional and {sorted(kwargs)}")
        bound = {**dict(self.defaults), **dict(zip(names, args, strict=False)), **kwargs}
        if missing := [n for n in names if n not in bound]:
            raise TypeError(f"missing argument(s) {missing}")
        return bound

    def wire(self, bound: dict[str, Any], rngs: list[Any] | None) -> dict[str, Any]:
        """The call as JSON for the child: each argument as [kind, value] (see child.argument)."""
        steps = int(bound.get(self.steps, 0))
        out: list[list[Any]] = []
        for name, role in self.params:
            value = bound[name]
            if role.startswith("oracle:"):
                out.append(["oracle", role.split(":", 1)[1]])
            elif role in ("x0", "rng"):
                out.append([role, None])
            elif callable(value):
                out.append(["schedule", [float(value(k)) for k in range(steps)]])
            elif isinstance(value, int | np.integer) and not isinstance(value, bool):
                out.append(["value", int(value)])  # steps, n, batch sizes stay integers
            elif value is None or isinstance(value, str | bool):
                out.append(["value", value])  # an option (SVRG's snapshot="random", inner_steps=None)
            else:
                out.append(["value", float(value)])
        data: dict[str, Any] = {"args": out}
        if rngs is not None:
            data["rng_states"] = [r.bit_generator.state for r in rngs]
        elif self.rng is not None:
            data["rng_state"] = bound[self.rng].bit_generator.state
        return data

    def python(self) -> inspect.Signature:
        defaults = dict(self.defaults)
        return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                    default=defaults.get(n, inspect.Parameter.empty))
                                  for n, _ in self.params])


def signature(method: str) -> Signature:
    """The teaching-form signature of a method, from its Method spec (ratecheck.methods)."""
    from ..methods import get

    data = get(method).signature_data()
    oracles, names = set(data["oracles"]), [*data["args"], *data["kwargs"]]

    def role(name: str) -> str:
        return f"oracle:{name}" if name in oracles else name if name in ("x0", "rng") else "value"

    return Signature(tuple((n, role(n)) for n in names), tuple(data["kwargs"].items()), data["steps"])
