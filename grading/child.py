"""The submission's process: runs a student's code under limits and serves calls from the grader.

Started by `Sandbox` as `python -m ratecheck.grading.child RFD WFD CONFIG_JSON`, normally inside bubblewrap's
namespaces (grading/isolation.py: it sees only the Python installation and this file's few neighbours). Before
any student code runs it sets resource limits, moves to an empty directory, installs a seccomp filter (no new
processes, no ptrace; where libseccomp is available) and an audit hook (PEP 578, irremovable) that refuses
writing files, reading outside the Python installation, spawning or signalling processes, sockets, ctypes and
importing ratecheck. The student's functions only ever see a proxy oracle: every gradient is computed, counted
and judged by the grader's process.

With `public` in the configuration (the modules a released notebook imports), those modules are imported
*before* the guard and stay importable; every other ratecheck module stays refused.

Requests (one handler each, `HANDLERS`): load, call, rcall, has, evaluate, value, invoke, exit. Every request
but load carries `upto`, the index of the test cell it is graded for: names are looked up as they stood when
that cell ran (grading/slicer.py decides which statements that needs; each `upto` has its own namespace).
"""

from __future__ import annotations

import ast
import errno
import json
import os
import resource
import sys
import tempfile
from collections.abc import Callable
from typing import Any

_repr = repr  # bound at import, before student code runs (it may rebind builtins)
LOW_PRECISIONS = ("float32", "float16", "bfloat16")  # dtypes whose name travels with the float64 iterates


def _precision(out: object) -> str:
    """The dtype name of a submission's iterates (an array, a torch tensor, a list of them), so the grader judges
    float32 code in float32 (checks.precision.precision_of, without importing the checker here)."""
    first = out
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    name = str(getattr(first, "dtype", "")).removeprefix("torch.")
    return name if name in LOW_PRECISIONS else "float64"


def _float64(out: object) -> object:
    """Low-precision iterates as float64 (exact): torch tensors (bfloat16 has no NumPy view) via .double()."""
    import numpy as np

    if isinstance(out, (list, tuple)):
        return np.array([_float64(o) for o in out], dtype=np.float64)
    if hasattr(out, "detach"):
        return out.detach().cpu().double().numpy()
    return np.asarray(out).astype(np.float64)


def _limits(cfg: dict) -> None:
    mem = int(cfg.get("memory_bytes", 1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(cfg.get("cpu_seconds", 60))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file may grow: writes fail
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _seccomp() -> bool:
    """No new processes or threads (fork, vfork, clone, exec) and no ptrace, cross-process memory access, pidfds,
    limits or mounts, enforced by the kernel whatever Python API is used. False without libseccomp."""
    try:
        import pyseccomp as sc

        flt = sc.SyscallFilter(defaction=sc.ALLOW)
        for call in ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
                     "kcmp", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "prlimit64", "setrlimit",
                     "unshare", "setns", "mount", "mknod", "mknodat"):
            flt.add_rule(sc.ERRNO(errno.EPERM), call)
        # no threads either: a thread bomb would exhaust the host's pids (RLIMIT_NPROC does not bind a child
        # that maps to root); the child's libraries start none (OPENBLAS_NUM_THREADS=1), honest code needs none
        flt.add_rule(sc.ERRNO(errno.EAGAIN), "clone")
        flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # its flags are behind a pointer: glibc falls back to clone
        flt.load()
    except Exception:  # ImportError, no libseccomp.so, an old kernel: the namespaces and the audit hook remain
        return False
    return True


def _guard(allowed_roots: list[str], denied_roots: list[str]) -> None:
    blocked_prefixes = ("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
                        "os.kill", "os.killpg", "signal.pthread_kill", "subprocess.", "socket.", "ctypes.",
                        "os.remove", "os.unlink", "os.rename", "os.replace", "os.mkdir", "os.rmdir", "os.chmod",
                        "os.chown", "os.truncate", "os.link", "os.symlink", "shutil.", "os.putenv", "os.unsetenv",
                        "winreg.", "webbrowser.", "pty.", "sys._current_frames", "os.setuid", "os.setgid",
                        "os.chdir", "os.utime", "os.setxattr", "os.removexattr", "os.mkfifo", "os.mknod",
                        "sqlite3.", "resource.setrlimit", "resource.prlimit")
    real = os.path.realpath
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            name = args[0] or ""
            if name == "ratecheck" or name.startswith("ratecheck."):
                raise ImportError("ratecheck is not available to submissions while grading")
            return
        if event == "open":
            path, mode, flags = ([*list(args), None, None, None])[:3]
            if isinstance(path, int):
                return  # an already-open descriptor
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int)
                                                                             and flags & write_flags):
                raise PermissionError(f"writing files is not allowed while grading: {path}")
            p = os.fsdecode(path) if isinstance(path, str | bytes) else ""
            if not os.path.isabs(p):  # relative to a directory descriptor or the cwd: refused, not resolved
                raise PermissionError(f"reading {path} is not allowed while grading (relative path)")
            p = real(p)
            # the most specific root decides: a virtualenv inside the (denied) package folder stays readable,
            # the package's own files (hidden checks, grader) do not
            allowed = max((len(a) for a in allowed_roots if p == a or p.startswith(a + os.sep)), default=-1)
            denied = max((len(d) for d in denied_roots if p == d or p.startswith(d + os.sep)), default=-1)
            if allowed < 0 or denied >= allowed:
                raise PermissionError(f"reading {path} is not allowed while grading")
            return
        if event.startswith(blocked_prefixes):
            raise PermissionError(f"{event} is not allowed while grading")

    sys.addaudithook(hook)


