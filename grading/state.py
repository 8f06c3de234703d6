"""The batch's state file OUT/state.jsonl: one JSON record per line, appended as each submission finishes.

Appending (not rewriting) keeps a batch of N submissions O(N) in bytes written, and a line is never lost to a
later crash. A line that is not valid JSON (a torn write of a killed grader), or a record without its
student/assignment/score/max_score/sha256 or with wrong types, is reported and ignored, so that submission is
graded again; the file is then rewritten atomically without those lines (kept aside in state.rejected.jsonl)
so the next append starts on a fresh line. A record with "done": false says the submission was graded but
its results could not all be stored (e.g. the gradebook): it is graded again too. The file is opened without
following a link and without blocking on a FIFO; either at OUT/state.jsonl is refused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from . import safefs

STATE = "state.jsonl"
REJECTED = "state.rejected.jsonl"
MAX_BYTES = 256 << 20
REQUIRED: dict[str, type | tuple[type, ...]] = {"student": str, "assignment": str, "score": (int, float),
                                                "max_score": (int, float), "sha256": str}


def problem(rec: Any) -> str | None:
    """Why `rec` is not a usable state record (None when it is)."""
    if not isinstance(rec, dict):
        return f"expected a JSON object, got {type(rec).__name__}"
    for key, kind in REQUIRED.items():
        if key not in rec:
            return f"no {key!r}"
        value = rec[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            expected = "a string" if kind is str else "a number"
            return f"{key!r} is {type(value).__name__} {str(value)[:40]!r}, expected {expected}"
        if kind is not str and not math.isfinite(value):
            return f"{key!r} is {value!r}, expected a finite number"
    if not safefs.NAME.fullmatch(rec["student"]) or not safefs.NAME.fullmatch(rec["assignment"]):
        return f"student/assignment {rec['student'][:40]!r}/{rec['assignment'][:40]!r} is not a safe name"
    if not 0 <= rec["score"] <= max(rec["max_score"], 0) + 1e-9:
        return f"score {rec['score']!r} outside [0, max_score={rec['max_score']!r}]"
    if not isinstance(rec.get("done", True), bool):
        return f"'done' is {rec['done']!r}, expected true or false"
    return None


def load(out_dir: str | Path) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
    """Finished records by (student, assignment) (the last line wins) and the problems found, one per bad line.

    Bad lines are moved to state.rejected.jsonl. Raises safefs.UnsafePathError when the state file is a link,
    a FIFO or not a regular file."""
    raw = safefs.read_bytes(out_dir, STATE, MAX_BYTES)
    done: dict[tuple[str, str], dict[str, Any]] = {}
    if raw is None:
        return done, []
    problems, good, bad = [], [], []
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as exc:
            why = f"not valid JSON ({exc.__class__.__name__}: {str(exc)[:80]})"
        else:
            why = problem(rec)
        if why is not None:
            problems.append(f"{STATE} line {n}: {why}; that submission is graded again")
            bad.append(line)
            continue
        good.append(line)
        if rec.get("done", True):
            done[rec["student"], rec["assignment"]] = rec
        else:
            done.pop((rec["student"], rec["assignment"]), None)
    if bad or (raw and not raw.endswith(b"\n")):
        if bad:
            old = safefs.read_bytes(out_dir, REJECTED, MAX_BYTES) or b""
            safefs.atomic_write(out_dir, REJECTED, old + "".join(f"{b}\n" for b in bad).encode())
        safefs.atomic_write(out_dir, STATE, "".join(f"{g}\n" for g in good))
    return done, problems


def append(out_dir: str | Path, record: dict[str, Any]) -> None:
    """Append one record and fsync (ValueError for a record that is not a valid state record)."""
    if (why := problem(record)) is not None:
        raise ValueError(f"not a valid state record: {why}")
    safefs.append_line(out_dir, STATE, (json.dumps(record, allow_nan=False, default=str) + "\n").encode())


__all__ = ["REJECTED", "STATE", "append", "load", "problem"]
