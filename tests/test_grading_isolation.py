"""OS-level isolation of a submission (bubblewrap namespaces + seccomp), each layer shown to hold on its own:
the red-team cases that went through the audit hook alone (reading through a directory descriptor, unaudited
process creation, signals and limits aimed at the grader, unaudited changes outside the output folder) fail
inside the namespaces even with the audit hook switched off; and a flood of oracle queries cannot hang the
grader's writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ratecheck.grading import isolation
from ratecheck.grading.sandbox import Limits, Sandbox, SubmissionError, tree_cpu

NAMESPACES = isolation.available() is None
needs_ns = pytest.mark.skipif(not NAMESPACES, reason=f"no namespaces here: {isolation.available()}")


def test_ci_has_the_namespaces():
    """CI (and `make test` as root on Debian) installs bubblewrap: there the OS layer is never silently absent."""
    if os.environ.get("CI") or os.geteuid() == 0:
        assert NAMESPACES, isolation.available()


def _run(code: str, limits: Limits, name: str = "attack") -> np.ndarray:
    """Define `attack()` in a sandbox and return its result (a number) through the child's invoke op."""
    with Sandbox([code], limits) as sb:
        return sb.invoke(name)


OS_ONLY = Limits(audit_hook=False, seccomp=False)  # the namespaces alone


@pytest.fixture
def secrets(tmp_path):
    """What a submission must never see: another student's notebook, the instructor's source, the gradebook."""
    other = tmp_path / "submitted" / "bob" / "gd" / "gd.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text("bob's answers: 42")
    db = tmp_path / "gradebook.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table student (id text)")
        conn.execute("insert into student values ('bob')")
    return tmp_path, other, db


@needs_ns
def test_directory_descriptors_and_relative_paths_find_nothing_outside(secrets):
    root, other, _ = secrets
    code = f"""
import os
def attack():
    found = 0
    for base in ({str(root)!r}, {str(other.parent)!r}, "/", "/proc/1/root", "/proc/self/cwd"):
        try:
            fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        for rel in ("submitted/bob/gd/gd.ipynb", "gd.ipynb", {str(other)[1:]!r}, "gradebook.db"):
            try:
                f = os.open(rel, os.O_RDONLY, dir_fd=fd)
                found += len(os.read(f, 100))
            except OSError:
                pass
    return found
"""
    assert _run(code, OS_ONLY) == 0


@needs_ns
def test_sqlite_cannot_open_the_gradebook(secrets):
    _, _, db = secrets
    code = f"""
import sqlite3
def attack():
    try:
        return len(sqlite3.connect({str(db)!r}).execute("select * from student").fetchall())
    except Exception:
        return -1
"""
    assert _run(code, OS_ONLY) == -1


@needs_ns
def test_the_grader_is_invisible_and_cannot_be_signalled_or_limited():
    import resource

    me = os.getpid()
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
    code = f"""
import os, signal, resource
def attack():
    for pid in ({me}, os.getppid(), *[int(p) for p in os.listdir("/proc") if p.isdigit()]):
        if pid == os.getpid():
            continue
        for act in (lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3)),
                    lambda: signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGKILL),
                    lambda: os.kill(pid, signal.SIGKILL)):
            try:
                act()
            except (OSError, ValueError):
                pass
    return sum(1 for p in os.listdir("/proc") if p.isdigit())
"""
    assert _run(code, OS_ONLY) <= 2  # the sandbox's own init and the child: nothing else exists for it
    os.kill(me, 0)  # the grader is still here, with its limits
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == nofile


@needs_ns
def test_processes_started_inside_die_with_the_sandbox(tmp_path):
    """_posixsubprocess.fork_exec has no audit event; seccomp refuses it, and without seccomp the process is
    confined to the sandbox's PID namespace and killed with it even after setsid."""
    code = """
import _posixsubprocess, os, subprocess
def attack():
    try:
        p = subprocess.Popen(["/usr/bin/sleep", "300"], start_new_session=True)
        return float(p.pid)
    except OSError:
        return -1.0
"""
    assert _run(code, Limits(audit_hook=False)) == -1.0  # seccomp: no new process at all
    before = _sleepers()
    with Sandbox([code], OS_ONLY) as sb:
        assert sb.invoke("attack") > 0  # started, inside the namespace
    time.sleep(0.5)
    assert _sleepers() <= before  # gone with the sandbox


def _sleepers() -> int:
    out = subprocess.run(["pgrep", "-f", "sleep 300"], capture_output=True, text=True).stdout.split()
    return len(out)