class _IPython:
    """What get_ipython() returns while grading: magics and shell escapes do nothing (the grader needs the
    notebook's definitions, not its plots, timings or shell commands)."""

    def run_line_magic(self, *args: object, **kwargs: object) -> None:
        return None

    run_cell_magic = system = run_line_magic

    def getoutput(self, *args: object, **kwargs: object) -> list:
        return []


class OracleError(ValueError):
    """The grader refused an oracle query (budget spent, bad shape): raised inside the student's call."""


def _format(exc: BaseException, limit: int = 500) -> str:
    return f"{type(exc).__name__}: {str(exc)[:limit]}"


class Session:
    """The child's side of the conversation: the loaded notebook, one namespace per `upto`, and one handler per
    request (HANDLERS). `send(header, arrays)` and `recv() -> (header, arrays)` are the channel to the grader;
    everything the handlers use is bound at construction, before any student code runs, so a submission that
    patches numpy or the wire module changes nothing here."""

    def __init__(self, send: Callable[..., None], recv: Callable[[], tuple[dict, dict]], seccomp: bool = False):
        import numpy as np  # before the guard (Session is built first): its shared libraries load from anywhere

        from .slicer import Notebook

        self.send, self.recv, self.seccomp = send, recv, seccomp
        self.asarray, self.float64, self.stack = np.asarray, np.float64, np.stack
        self.Generator, self.PCG64 = np.random.Generator, np.random.PCG64
        self.Notebook = Notebook
        try:  # the `grade` extra; without it the grader never asks for batched replicates
            from greenlet import getcurrent, greenlet
        except ImportError:
            getcurrent = greenlet = None
        self.getcurrent, self.greenlet = getcurrent, greenlet
        self.notebook = Notebook([])
        self.spaces: dict = {}  # upto -> (namespace, indices of the statements run in it)

    # ---- the oracle the student's code calls: every query answered by the grader ----------------------------
    def ask(self, op: str, arrays: dict) -> Any:
        self.send({"op": op}, arrays)
        header, reply = self.recv()
        if header.get("op") != "answer":
            raise OracleError(str(header.get("msg", "the oracle refused the call")))
        return reply["g"]

    def grad(self, x: Any) -> Any:
        return self.ask("grad", {"x": self.asarray(x, dtype=self.float64)})

    def grad_i(self, x: Any, idx: Any) -> Any:
        return self.ask("grad_i", {"x": self.asarray(x, dtype=self.float64), "idx": self.asarray(idx)})

    # ---- names as of a cell -------------------------------------------------------------------------------
    def space(self, upto: int | None) -> dict:
        if upto not in self.spaces:
            self.spaces[upto] = ({"__name__": "__submission__", "get_ipython": _IPython}, set())
        return self.spaces[upto][0]

    def prepare(self, names: list[str], upto: int | None) -> list[str]:
        """Run (once per namespace) the statements that define `names` as of cell `upto`; their errors."""
        ns, done = self.space(upto), self.spaces[upto][1]
        problems = []
        for j in self.notebook.plan(set(names), upto):
            if j in done:
                continue
            done.add(j)
            st = self.notebook.statements[j]
            try:
                exec(compile(ast.Module([st.node], []), f"<cell {st.cell}>", "exec"), ns)
            except BaseException as exc:
                problems.append(f"cell {st.cell}, line {st.line}: {_repr(exc)[:300]}")
        return problems[:20]

    def lookup(self, header: dict) -> tuple[str, Any, bool, list[str]]:
        """The submission's object `name` as of the request's cell, whether it is defined, the problems met."""
        name, upto = str(header.get("name", "")), header.get("upto")
        upto = upto if isinstance(upto, int) else None
        problems = self.prepare([name], upto)
        return name, self.space(upto).get(name, None), name in self.space(upto), problems

    # ---- a teaching-form call -----------------------------------------------------------------------------
    def argument(self, spec: list, x0: Any, rng: Any, oracle: Callable | None = None) -> Any:
        """One argument from its description: the oracle, x0, the rng, a schedule (a table indexed by k) or a
        plain value."""
        kind, value = spec
        if kind == "oracle":
            return oracle or (self.grad if value == "grad" else self.grad_i)
        if kind == "x0":
            return x0
        if kind == "rng":
            return rng
        if kind == "schedule":
            table = list(value)
            return lambda k: table[int(k)]
        return value

    def call_with(self, fn: Callable, a: dict, x0: Any, rng: Any, oracle: Callable | None = None) -> Any:
        args = [self.argument(s, x0, rng, oracle) for s in a["args"]]
        kwargs = {k: self.argument(s, x0, rng, oracle) for k, s in a.get("kwargs", {}).items()}
        return fn(*args, **kwargs)

    def rng_of(self, state: dict | None) -> Any:
        if state is None:
            return None
        rng = self.Generator(self.PCG64())
        rng.bit_generator.state = state
        return rng

    def iterates(self, out: Any) -> tuple[Any, str]:
        """A call's result as float64 iterates, and the dtype it was computed in."""
        dtype = _precision(out)
        return (self.asarray(out, dtype=self.float64) if dtype == "float64" else _float64(out)), dtype

    # ---- the handlers -------------------------------------------------------------------------------------
    def on_load(self, header: dict, arrays: dict) -> None:
        self.notebook = self.Notebook([str(c) for c in header["cells"]])
        self.spaces.clear()
        self.send({"op": "loaded", "errors": self.notebook.errors[:50], "names": self.notebook.functions()[:500],
                   "seccomp": self.seccomp})

    def on_call(self, header: dict, arrays: dict) -> None:
        name, fn, _, problems = self.lookup(header)
        if not callable(fn):
            why = f"; {problems[-1]}" if problems else ""
            self.send({"op": "error", "msg": f"the submission defines no function {name!r}{why}"})
            return
        a, x0 = header["args"], arrays["x0"].copy()
        try:
            out = self.call_with(fn, a, x0, self.rng_of(a.get("rng_state")))
            kind = type(out).__name__
            xs, dtype = self.iterates(out)
        except BaseException as exc:
            self.send({"op": "error", "msg": _format(exc)})
            return
        self.send({"op": "result", "type": kind, "dtype": dtype}, {"xs": xs, "x0": x0})  # x0 as the call left it

    def on_rcall(self, header: dict, arrays: dict) -> None:
        """Replicates of a stochastic call, each in its own greenlet; once every unfinished replicate waits on
        the oracle, all their queries go to the grader in one message."""
        name, fn, _, _ = self.lookup(header)
        if not callable(fn):
            self.send({"op": "error", "msg": f"the submission defines no function {name!r}"})
            return
        if self.greenlet is None:
            self.send({"op": "error", "msg": "batched replicates need greenlet (the grade extra)"})
            return
        a = header["args"]
        count = len(a["rng_states"])
        results: dict = {}
        errors: dict = {}
        dtypes: dict = {}
        x0s = [arrays["x0"].copy() for _ in range(count)]
        hub = self.getcurrent()  # the coordinator; each replicate is a greenlet that switches back here to query

        def grad_i_r(x: Any, idx: Any) -> Any:
            answer = hub.switch((self.asarray(x, dtype=self.float64), self.asarray(idx)))
            if isinstance(answer, str):
                raise OracleError(answer)
            return answer

        def replicate(rid: int) -> None:
            try:
                out = self.call_with(fn, a, x0s[rid], self.rng_of(a["rng_states"][rid]), oracle=grad_i_r)
                results[rid], dtypes[rid] = self.iterates(out)
            except BaseException as exc:
                errors[rid] = _format(exc)
            return None  # finished: back to the hub with no query

        waiting = {}  # rid -> (greenlet, its query)
        for rid in range(count):
            g = self.greenlet(replicate)
            query = g.switch(rid)
            if query is not None:
                waiting[rid] = (g, query)
        while waiting:
            batch = list(waiting.items())
            xs_q = [q[0] for _, (_, q) in batch]
            is_q = [q[1] for _, (_, q) in batch]
            if len({x.shape for x in xs_q}) == 1 and len({i.shape for i in is_q}) == 1:
                out = {"X": self.stack(xs_q), "IDX": self.stack(is_q)}  # the common case: two arrays
            else:
                out = {}
                for j in range(len(batch)):
                    out[f"x{j}"], out[f"i{j}"] = xs_q[j], is_q[j]
            self.send({"op": "grads", "ids": [rid for rid, _ in batch]}, out)
            reply, got = self.recv()
            refused, G = reply.get("refused", {}), got.get("G")
            waiting = {}
            for j, (rid, (g, _)) in enumerate(batch):
                query = g.switch(str(refused[str(j)]) if str(j) in refused
                                 else (G[j] if G is not None else got[f"g{j}"]))
                if query is not None and not g.dead:
                    waiting[rid] = (g, query)
        arrays_out = {f"xs{r}": v for r, v in results.items()}
        arrays_out.update({f"x0{r}": x0s[r] for r in range(count)})
        self.send({"op": "result", "errors": {str(r): m for r, m in errors.items()},
                   "dtypes": {str(r): d for r, d in dtypes.items()}}, arrays_out)

    def on_has(self, header: dict, arrays: dict) -> None:
        try:
            _, fn, _, _ = self.lookup(header)
        except BaseException:
            fn = None
        self.send({"op": "result", "type": "bool"}, {"v": self.asarray([1.0 if callable(fn) else 0.0])})

    def on_evaluate(self, header: dict, arrays: dict) -> None:
        self.numbers(header, _evaluate)

    def on_invoke(self, header: dict, arrays: dict) -> None:
        self.numbers(header, _invoke)

    def on_value(self, header: dict, arrays: dict) -> None:
        self.numbers(header, lambda target, header, errors: (target, type(target).__name__))

    def numbers(self, header: dict, compute: Callable[[Any, dict, list[str]], tuple[Any, str]]) -> None:
        """Answer with numbers computed from the submission's object `name` (its type name, its errors)."""
        try:
            name, target, defined, problems = self.lookup(header)
            if not defined:
                why = f"; {problems[-1]}" if problems else ""
                self.send({"op": "error", "msg": f"the submission does not define {name!r}{why}"})
                return
            errors: list[str] = []
            out, kind = compute(target, header, errors)
            result = self.asarray(out, dtype=self.float64)
        except BaseException as exc:
            self.send({"op": "error", "msg": _format(exc)})
            return
        self.send({"op": "result", "type": kind, "errors": errors[:5]}, {"v": result})

    def serve(self, closed: type[BaseException]) -> None:
        """Answer requests until `exit` or until the channel closes (`closed` raised by recv)."""
        while True:
            try:
                header, arrays = self.recv()
            except closed:
                return
            op = header.get("op")
            if op == "exit":
                return
            handler = HANDLERS.get(op)
            if handler is None:
                self.send({"op": "error", "msg": f"unknown request {op!r}"})
                continue
            handler(self, header, arrays)


