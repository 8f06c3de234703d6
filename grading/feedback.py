"""Per-student feedback: for each part the points and the reason, and for a failed hidden test each failed
property with its shrunk counterexample (problem, step, observed vs bound), as Markdown.

Built only from the grader's record (scores, reasons, `hidden.failure_text`), never from cell sources: the
hidden test code cannot appear in it. Absolute paths of the grader (the course, the package, Python, temporary
folders) are replaced by placeholders (`scrub_paths`), and the file is written atomically under OUT, never
through a link (`safefs`).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import safefs

KIND = {"hidden": "hidden tests (ratecheck's property checks)", "visible": "visible tests",
        "derivation": "derivation", "measurement": "measurement"}


def _g(v: float) -> str:
    return f"{v:g}"


def grader_roots(*extra: tuple[str | Path, str]) -> list[tuple[str, str]]:
    """(absolute path, placeholder) of the grader's folders, longest first: `extra` (e.g. the course), the
    package, the Python installation, the temporary folder and the home folder."""
    roots = [*extra, (Path(__file__).resolve().parents[1], "<ratecheck>"), (sys.prefix, "<python>"),
             (sys.base_prefix, "<python>"), (tempfile.gettempdir(), "<tmp>"), ("/tmp", "<tmp>"),
             (os.path.expanduser("~"), "~")]
    out: dict[str, str] = {}
    for path, label in roots:
        for form in {str(path), os.path.realpath(path)}:
            form = form.rstrip("/")
            if len(form) > 1 and form not in out:
                out[form] = label
    return sorted(out.items(), key=lambda kv: -len(kv[0]))


def scrub_paths(text: str, roots: Iterable[tuple[str, str]] | None = None) -> str:
    """`text` with every grader path in `roots` (default `grader_roots()`) replaced by its placeholder."""
    for path, label in grader_roots() if roots is None else roots:
        text = re.sub(re.escape(path) + r"(?=[/\\\s'\":;,)\]]|$)", label, text)
    return text


def scrub_record(record: dict[str, Any], roots: Iterable[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The record with grader paths removed from every text shown to a student or a TA (in place)."""
    roots = list(grader_roots() if roots is None else roots)
    for key in ("reason",):
        if isinstance(record.get(key), str):
            record[key] = scrub_paths(record[key], roots)
    for part in record.get("parts", []) if isinstance(record.get("parts"), list) else []:
        for key in ("reason", "details"):
            if isinstance(part, dict) and isinstance(part.get(key), str):
                part[key] = scrub_paths(part[key], roots)
    return record


def render(record: dict[str, Any]) -> str:
    """The feedback text of one graded submission (grader paths scrubbed)."""
    return scrub_paths(_render(record))


def _render(record: dict[str, Any]) -> str:
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


def relpath_for(student: str, assignment: str) -> Path:
    """feedback/<student>/<assignment>.md, both names checked to be safe single path components."""
    name = safefs.check_name(assignment, "assignment")
    return Path("feedback", safefs.check_name(student, "student id"), f"{name}.md")


def path_for(out_dir: str | Path, student: str, assignment: str) -> Path:
    return Path(out_dir) / relpath_for(student, assignment)


def write(out_dir: str | Path, record: dict[str, Any]) -> Path:
    """Write the record's feedback atomically under out_dir (no link below out_dir is followed)."""
    return safefs.atomic_write(out_dir, relpath_for(record["student"], record["assignment"]), render(record))


__all__ = ["grader_roots", "path_for", "relpath_for", "render", "scrub_paths", "scrub_record", "write"]
