"""The submission's process: runs a student's code under limits and serves calls from the grader.

Started by `Sandbox` as `python -m ratecheck.grading.child RFD WFD LIMITS_JSON`. Before any student code runs
it sets resource limits, moves to an empty directory, and installs an audit hook (PEP 578, irremovable) that
refuses: writing files, reading files outside the Python installation, spawning or signalling processes,
sockets, ctypes, and importing ratecheck (the hidden checks and the theory's answers). The student's functions
only ever see a proxy oracle: every gradient is computed, counted and judged by the grader's process.

With `public` in the configuration (the modules a released notebook imports, e.g. ratecheck.theory), those
modules are imported *before* the guard and stay importable; every other ratecheck module stays refused.
What the child's copies compute only ever reaches the grader as numbers it checks against its own copies.

Ops: load (definitions only), call (a teaching-form optimizer behind the proxy oracle), evaluate (a SymPy
expression the notebook defines, at grader-chosen points, as floats), value (a variable as numbers), invoke
(a function with JSON arguments, its result as numbers). evaluate/value/invoke first run the *slice* of the
notebook that defines what they need (the top-level statements, calls included, that the name depends on),
never the rest (plots, experiments).
"""

from __future__ import annotations

import ast
import json
import os
import resource
import symtable
import sys
import tempfile