HANDLERS: dict[str, Callable[[Session, dict, dict], None]] = {
    "load": Session.on_load, "call": Session.on_call, "rcall": Session.on_rcall, "has": Session.on_has,
    "evaluate": Session.on_evaluate, "value": Session.on_value, "invoke": Session.on_invoke}


def _evaluate(target: Any, header: dict, errors: list[str]) -> tuple[list[float], str]:
    """A SymPy answer's values at the request's points (compiled once; evalf where the compiled form fails)."""
    import sympy

    expr = sympy.sympify(target)
    by_name = {str(sym): sym for sym in expr.free_symbols}
    names = sorted(by_name)
    try:  # evalf per point costs ~0.1 s each
        fast = sympy.lambdify([by_name[n] for n in names], expr, "math")
    except BaseException:
        fast = None
    values = []
    for point in header.get("points", []):
        try:
            if fast is not None and all(n in point for n in names):
                try:
                    values.append(float(fast(*[float(point[n]) for n in names])))
                    continue
                except BaseException:
                    pass
            subs = {by_name[k]: float(v) for k, v in point.items() if k in by_name}
            values.append(float(expr.evalf(subs=subs)))
        except BaseException as exc:
            values.append(float("nan"))
            errors.append(_format(exc, 200))
    return values, type(target).__name__


