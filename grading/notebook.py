"""Reading a submitted notebook without trusting it.

A student can edit, delete, duplicate or re-tag any cell and its metadata, or hand in something that is not a
notebook at all. The grader therefore takes the code of *every* code cell, in order, whatever its metadata
says (the sandbox executes only definitions, and the rubric decides what is graded from the course's source
notebook, never from the submission's metadata). A file that cannot be read as a notebook is not an error of
the batch: it becomes a recorded score of 0 with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 32 << 20  # a submission larger than this is not read (outputs of megabytes are common; 32 MiB is not)
MAX_CELLS = 2000


@dataclass
class Submission:
    path: str
    cells: list[str] = field(default_factory=list)  # the code of every code cell
    error: str | None = None  # why the notebook could not be read (then cells is empty)


def read(path: str | Path) -> Submission:
    """The code cells of the notebook at `path`, or the reason it cannot be graded."""
    path = Path(path)
    out = Submission(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            out.error = f"the notebook is too large to grade ({size / 2**20:.0f} MiB > {MAX_BYTES >> 20} MiB)"
            return out
        raw = path.read_bytes()
    except OSError as exc:
        out.error = f"the notebook cannot be read: {exc.strerror or exc}"
        return out
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        out.error = f"malformed notebook (not JSON): {str(exc)[:200]}"
        return out
    if not isinstance(data, dict) or not isinstance(data.get("cells", None), list):
        major = data.get("nbformat") if isinstance(data, dict) else None
        out.error = ("malformed notebook: no list of cells" + (f" (nbformat {major!r}; expected 4)" if major else ""))
        return out
    if data.get("nbformat") != 4:
        out.error = f"unsupported notebook format nbformat={data.get('nbformat')!r} (expected 4)"
        return out
    cells = data["cells"]
    if len(cells) > MAX_CELLS:
        out.error = f"too many cells ({len(cells)} > {MAX_CELLS})"
        return out
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            out.cells.append(source)
    if not out.cells:
        out.error = "the notebook has no code cells"
    return out


__all__ = ["Submission", "read"]
