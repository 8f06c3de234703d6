"""The submission's process: runs a student's code under limits and serves calls from the grader.

Started by `Sandbox` as `python -m ratecheck.grading.child RFD WFD LIMITS_JSON`. Before any student code runs
it sets resource limits, moves to an empty directory, and installs an audit hook (PEP 578, irremovable) that
refuses: writing files, reading files outside the Python installation, spawning or signalling processes,
sockets, ctypes, and importing ratecheck (the hidden checks and the theory's answers). The student's functions
only ever see a proxy oracle: every gradient is computed, counted and judged by the grader's process.
"""

from __future__ import annotations

import ast
import json
import os
import resource
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
            if any(p == d or p.startswith(d + os.sep) for d in denied_roots) or not any(
                    p == a or p.startswith(a + os.sep) for a in allowed_roots):
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


def main() -> None:
    rfd, wfd = int(sys.argv[1]), int(sys.argv[2])
    cfg = json.loads(sys.argv[3])
    import numpy as np  # before the guard: its shared libraries load from wherever they live
    from ratecheck.grading import wire

    send, recv, WireError = wire.send, wire.recv, wire.WireError  # bound now: student code cannot swap them
    asarray, float64, Generator, PCG64 = np.asarray, np.float64, np.random.Generator, np.random.PCG64
    exc_format = repr
    os.chdir(tempfile.mkdtemp(prefix="ratecheck-sub-"))
    _limits(cfg)
    for name in [m for m in sys.modules if m == "ratecheck" or m.startswith("ratecheck.")]:
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

    def schedule(value):
        if isinstance(value, list):
            table = list(value)
            return lambda k: table[int(k)]
        return value

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
                except SyntaxError as exc:
                    errors.append(f"cell {i}: SyntaxError: {exc.msg} (line {exc.lineno})")
                    continue
                for node in nodes:
                    try:
                        exec(compile(ast.Module([node], []), f"<cell {i}>", "exec"), ns)
                    except BaseException as exc:
                        errors.append(f"cell {i}, line {getattr(node, 'lineno', '?')}: {exc_format(exc)[:300]}")
            send(wfd, {"op": "loaded", "errors": errors[:50],
                       "names": sorted(k for k, v in ns.items() if callable(v) and not k.startswith("_"))})
        elif op == "call":
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
                xs = asarray(out, dtype=float64)
            except BaseException as exc:
                send(wfd, {"op": "error", "msg": f"{type(exc).__name__}: {str(exc)[:500]}"})
                continue
            send(wfd, {"op": "result"}, {"xs": xs})


if __name__ == "__main__":
    main()
