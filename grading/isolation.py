"""Operating-system isolation for a submission's process: Linux namespaces through bubblewrap.

Why bubblewrap: it is the sandbox Flatpak runs every desktop application in, packaged by Debian (`bubblewrap`),
small, audited, with no daemon; it needs only unprivileged user namespaces, or root. Its namespaces give what the
audit hook alone cannot (a list of audited events always misses an unaudited path into the kernel):

    filesystem   only the Python installation (read-only), the few ratecheck modules the child needs (read-only)
                 and a private tmpfs at /tmp that vanishes with the sandbox; no course, gradebook, submissions,
                 grader code or hidden checks exist inside, whatever path or directory descriptor is used
    processes    its own PID namespace: nothing outside is visible or signalable (kill, pidfd, prlimit need a pid
                 it cannot name); pid 1 is bubblewrap's init, so everything inside dies with it, and
                 --die-with-parent ties that to the grader's worker
    network      its own empty network namespace (loopback only, down)
    users        its own user namespace as uid/gid 65534 with no capabilities; no further user namespaces

Inside, the child adds a seccomp filter (no new processes, no ptrace; grading/child.py) and keeps the PEP 578
audit hook as a second layer. Where namespaces are unavailable (not Linux, bubblewrap missing, user namespaces
disabled) the grader refuses to run unless the operator opts into the weaker in-process sandbox
(`ratecheck grade --weak-sandbox`), and every record then says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from functools import cache
from pathlib import Path

NAMESPACES = "namespaces"  # bubblewrap: the default
WEAK = "in-process"  # rlimits + seccomp + audit hook only: explicit opt-in

PACKAGE = Path(__file__).resolve().parents[1]  # the ratecheck package root
# What of ratecheck the child needs on its own: the package marker, the grading package marker, the wire format
# and the child itself. Public teaching modules (what a released notebook imports) are added per sandbox.
CHILD_FILES = ("__init__.py", "grading/__init__.py", "grading/wire.py", "grading/slicer.py", "grading/child.py")


class IsolationUnavailable(RuntimeError):
    """The OS cannot isolate submissions here; the message says why and what to do."""


def _install_roots() -> list[str]:
    """The Python installation: interpreter, standard library, site-packages (venv or not)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths |= {v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p}
    real = sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})
    # keep the outermost of nested roots; never bind the package root itself (it holds the hidden checks)
    out: list[str] = []
    for p in real:
        if not any(p == q or p.startswith(q + os.sep) for q in out):
            out.append(p)
    pkg = str(PACKAGE)
    return [p for p in out if not (p == pkg or pkg.startswith(p + os.sep))]  # a folder holding the package: no


def _system_binds() -> list[str]:
    """/usr read-only (shared libraries), and /lib, /lib64, /bin as the host has them (symlinks or folders)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    if os.path.exists("/etc/ld.so.cache"):
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def bwrap_command(argv: list[str], public_paths: list[str], extra_ro: list[str], pass_fds: tuple[int, ...] = ()
                  ) -> list[str]:
    """The bubblewrap command line running `argv` in fresh namespaces with only what the child needs."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise IsolationUnavailable("bubblewrap (bwrap) is not installed")
    args = [bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
            "--die-with-parent", "--new-session", "--hostname", "ratecheck-sandbox", "--cap-drop", "ALL",
            # the private /tmp first: the binds below may lie under /tmp (a checkout there) and must stay visible
            "--tmpfs", "/tmp", *_system_binds()]
    bound: set[str] = set()
    for root in _install_roots():
        if os.path.exists(root):
            args += ["--ro-bind", root, root]
            bound.add(root)
    for rel in CHILD_FILES:
        path = str(PACKAGE / rel)
        args += ["--ro-bind", path, path]
    for path in [*public_paths, *extra_ro]:
        if os.path.exists(path) and path not in bound:
            args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--", *argv]
    return args


def public_paths(modules: tuple[str, ...]) -> list[str]:
    """The files a public module needs inside the sandbox: its package folder (or file) and every parent
    package's __init__.py."""
    out: list[str] = []
    for name in modules:
        parts = name.split(".")[1:]  # below ratecheck
        for i in range(1, len(parts)):
            init = PACKAGE.joinpath(*parts[:i], "__init__.py")
            if init.is_file():
                out.append(str(init))
        folder, module = PACKAGE.joinpath(*parts), PACKAGE.joinpath(*parts[:-1], parts[-1] + ".py")
        out.append(str(folder) if folder.is_dir() else str(module))
    return sorted(set(out))


@cache
def available() -> str | None:
    """None when namespaces work here, else why not (one line). Probed once per process by running `true`."""
    if not sys.platform.startswith("linux"):
        return f"namespaces need Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap; `make sandbox`)"
    try:
        cmd = bwrap_command([os.path.realpath(sys.executable), "-S", "-c", "pass"], [], [])
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start: {exc}"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap could not create namespaces here ({why[-1] if why else done.returncode}): " \
               "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)"
    return None


def require(mode: str) -> str:
    """The isolation mode to use: `mode` if it can be had, else IsolationUnavailable with what to do."""
    if mode == WEAK:
        return WEAK
    if mode != NAMESPACES:
        raise ValueError(f"isolation must be {NAMESPACES!r} or {WEAK!r}, got {mode!r}")
    why = available()
    if why is not None:
        raise IsolationUnavailable(f"cannot isolate submissions: {why}. Pass --weak-sandbox to grade with the "
                                   "weaker in-process sandbox (every record will say so)")
    return NAMESPACES


__all__ = ["NAMESPACES", "WEAK", "IsolationUnavailable", "available", "bwrap_command", "public_paths", "require"]