def _invoke(target: Any, header: dict, errors: list[str]) -> tuple[Any, str]:
    if not callable(target):
        raise TypeError("it is not a function")
    out = target(*header.get("args", []))
    return out, type(out).__name__


def main() -> None:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    cfg = json.loads(sys.argv[3])
    from ratecheck.grading import wire

    send, recv, closed = wire.send, wire.recv, wire.WireError  # bound now: student code cannot swap them
    session = Session(lambda header, arrays=None: send(wfd, header, arrays),
                      lambda: recv(rfd, max_header=wire.MAX_PAYLOAD))  # the grader's messages: cells of any size
    public = [str(m) for m in cfg.get("public", [])]
    if public:  # the released notebook's own imports, loaded now (their files are outside the allowed roots)
        import importlib

        for name in public:
            importlib.import_module(name)
        if "ratecheck.theory" in public:
            sys.modules["ratecheck.theory"].bounds()  # the registry, from the grader's cache
    keep = {p for name in public for p in [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)]}
    keep |= {m for m in sys.modules if any(m.startswith(p + ".") for p in public)}
    os.chdir(tempfile.mkdtemp(prefix="ratecheck-sub-"))
    _limits(cfg)
    for name in [m for m in sys.modules if (m == "ratecheck" or m.startswith("ratecheck.")) and m not in keep]:
        parent, _, child = name.rpartition(".")
        if parent in keep and hasattr(sys.modules[parent], child):
            delattr(sys.modules[parent], child)  # no path from a public package to the grader's modules
        del sys.modules[name]
    session.seccomp = _seccomp() if cfg.get("seccomp", True) else False
    if cfg.get("audit_hook", True):
        _guard(cfg["allowed_roots"], cfg["denied_roots"])
    session.serve(closed)


if __name__ == "__main__":
    main()
