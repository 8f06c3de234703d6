"""Per-student feedback: for each part the points and the reason, and for a failed hidden test each failed
property with its shrunk counterexample (problem, step, observed vs bound), as Markdown.

Built only from the grader's record (scores, reasons, `hidden.failure_text`), never from cell sources: the
hidden test code cannot appear in it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

KIND = {"hidden": "hidden tests (ratecheck's property checks)", "visible": "visible tests",
        "derivation": "derivation", "measurement": "measurement"}


def _g(v: float) -> str:
    return f"{v:g}"


def render(record: dict[str, Any]) -> str:
    """The feedback text of one graded submission."""
    lines = [f"# {record['assignment']}: feedback for {record['student']}", "",
             f"**Autograded score: {_g(record['score'])} / {_g(record['max_score'])}**", ""]
    if record.get("error"):
        lines += [f"This submission could not be graded: {record['reason']}", ""]
    parts = record.get("parts", [])
    if parts:
        lines += ["| part | kind | points | result |", "|---|---|---|---|"]
        for p in parts:
            verdict = "passed" if p["score"] >= p["points"] else "failed"
            lines.append(f"| `{p['grade_id']}` | {KIND.get(p['kind'], p['kind'])} | {_g(p['score'])} / "
                         f"{_g(p['points'])} | {verdict} |")
        lines.append("")
        for p in parts:
            if p["score"] >= p["points"]:
                continue
            lines += [f"## `{p['grade_id']}` ({_g(p['score'])} / {_g(p['points'])})", "", _md(p["reason"]), ""]
            if p.get("details"):
                lines += ["```text", p["details"].replace("```", "'''"), "```", ""]
    manual = record.get("manual", [])
    if manual:
        lines += ["Graded by hand (not included above): "
                  + ", ".join(f"`{g}` ({_g(pts)} points)" for g, pts in manual), ""]
    lines.append(f"_graded by `ratecheck grade` in {record.get('seconds', 0):.1f} s_")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return re.sub(r"([|*_`<>])", r"\\\1", text)


def path_for(out_dir: str | Path, student: str, assignment: str) -> Path:
    return Path(out_dir) / "feedback" / student / f"{assignment}.md"


def write(out_dir: str | Path, record: dict[str, Any]) -> Path:
    path = path_for(out_dir, record["student"], record["assignment"])
    atomic_write(path, render(record))
    return path


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as fh:
        fh.write(text)
    os.replace(fh.name, path)


__all__ = ["atomic_write", "path_for", "render", "write"]
