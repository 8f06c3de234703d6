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

import errno
import json
import os
import resource
import sys
import tempfile

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


def main() -> None:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    cfg = json.loads(sys.argv[3])
    import ast

    import numpy as np  # before the guard: its shared libraries load from wherever they live
    try:  # the `grade` extra; without it the grader never asks for batched replicates
        from greenlet import getcurrent, greenlet
    except ImportError:
        getcurrent = greenlet = None
    from ratecheck.grading import wire
    from ratecheck.grading.slicer import Notebook

    send, WireError = wire.send, wire.WireError  # bound now: student code cannot swap them

    def recv(fd: int):
        return wire.recv(fd, max_header=wire.MAX_PAYLOAD)  # the grader's messages: cells of any size

    asarray, float64, Generator, PCG64 = np.asarray, np.float64, np.random.Generator, np.random.PCG64
    np_stack = np.stack
    exc_format = repr
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
    seccomp = _seccomp() if cfg.get("seccomp", True) else False
    if cfg.get("audit_hook", True):
        _guard(cfg["allowed_roots"], cfg["denied_roots"])

    class OracleError(ValueError):
        pass

    def ask(op: str, arrays: dict) -> object:
        send(wfd, {"op": op}, arrays)
        header, reply = recv(rfd)
        if header.get("op") != "answer":
            raise OracleError(str(header.get("msg", "the oracle refused the call")))
        return reply["g"]

    def grad(x):
        return ask("grad", {"x": asarray(x, dtype=float64)})

    def grad_i(x, idx):
        return ask("grad_i", {"x": asarray(x, dtype=float64), "idx": asarray(idx)})

    notebook = Notebook([])
    spaces: dict = {}  # upto -> (namespace, indices of statements run in it)

    def space(upto):
        if upto not in spaces:
            spaces[upto] = ({"__name__": "__submission__", "get_ipython": _IPython}, set())
        return spaces[upto][0]

    def prepare(names: list[str], upto) -> list[str]:
        """Run (once per namespace) the statements that define `names` as of cell `upto`; their errors."""
        ns = space(upto)
        done = spaces[upto][1]
        problems = []
        for j in notebook.plan(set(names), upto):
            if j in done:
                continue
            done.add(j)
            st = notebook.statements[j]
            try:
                exec(compile(ast.Module([st.node], []), f"<cell {st.cell}>", "exec"), ns)
            except BaseException as exc:
                problems.append(f"cell {st.cell}, line {st.line}: {exc_format(exc)[:300]}")
        return problems[:20]

    def lookup(header: dict):
        """The submission's object `name` as of the request's cell, with the problems met defining it."""
        name, upto = str(header.get("name", "")), header.get("upto")
        upto = upto if isinstance(upto, int) else None
        problems = prepare([name], upto)
        return name, space(upto).get(name, None), name in space(upto), problems

    def argument(spec, x0, rng):
        """One argument of a teaching-form call, from its description: the oracle, x0, the rng, a schedule
        (a table indexed by k) or a plain value."""
        kind, value = spec
        if kind == "oracle":
            return grad if value == "grad" else grad_i
        if kind == "x0":
            return x0
        if kind == "rng":
            return rng
        if kind == "schedule":
            table = list(value)
            return lambda k: table[int(k)]
        return value

    def call_with(fn, a: dict, x0, rng, oracle=None):
        args = [argument(s, x0, rng) for s in a["args"]]
        kwargs = {k: argument(s, x0, rng) for k, s in a.get("kwargs", {}).items()}
        if oracle is not None:  # a replicate's own oracle
            args = [oracle if s[0] == "oracle" else v for s, v in zip(a["args"], args, strict=True)]
        return fn(*args, **kwargs)

    def rng_of(state):
        if state is None:
            return None
        rng = Generator(PCG64())
        rng.bit_generator.state = state
        return rng

    def on_load(header: dict, arrays: dict) -> None:
        nonlocal notebook
        notebook = Notebook([str(c) for c in header["cells"]])
        spaces.clear()
        send(wfd, {"op": "loaded", "errors": notebook.errors[:50], "names": notebook.functions()[:500],
                   "seccomp": seccomp})

    def on_call(header: dict, arrays: dict) -> None:
        name, fn, _, problems = lookup(header)
        if not callable(fn):
            why = f"; {problems[-1]}" if problems else ""
            send(wfd, {"op": "error", "msg": f"the submission defines no function {name!r}{why}"})
            return
        a = header["args"]
        x0 = arrays["x0"].copy()
        try:
            out = call_with(fn, a, x0, rng_of(a.get("rng_state")))
            kind, dtype = type(out).__name__, _precision(out)
            xs = asarray(out, dtype=float64) if dtype == "float64" else _float64(out)
        except BaseException as exc:
            send(wfd, {"op": "error", "msg": f"{type(exc).__name__}: {str(exc)[:500]}"})
            return
        send(wfd, {"op": "result", "type": kind, "dtype": dtype}, {"xs": xs, "x0": x0})  # x0 as the call left it

    def on_rcall(header: dict, arrays: dict) -> None:
        """Replicates of a stochastic call, each in its own greenlet; once every unfinished replicate waits on
        the oracle, all their queries go to the grader in one message."""
        name, fn, _, _ = lookup(header)
        if not callable(fn):
            send(wfd, {"op": "error", "msg": f"the submission defines no function {name!r}"})
            return
        a = header["args"]
        count = len(a["rng_states"])
        results: dict = {}
        errors: dict = {}
        dtypes: dict = {}
        x0s = [arrays["x0"].copy() for _ in range(count)]
        hub = getcurrent()  # the coordinator; each replicate is a greenlet that switches back here to query

        def grad_i_r(x, idx):
            answer = hub.switch((asarray(x, dtype=float64), asarray(idx)))
            if isinstance(answer, str):
                raise OracleError(answer)
            return answer

        def replicate(rid: int):
            try:
                out = call_with(fn, a, x0s[rid], rng_of(a["rng_states"][rid]), oracle=grad_i_r)
                dtypes[rid] = _precision(out)
                results[rid] = asarray(out, dtype=float64) if dtypes[rid] == "float64" else _float64(out)
            except BaseException as exc:
                errors[rid] = f"{type(exc).__name__}: {str(exc)[:500]}"
            return None  # finished: back to the hub with no query

        waiting = {}  # rid -> (greenlet, its query)
        for rid in range(count):
            g = greenlet(replicate)
            query = g.switch(rid)
            if query is not None:
                waiting[rid] = (g, query)
        while waiting:
            batch = list(waiting.items())
            xs_q = [q[0] for _, (_, q) in batch]
            is_q = [q[1] for _, (_, q) in batch]
            if len({x.shape for x in xs_q}) == 1 and len({i.shape for i in is_q}) == 1:
                out = {"X": np_stack(xs_q), "IDX": np_stack(is_q)}  # the common case: two arrays
            else:
                out = {}
                for j in range(len(batch)):
                    out[f"x{j}"], out[f"i{j}"] = xs_q[j], is_q[j]
            send(wfd, {"op": "grads", "ids": [rid for rid, _ in batch]}, out)
            reply, got = recv(rfd)
            refused = reply.get("refused", {})
            G = got.get("G")
            waiting = {}
            for j, (rid, (g, _)) in enumerate(batch):
                query = g.switch(str(refused[str(j)]) if str(j) in refused else (G[j] if G is not None
                                                                                  else got[f"g{j}"]))
                if query is not None and not g.dead:
                    waiting[rid] = (g, query)
        arrays_out = {f"xs{r}": v for r, v in results.items()}
        arrays_out.update({f"x0{r}": x0s[r] for r in range(count)})
        send(wfd, {"op": "result", "errors": {str(r): m for r, m in errors.items()},
                   "dtypes": {str(r): d for r, d in dtypes.items()}}, arrays_out)

    def on_has(header: dict, arrays: dict) -> None:
        try:
            _, fn, _, _ = lookup(header)
        except BaseException:
            fn = None
        send(wfd, {"op": "result", "type": "bool"}, {"v": asarray([1.0 if callable(fn) else 0.0])})

    def evaluate(target, header: dict, errors: list[str]):
        import sympy

        expr = sympy.sympify(target)
        by_name = {str(sym): sym for sym in expr.free_symbols}
        names = sorted(by_name)
        try:  # compiled once (evalf per point costs ~0.1 s each); evalf where the compiled form fails
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
                errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        return values, type(target).__name__

    def invoke(target, header: dict, errors: list[str]):
        if not callable(target):
            raise TypeError("it is not a function")
        out = target(*header.get("args", []))
        return out, type(out).__name__

    def value_of(target, header: dict, errors: list[str]):
        return target, type(target).__name__

    def numbers(compute):
        def handler(header: dict, arrays: dict) -> None:
            try:
                name, target, defined, problems = lookup(header)
                if not defined:
                    why = f"; {problems[-1]}" if problems else ""
                    send(wfd, {"op": "error", "msg": f"the submission does not define {name!r}{why}"})
                    return
                errors: list[str] = []
                out, kind = compute(target, header, errors)
                result = asarray(out, dtype=float64)
            except BaseException as exc:
                send(wfd, {"op": "error", "msg": f"{type(exc).__name__}: {str(exc)[:500]}"})
                return
            send(wfd, {"op": "result", "type": kind, "errors": errors[:5]}, {"v": result})

        return handler

    handlers = {"load": on_load, "call": on_call, "rcall": on_rcall, "has": on_has,
                "evaluate": numbers(evaluate), "value": numbers(value_of), "invoke": numbers(invoke)}
    while True:
        try:
            header, arrays = recv(rfd)
        except WireError:
            return
        op = header.get("op")
        if op == "exit":
            return
        handler = handlers.get(op)
        if handler is None:
            send(wfd, {"op": "error", "msg": f"unknown request {op!r}"})
            continue
        handler(header, arrays)


if __name__ == "__main__":
    main()