@needs_ns
def test_nothing_outside_changes(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "state.jsonl").write_text("{}\n")
    stamp = os.stat(target / "state.jsonl").st_mtime_ns
    code = f"""
import os
def attack():
    done = 0
    for fn in (lambda: os.mkfifo({str(target / 'fifo')!r}),
               lambda: os.utime({str(target / 'state.jsonl')!r}, (0, 0)),
               lambda: os.setxattr({str(target / 'state.jsonl')!r}, "user.x", b"1"),
               lambda: open({str(target / 'new.txt')!r}, "w").write("x"),
               lambda: os.mkfifo("/tmp/fifo")):
        try:
            fn()
            done += 1
        except OSError:
            pass
    return done
"""
    assert _run(code, OS_ONLY) <= 1  # at most the FIFO in the sandbox's own private /tmp
    assert sorted(p.name for p in target.iterdir()) == ["state.jsonl"]
    assert os.stat(target / "state.jsonl").st_mtime_ns == stamp


@needs_ns
def test_no_network():
    code = """
import socket
def attack():
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=2)
        return 1
    except OSError:
        return 0
"""
    assert _run(code, OS_ONLY) == 0


@needs_ns
def test_the_hidden_checks_and_the_grader_are_not_in_the_sandbox():
    import ratecheck.assignments.hidden as hidden
    import ratecheck.grading.rubric as rubric

    code = f"""
import os
def attack():
    return sum(os.path.exists(p) for p in ({hidden.__file__!r}, {rubric.__file__!r},
                                            {str(Path(hidden.__file__).parents[1] / 'checks')!r}))
"""
    assert _run(code, OS_ONLY) == 0


def test_an_oracle_flood_cannot_hang_the_grader():
    """The child sends queries without reading the answers: the pipe to it fills, the grader's write times out
    at the backstop (here 3 s) instead of blocking forever, and the call fails as a backstop."""
    flood = """
import json, os, struct, sys
import numpy as np
def gradient_descent(grad, x0, lr, steps):
    fd = int(sys.argv[2])
    head = json.dumps({"h": {"op": "grad"}, "a": {"x": ["f8", [len(x0)]]}}).encode()
    body = np.asarray(x0, dtype="<f8").tobytes()
    msg = struct.pack("<II", len(head), len(body)) + head + body
    while True:
        os.write(fd, msg)
"""
    limits = Limits(call_seconds=3.0, backstop_retries=0, max_restarts=0)
    with Sandbox([flood], limits) as sb:
        t0 = time.monotonic()
        fn = sb.function("gradient_descent", "gd")
        with pytest.raises(SubmissionError):
            fn(lambda x: np.zeros(1_000) + x.sum(), np.ones(1_000), 0.1, 3)
        assert time.monotonic() - t0 < 60  # a backstop, not a hang (generous: a busy machine)


def test_tree_cpu_counts_the_child_and_its_reaped_children():
    proc = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                             "'x = 0\\nfor i in range(3_000_000): x += i']); input()"],
                            stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while tree_cpu(proc.pid) < 0.1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tree_cpu(proc.pid) >= 0.1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_weak_sandbox_is_refused_without_opt_in(monkeypatch):
    monkeypatch.setattr(isolation, "available", lambda: "bubblewrap (bwrap) is not installed")
    with pytest.raises(isolation.IsolationUnavailable, match="--weak-sandbox"):
        Sandbox(["x = 1"])
    Sandbox(["x = 1"], Limits(isolation=isolation.WEAK)).close()  # the explicit opt-in


def _descendants(pid: int) -> set[int]:
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    data = fh.read()
                parent[int(name)] = int(data[data.rfind(b")") + 2:].split()[1])
            except OSError:
                continue
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p and c not in out:
                out.add(c)
                todo.append(c)
    return out


@needs_ns
def test_a_killed_worker_leaves_no_submission_process(tmp_path):
    """The worker (here a stand-in process holding a Sandbox and its warm spare) is SIGKILLed mid-call: every
    process below it (bubblewrap, the child, the spare) is gone soon after, with no clean-up code run."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import numpy as np, sys\n"
        "from ratecheck.grading.sandbox import Sandbox\n"
        "src = 'import time\\ndef gradient_descent(grad, x0, lr, steps):\\n    time.sleep(600)\\n'\n"
        "sb = Sandbox([src], warm=True)\n"
        "sb.start()\n"
        "print('ready', flush=True)\n"
        "sb.function('gradient_descent', 'gd')(lambda x: x, np.ones(2), 0.1, 3)\n")
    worker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        below = _descendants(worker.pid)
        assert len(below) >= 4  # bwrap + its init + the child, twice (the sandbox's and the spare)
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in below):
        time.sleep(0.2)
    alive = [p for p in below if os.path.exists(f"/proc/{p}") and "Z" not in open(f"/proc/{p}/stat").read(200)]
    assert not alive


def test_seccomp_refuses_threads_and_processes():
    code = """
import os, threading
def attack():
    n = 0
    try:
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
        n += 1
    except RuntimeError:
        pass
    try:
        if os.fork() == 0:
            os._exit(0)
        n += 10
    except OSError:
        pass
    return n
"""
    with Sandbox([code], Limits(audit_hook=False)) as sb:
        got = sb.invoke("attack")
        assert not sb.seccomp or got == 0  # without libseccomp the namespaces still confine them