def _limits(cfg: dict) -> None:
    mem = int(cfg.get("memory_bytes", 1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(cfg.get("cpu_seconds", 60))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file may grow: writes fail
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _guard(allowed_roots: list[str], denied_roots: list[str]) -> None:
    blocked_prefixes = ("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
                        "os.kill", "os.killpg", "signal.pthread_kill", "subprocess.", "socket.", "ctypes.",
                        "os.remove", "os.unlink", "os.rename", "os.replace", "os.mkdir", "os.rmdir", "os.chmod",
                        "os.chown", "os.truncate", "os.link", "os.symlink", "shutil.", "os.putenv", "os.unsetenv",
                        "winreg.", "webbrowser.", "pty.", "sys._current_frames", "os.setuid", "os.setgid")
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
            p = real(os.fsdecode(path)) if isinstance(path, str | bytes) else ""
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


def _top_level(source: str) -> list[ast.stmt]:
    """The statements of a cell that define things: imports, functions, classes, and assignments without calls.
    Experiments, plots and prints are skipped: grading needs the definitions, not the notebook's side effects.
    Raises SyntaxError for a cell that does not parse."""
    tree = ast.parse(source)
    keep = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
            keep.append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and not any(
                isinstance(n, ast.Call | ast.Lambda | ast.Await | ast.Yield) for n in ast.walk(node.value)):
            keep.append(node)
    return keep


def _reads(stmt: ast.stmt) -> set[str]:
    """Global names a top-level statement reads, function bodies included (their free globals)."""
    try:
        top = symtable.symtable(ast.unparse(stmt), "<slice>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    names: set[str] = set()
    stack = [top]
    while stack:
        table = stack.pop()
        for sym in table.get_symbols():
            if (table.get_type() == "module" and sym.is_referenced()) or (
                    table.get_type() != "module" and sym.is_global()):
                names.add(sym.get_name())
        stack.extend(table.get_children())
    return names


def _writes(stmt: ast.stmt, modules: set[str]) -> set[str]:
    """Global names a top-level statement binds or mutates (x = ..., x[i] = ..., x.append(...), def x, ...)."""
    out: set[str] = set()
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # their bodies bind locals
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out.add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                out.add(base.id)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(
                node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name):
            if node.value.func.value.id not in modules:  # xs.append(...) mutates xs; plt.show() is no data
                out.add(node.value.func.value.id)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _slice(statements: list[tuple[int, ast.stmt]], names: set[str]) -> list[int]:
    """Indices (into statements) of what defining `names` needs: walk back from the end, keep a statement when
    it binds a needed name, then need what it reads."""
    modules = {n for _, s in statements if isinstance(s, ast.Import | ast.ImportFrom) for n in _writes(s, set())}
    needed, keep = set(names), []
    for j in range(len(statements) - 1, -1, -1):
        stmt = statements[j][1]
        bound = _writes(stmt, modules)
        if bound & needed:
            keep.append(j)
            reads = _reads(stmt)
            conditional = isinstance(stmt, ast.If | ast.For | ast.While | ast.Try | ast.With | ast.Match)
            needed = (needed if conditional else needed - (bound - reads)) | reads
    return sorted(keep)


def main() -> None:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    cfg = json.loads(sys.argv[3])
    import numpy as np  # before the guard: its shared libraries load from wherever they live
    try:  # the `grade` extra; without it the grader never asks for batched replicates
        from greenlet import getcurrent, greenlet
    except ImportError:
        getcurrent = greenlet = None
    from ratecheck.grading import wire

    send, recv, WireError = wire.send, wire.recv, wire.WireError  # bound now: student code cannot swap them
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
    _guard(cfg["allowed_roots"], cfg["denied_roots"])

    ns: dict = {"__name__": "__submission__"}

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

    statements: list[tuple[int, ast.stmt]] = []  # every top-level statement of every cell that parses
    done: set[int] = set()

    def prepare(names: list[str]) -> list[str]:
        """Run (once) the statements that define `names`; their errors as text."""
        problems = []
        for j in _slice(statements, set(names)):
            if j in done:
                continue
            done.add(j)
            i, node = statements[j]
            try:
                exec(compile(ast.Module([node], []), f"<cell {i}>", "exec"), ns)
            except BaseException as exc:
                problems.append(f"cell {i}, line {getattr(node, 'lineno', '?')}: {exc_format(exc)[:300]}")
        return problems[:20]

    def numbers(value) -> object:
        return asarray(value, dtype=float64)

    def schedule(value):
        if isinstance(value, list):
            table = list(value)
            return lambda k: table[int(k)]
        return value

    def replicated(fn, a: dict, x0) -> None:
        """Each replicate in its own greenlet; once every unfinished replicate waits on the oracle, all their queries
        go to the grader in one message. The result lists each replicate's iterates or its error."""
        count = len(a["rng_states"])
        results: dict = {}
        errors: dict = {}
        x0s = [x0.copy() for _ in range(count)]
        hub = getcurrent()  # the coordinator; each replicate is a greenlet that switches back here to query

        def grad_i_r(x, idx):
            answer = hub.switch((asarray(x, dtype=float64), asarray(idx)))
            if isinstance(answer, str):
                raise OracleError(answer)
            return answer

        def replicate(rid: int):
            try:
                rng = Generator(PCG64())
                rng.bit_generator.state = a["rng_states"][rid]
                out = fn(grad_i_r, a["n"], x0s[rid], schedule(a["lr"]), a["steps"], rng, batch_size=a["batch_size"])
                results[rid] = asarray(out, dtype=float64)
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
        send(wfd, {"op": "result", "errors": {str(r): m for r, m in errors.items()}}, arrays_out)

    while True:
        try:
            header, arrays = recv(rfd)
        except WireError:
            return
        op = header.get("op")
        if op == "exit":
            return
        if op == "load":
            errors = []
            for i, source in enumerate(header["cells"]):
                try:
                    nodes = _top_level(source)
                    statements.extend((i, node) for node in ast.parse(source).body)
                except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                    errors.append(f"cell {i}: {type(exc).__name__}: {getattr(exc, 'msg', exc)} "
                                  f"(line {getattr(exc, 'lineno', '?')})")
                    continue
                for node in nodes:
                    try:
                        exec(compile(ast.Module([node], []), f"<cell {i}>", "exec"), ns)
                    except BaseException as exc:
                        errors.append(f"cell {i}, line {getattr(node, 'lineno', '?')}: {exc_format(exc)[:300]}")
            send(wfd, {"op": "loaded", "errors": errors[:50],
                       "names": sorted(k for k, v in ns.items() if callable(v) and not k.startswith("_"))})
        elif op == "call":
            if not callable(ns.get(header["name"])):  # e.g. defined by an assignment with a call
                try:
                    prepare([str(header["name"])])
                except BaseException:
                    pass
            fn = ns.get(header["name"])
            if not callable(fn):
                send(wfd, {"op": "error", "msg": f"the submission defines no function {header['name']!r}"})
                continue
            a = header["args"]
            x0 = arrays["x0"].copy()
            try:
                if header["method"] == "sgd":
                    rng = Generator(PCG64())
                    rng.bit_generator.state = a["rng_state"]
                    out = fn(grad_i, a["n"], x0, schedule(a["lr"]), a["steps"], rng, batch_size=a["batch_size"])
                elif header["method"] == "gd":
                    out = fn(grad, x0, schedule(a["lr"]), a["steps"])
                else:
                    out = fn(grad, x0, schedule(a["lr"]), schedule(a["momentum"]), a["steps"])
                kind = type(out).__name__
                xs = asarray(out, dtype=float64)
            except BaseException as exc:
                send(wfd, {"op": "error", "msg": f"{type(exc).__name__}: {str(exc)[:500]}"})
                continue
            send(wfd, {"op": "result", "type": kind}, {"xs": xs, "x0": x0})  # x0 as the call left it
        elif op == "rcall":  # replicates of an SGD call, run in threads so their oracle queries go out batched
            fn = ns.get(header["name"])
            if not callable(fn):
                send(wfd, {"op": "error", "msg": f"the submission defines no function {header['name']!r}"})
                continue
            replicated(fn, header["args"], arrays["x0"])
        elif op == "has":
            name = str(header.get("name", ""))
            if not callable(ns.get(name)):
                try:
                    prepare([name])
                except BaseException:
                    pass
            send(wfd, {"op": "result", "type": "bool"}, {"v": asarray([1.0 if callable(ns.get(name)) else 0.0])})
        elif op in ("evaluate", "value", "invoke"):
            name = str(header.get("name", ""))
            try:
                problems = prepare([name])
                if name not in ns:
                    why = f"; {problems[-1]}" if problems else ""
                    send(wfd, {"op": "error", "msg": f"the submission does not define {name!r}{why}"})
                    continue
                target, point_errors = ns[name], []
                if op == "evaluate":
                    import sympy

                    expr = sympy.sympify(target)
                    by_name = {str(sym): sym for sym in expr.free_symbols}
                    values = []
                    for point in header.get("points", []):
                        try:
                            subs = {by_name[k]: float(v) for k, v in point.items() if k in by_name}
                            values.append(float(expr.evalf(subs=subs)))
                        except BaseException as exc:
                            values.append(float("nan"))
                            point_errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    out, kind = values, type(target).__name__
                elif op == "value":
                    out, kind = target, type(target).__name__
                else:
                    if not callable(target):
                        send(wfd, {"op": "error", "msg": f"{name!r} is not a function"})
                        continue
                    out = target(*header.get("args", []))
                    kind = type(out).__name__
                result = numbers(out)
            except BaseException as exc:
                send(wfd, {"op": "error", "msg": f"{type(exc).__name__}: {str(exc)[:500]}"})
                continue
            send(wfd, {"op": "result", "type": kind, "errors": point_errors[:5]}, {"v": result})


if __name__ == "__main__":
    main()
